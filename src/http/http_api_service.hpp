// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/access.hpp"
#include "http/dashboard.hpp"
#include "http/component_routes.hpp"
#include "http/http_server.hpp"
#include "http/log_routes.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/state_write.hpp"
#include "http/user_routes.hpp"
#include "runtime/controller.hpp"
#include "runtime/state_publisher.hpp"
#include "runtime/work_activity.hpp"

namespace lightning::http {

/// The app's HTTP API (docs/api.md): the endpoints of /healthz, /readyz,
/// /api/v1/state (+ ETag), /api/v1/state/stream (Server-Sent Events),
/// POST /api/v1/state (StateWriter), POST /api/v1/app/stop and POST
/// /api/v1/works/{path}/stop, the flows' own routes under /app/api
/// (UserRoutes), the dashboard (DashboardRoutes: /, /api/v1/layout,
/// /app/static/...), behind the access
/// rules (bearer token, loopback), served by an HttpServer on the controller's
/// own io_context. Built by the composition root (AppHost) once the controller
/// exists; lives on the loop thread like the controller, so its handlers read
/// the controller directly and nothing is shared with another thread.
/// It is a StateObserver: each batch of changes is framed once and queued to
/// every stream client.
class HttpApiService final : public runtime::StateObserver {
 public:
  /// Batches kept for streams that resume with Last-Event-ID.
  static constexpr runtime::StateHistoryLimits kHistory{4096, 32 << 20};

  HttpApiService(boost::asio::io_context& io, runtime::Controller& controller,
                 HttpServerOptions options);
  ~HttpApiService() override;
  HttpApiService(const HttpApiService&) = delete;
  HttpApiService& operator=(const HttpApiService&) = delete;

  /// Collects the flows' routes (UserRoutes::add_to's errors), listens
  /// (HttpServer::start's errors), makes the run's token, writes
  /// `<run dir>/api-token` (mode 0600) and `<run dir>/api.json`
  /// ({"url", "pid"}, atomically), turns on the publisher's history and
  /// observes it. `run_dir` must exist. A flow whose dashboard layout is
  /// wrong (DashboardRoutes::check_layouts) is a kInvalidArgument here.
  Status start(const std::string& run_dir);

  const HttpServer& server() const { return server_; }
  std::string url() const { return server_.url(); }
  const std::string& token() const { return access_.token; }
  size_t stream_clients() const { return streams_.size(); }
  const Metrics& metrics() const { return metrics_; }

  /// What GET /api/v1/workers answers: `{"workers": [...]}` as `list`
  /// makes it (cluster::workers_json over the SchedulingLauncher); unset:
  /// an empty list. Called on the loop thread.
  void set_workers(std::function<Json()> list) { workers_ = std::move(list); }
  /// The cluster engine's allocation for GET /api/v1/workers' `cluster` (a
  /// Slurm job's id, state, nodes, `info` line, `requeued_from`), or null:
  /// no engine (a local run, `--cluster workers`). Called on the loop thread.
  void set_cluster(std::function<Json()> cluster) { cluster_ = std::move(cluster); }
  /// Where each work runs or ran last, for GET /api/v1/components' `worker`,
  /// `host` and `gpus` (ComponentRoutes::set_placement).
  void set_placement(std::function<Json(const std::string& work_path)> placement) {
    components_.set_placement(std::move(placement));
  }
  /// Access rules, then the router: what the server calls per request.
  Reply handle(const Request& request);

  void on_state_batch(const runtime::StateBatch& batch) override;

 private:
  void add_routes();
  /// State streams still open (forgets the closed ones).
  size_t open_streams();
  /// `{"version": N, "state": ...}` at the current version, serialized once
  /// per version.
  const std::shared_ptr<const std::string>& state_body();

  Reply get_state(const Request& request);
  Reply get_state_stream(const Request& request);
  Reply stop_work(const Request& request, const std::string& path);
  Reply write_state(const Request& request);

  runtime::Controller& controller_;
  // Observers of the controller (registered in start()) and the routes that read them.
  runtime::WorkActivity activity_;
  ComponentRoutes components_{controller_, activity_};
  LogRoutes logs_{controller_};
  Metrics metrics_;
  Router router_;
  AccessPolicy access_;
  DashboardRoutes dashboard_{controller_.root(), access_};
  HttpServer server_;
  bool observing_ = false;

  std::shared_ptr<const std::string> state_body_;
  uint64_t state_body_version_ = 0;

  std::vector<std::weak_ptr<SseSink>> streams_;

  StateWriter state_writer_;
  UserRoutes user_routes_;
  std::function<Json()> workers_;
  std::function<Json()> cluster_;
  std::string run_dir_;  // where api.json and api-token are; removed with this service
};

/// The work at dotted `path` ("root.a", "root.child.w") in the tree under
/// `root`, or nullptr.
Work* find_work(Flow& root, const std::string& path);

}  // namespace lightning::http
