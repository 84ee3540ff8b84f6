// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <grpcpp/grpcpp.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/scheduling_launcher.hpp"
#include "cluster/slurm_engine.hpp"
#include "http/http_server.hpp"
#include "lightning/flow.hpp"
#include "rpc/controller_service.hpp"
#include "rpc/tls.hpp"
#include "runtime/controller.hpp"
#include "runtime/fork_launcher.hpp"
#include "runtime/resource_budget.hpp"
#include "runtime/run_lock.hpp"
#include "runtime/works_view.hpp"
#include "runtime/zygote.hpp"
#include "scheduler/local_resources.hpp"
#include "util/event_loop.hpp"

namespace lightning::http {
class HttpApiService;
}  // namespace lightning::http
namespace lightning::cluster {
class AppBinary;
class LocalWorker;
class WorkerPool;
class WorkerPoolService;
}  // namespace lightning::cluster
namespace lightning::storage {
class ObjectStoreService;
}  // namespace lightning::storage

namespace lightning::journal {
class Journal;
struct ResumePlan;
}  // namespace lightning::journal

namespace lightning::runtime {

struct AppHostOptions {
  ControllerOptions controller;
  /// gRPC address the works dial ("unix:<run dir>/controller.sock",
  /// "127.0.0.1:0" picks a port).
  std::string listen_address = "127.0.0.1:0";
  /// The HTTP API (docs/api.md); none when empty (--no-http).
  std::optional<http::HttpServerOptions> http = http::HttpServerOptions{};
  /// How the works are shown while the app runs (WorksView), on
  /// controller.terminal (needed for anything but kOff).
  WorksDisplay works_display = WorksDisplay::kOff;
  /// --shared-dir: where Drives keep their files (docs/design/storage.md);
  /// empty: the run directory.
  std::string shared_dir;
  /// The journal of state and calls, `<run dir>/journal.sqlite`
  /// (docs/design/journal.md); false: none (--no-journal).
  bool journal = true;
  /// `<run dir>/run.lock`, taken by run_app(): the forkers this run starts
  /// are recorded in it. Null: none (tests).
  std::shared_ptr<RunLock> run_lock;
  /// `--resume`: the journal this run carries on (journal::prepare_resume()).
  std::shared_ptr<const journal::ResumePlan> resume;
  /// `--cluster workers` and its flags (docs/design/cluster.md).
  struct Cluster {
    bool workers = false;       ///< works run on lightning-workers that join
    bool local_worker = false;  ///< with `workers`: this machine runs works too
    std::string worker_token_file;  ///< empty: a new token in <run dir>/worker-token
    /// The host works on workers dial when listen_address is 0.0.0.0:PORT
    /// (empty: this machine's hostname).
    std::string advertise_address;
    std::chrono::milliseconds heartbeat_timeout{10000};
    /// --cluster slurm: the allocation that starts the workers.
    std::optional<cluster::SlurmOptions> slurm;
    /// --tls-cert/--tls-key/--tls-ca (absolute paths; docs/design/cluster.md, "TLS").
    rpc::TlsFiles tls;
  } cluster;
};

/// The composition root of an app (docs/design/processes-and-threads.md):
/// the one object that builds and wires the controller's collaborators and
/// owns everything with I/O around it: the io_context and its clock, the
/// event loop, the work launcher and the budget of descriptors and processes
/// it launches within, the gRPC server works connect to, signal handling
/// (first SIGINT/SIGTERM stops the app in order, a second one
/// kRepeatedSignalWindow or more later kills the works at once), the HTTP API
/// (http::HttpApiService, on this same loop), the journal of state and calls
/// (journal::Journal, an observer of the controller with a writer thread of
/// its own; flushed at exit), and `<run dir>/state.json` written at exit
/// (Controller::final_record()). Built
/// by run_app() on the main thread, which then runs the loop in run(). Where
/// the next subsystems attach is marked in run().
class AppHost final : private rpc::WorkSessionHandler {
 public:
  /// Signals closer together than this are one request to stop: `timeout`
  /// sends SIGTERM to the app's pid and then to its process group at once.
  /// Measured between the handling of the two on the loop, so it must cover a
  /// loop busy with the stop itself: 200 ms was seen too short on a loaded
  /// machine under TSan (the second SIGTERM of `timeout` killed the works).
  static constexpr std::chrono::milliseconds kRepeatedSignalWindow{1000};

  AppHost(AppHostOptions options, ZygoteHandle zygote, std::unique_ptr<Flow> root);
  ~AppHost() override;

  /// Runs the app to the end on this thread; returns the process exit code.
  int run();

 private:
  // The gRPC service hands sessions to the controller (built once the
  // server's address is known).
  void on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                          v1::WorkerMessage& msg) override;
  void on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) override;
  void on_signal(int sig);
  void write_state_file();
  Json final_record_with_engine() const;
  /// The engine's allocation (describe() and `requeued_from`), null without one.
  Json cluster_json() const;
  bool start_http();
  /// What one work process costs this process (BudgetCosts): all of it in
  /// a local run; with --cluster and no --local-worker only its gRPC stream's
  /// socket, since its process, pipes and threads are on its worker's node,
  /// within that worker's --max-processes.
  static BudgetCosts budget_costs(const AppHostOptions::Cluster& cluster);
  /// --cluster workers: the worker token and the WorkerPool service, before
  /// the server starts. `require_certificates`: the app has --tls-ca.
  bool start_pool(std::vector<grpc::Service*>& services, bool require_certificates);
  void start_journal();
  /// --resume: the state and its version, before the controller starts.
  bool restore_state();

  AppHostOptions options_;
  boost::asio::io_context io_{1};
  util::AsioClock clock_{io_};
  util::EventLoop loop_{io_, clock_};
  ForkLauncher launcher_;
  // What this machine has (docs/design/scheduling.md, "The local case").
  scheduler::LocalResources local_ = scheduler::detect_local_resources();
  // Every launch goes through the scheduler (docs/design/cluster.md): here
  // onto one worker, this machine ("local"), over launcher_.
  std::unique_ptr<cluster::SchedulingLauncher> scheduling_;
  SystemResources resources_;
  ResourceBudget budget_{resources_, budget_costs(options_.cluster)};
  std::unique_ptr<Flow> root_;  // until the controller takes it
  rpc::ControllerService service_{loop_, *this};
  // --cluster workers: the WorkerPool service workers join (docs/design/cluster.md).
  std::unique_ptr<cluster::WorkerPool> pool_;
  std::unique_ptr<cluster::WorkerPoolService> pool_service_;
  std::string worker_token_path_;  // the worker token file (--cluster)
  cluster::LocalWorker* local_worker_ = nullptr;  // owned by scheduling_; null without one
  /// --tls-*: read and checked before the server starts; true when it may start.
  bool load_tls(std::optional<rpc::TlsMaterial>* tls);
  std::unique_ptr<cluster::ClusterEngineInterface> engine_;  // --cluster slurm
  // Looks at the engine's job every 2 s. Once it has ended with its nodes
  // taken away (cluster::job_may_requeue: the time limit, a pre-emption), a
  // new allocation is submitted, up to SlurmOptions::max_requeues times;
  // otherwise (cancelled, failed) no nodes are left and the app fails saying so.
  util::Timer engine_watch_{clock_};
  void watch_engine();
  cluster::EngineContext engine_context_;     // what each allocation's workers dial
  std::vector<std::string> requeued_jobs_;   // the ended jobs' ids, oldest first
  // The run's artifact store over gRPC (docs/design/storage.md), on the same server.
  std::unique_ptr<storage::ObjectStoreService> objects_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<http::HttpApiService> http_;  // destroyed before the controller
  std::unique_ptr<WorksView> works_view_;       // observes the controller
  std::unique_ptr<journal::Journal> journal_;   // observes the controller
  boost::asio::signal_set signals_{io_, SIGINT, SIGTERM};
  std::optional<util::ClockInterface::TimePoint> first_signal_at_;
};

}  // namespace lightning::runtime
