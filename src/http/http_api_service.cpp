// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/http_api_service.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <boost/beast/http/field.hpp>
#include <cerrno>
#include <cstring>

#include "http/sse.hpp"
#include "lightning/work.hpp"
#include "util/atomic_file.hpp"
#include "util/ids.hpp"

namespace lightning::http {

namespace beast_http = boost::beast::http;

namespace {

Response json_ok(unsigned status, const Json& body) {
  return json_response(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

/// Whether a field of `c`, or of a component under it, is declared
/// External::kWritable (POST /api/v1/state may change it).
bool has_writable_field(const Component& c) {
  for (const StateFieldBase* f : c.fields()) {
    if (f->is_writable_from_outside()) return true;
  }
  if (const auto* flow = dynamic_cast<const Flow*>(&c)) {
    for (const Work* w : flow->works()) {
      if (has_writable_field(*w)) return true;
    }
    for (const Flow* f : flow->flows()) {
      if (has_writable_field(*f)) return true;
    }
  }
  return false;
}

}  // namespace

Work* find_work(Flow& root, const std::string& path) {
  for (Work* w : root.works()) {
    if (w->path() == path) return w;
  }
  for (Flow* f : root.flows()) {
    const std::string& prefix = f->path();
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
        path[prefix.size()] == '.') {
      if (Work* w = find_work(*f, path)) return w;
    }
  }
  return nullptr;
}

HttpApiService::HttpApiService(boost::asio::io_context& io, runtime::Controller& controller,
                               HttpServerOptions options)
    : controller_(controller),
      metrics_(controller, activity_,
               [this] {
                 return std::vector<std::pair<std::string, size_t>>{{"state", open_streams()},
                                                                    {"logs", logs_.followers()}};
               }),
      server_(io, std::move(options), [this](const Request& request) { return handle(request); }),
      state_writer_(controller.root(), controller.publisher(), controller),
      user_routes_(io, controller.publisher()) {
  add_routes();
}

HttpApiService::~HttpApiService() {
  server_.stop();
  // The files that lead clients here (app_locator) and let them in: the
  // server is gone, and an ended run leaves no secret behind.
  if (!run_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove(run_dir_ + "/api.json", ec);
    std::filesystem::remove(run_dir_ + "/api-token", ec);
  }
  if (observing_) {
    controller_.publisher().remove_observer(this);
    controller_.remove_event_observer(&activity_);
    controller_.remove_event_observer(&metrics_);
    controller_.logs().remove_observer(&logs_);
    controller_.remove_input_source(this);
  }
}

Status HttpApiService::start(const std::string& run_dir) {
  Status st = dashboard_.check_layouts();
  if (!st.ok()) return st;
  st = user_routes_.add_to(router_, controller_.root());
  if (!st.ok()) return st;
  st = server_.start();
  if (!st.ok()) return st;
  access_.token = util::random_hex(32);
  access_.loopback = server_.is_loopback();
  std::error_code abs_ec;
  access_.token_path =
      std::filesystem::absolute(run_dir + "/api-token", abs_ec).lexically_normal().string();
  st = util::write_private_file(run_dir + "/api-token", access_.token + "\n");
  if (!st.ok()) return st;
  run_dir_ = run_dir;
  const Json api = {{"url", url()}, {"pid", static_cast<int64_t>(getpid())}};
  st = util::write_file_atomically(run_dir + "/api.json", api.dump(2) + "\n");
  if (!st.ok()) return st;
  runtime::StatePublisher& publisher = controller_.publisher();
  if (publisher.history_limits().max_batches < kHistory.max_batches) {
    publisher.set_history_limits(kHistory);
  }
  publisher.add_observer(this);
  controller_.add_event_observer(&activity_);
  controller_.add_event_observer(&metrics_);
  controller_.logs().add_observer(&logs_);
  observing_ = true;
  state_writer_.start();
  // Steerable from outside: an app waiting for a POST is not stalled.
  if (!user_routes_.served().empty() || has_writable_field(controller_.root())) {
    controller_.add_input_source(this);
  }
  return Status::Ok();
}

Reply HttpApiService::handle(const Request& request) {
  std::string route;
  Reply reply;
  if (std::optional<Response> denied = check_access(request, access_, current_peer())) {
    route = router_.pattern_of(request);
    reply = {std::move(*denied), {}};
  } else {
    reply = router_.dispatch(request, &route);
  }
  metrics_.count_request(std::string(request.method_string()), route, reply.response.result_int());
  return reply;
}

size_t HttpApiService::open_streams() {
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                [](const std::weak_ptr<SseSink>& w) {
                                  const auto sink = w.lock();
                                  return !sink || !sink->is_open();
                                }),
                 streams_.end());
  return streams_.size();
}

void HttpApiService::add_routes() {
  router_.add("GET", "/healthz", [](const Request&, const PathParams&) -> Reply {
    return {json_ok(200, {{"status", "ok"}}), {}};
  });
  router_.add("GET", "/readyz", [this](const Request&, const PathParams&) -> Reply {
    if (controller_.finished()) {
      return {error_response(503, "the app has finished"), {}};
    }
    return {json_ok(200, {{"status", "ready"}}), {}};
  });
  router_.add("GET", "/api/v1/state",
              [this](const Request& request, const PathParams&) { return get_state(request); });
  router_.add("GET", "/api/v1/state/stream", [this](const Request& request, const PathParams&) {
    return get_state_stream(request);
  });
  router_.add("POST", "/api/v1/state",
              [this](const Request& request, const PathParams&) { return write_state(request); });
  router_.add("POST", "/api/v1/app/stop", [this](const Request&, const PathParams&) -> Reply {
    controller_.post_stop("stopped over the HTTP API", 0);
    return {json_ok(202, {{"stopping", true}}), {}};
  });
  router_.add("GET", "/api/v1/workers", [this](const Request&, const PathParams&) -> Reply {
    Json body = {{"workers", workers_ ? workers_() : Json::array()}};
    if (cluster_) {
      Json cluster = cluster_();
      if (!cluster.is_null()) body["cluster"] = std::move(cluster);
    }
    return {json_ok(200, body), {}};
  });
  components_.add_to(router_);
  logs_.add_to(router_);
  metrics_.add_to(router_);
  router_.add("POST", "/api/v1/works/{path}/stop",
              [this](const Request& request, const PathParams& params) {
                return stop_work(request, params.at("path"));
              });
  dashboard_.add_to(router_);
}

const std::shared_ptr<const std::string>& HttpApiService::state_body() {
  const uint64_t version = controller_.state_version();
  if (!state_body_ || state_body_version_ != version) {
    const Json body = {{"version", version}, {"state", controller_.root().snapshot()}};
    state_body_ = std::make_shared<const std::string>(
        body.dump(-1, ' ', false, Json::error_handler_t::replace));
    state_body_version_ = version;
  }
  return state_body_;
}

Reply HttpApiService::get_state(const Request& request) {
  const std::shared_ptr<const std::string> body = state_body();
  const std::string etag = "\"" + std::to_string(state_body_version_) + "\"";
  const auto match = request.find(beast_http::field::if_none_match);
  if (match != request.end()) {
    const std::string_view value(match->value().data(), match->value().size());
    if (value.find(etag) != std::string_view::npos || value == "*") {
      Response res{beast_http::status::not_modified, request.version()};
      res.set(beast_http::field::etag, etag);
      res.keep_alive(request.keep_alive());
      return {std::move(res), {}};
    }
  }
  // The cached body itself goes out, shared, not a copy per request.
  Response res{beast_http::status::ok, request.version()};
  res.set(beast_http::field::content_type, "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  res.set(beast_http::field::etag, etag);
  res.keep_alive(request.keep_alive());
  Reply reply{std::move(res), {}};
  reply.shared_body = body;
  return reply;
}

Reply HttpApiService::get_state_stream(const Request& request) {
  std::optional<uint64_t> last_id;
  const auto header = request.find("Last-Event-ID");
  if (header != request.end()) {
    last_id = parse_last_event_id({header->value().data(), header->value().size()});
  }
  Reply reply;
  reply.response = Response{beast_http::status::ok, request.version()};
  reply.response.set(beast_http::field::content_type, "text/event-stream");
  reply.response.set(beast_http::field::cache_control, "no-cache");
  reply.response.set(beast_http::field::connection, "close");
  reply.response.set("X-Accel-Buffering", "no");
  reply.stream = [this, last_id](const std::shared_ptr<SseSink>& sink) {
    bool resumed = false;
    if (last_id) {
      auto batches = controller_.publisher().since(*last_id);
      if (batches.ok()) {
        resumed = true;
        for (const auto& batch : *batches) {
          sink->send(std::make_shared<const std::string>(
              format_sse_event(batch->last_version, "patch",
                               batch->patch.dump(-1, ' ', false, Json::error_handler_t::replace))));
        }
      }
    }
    if (!resumed) {
      sink->send(std::make_shared<const std::string>(
          format_sse_event(controller_.state_version(), "snapshot", *state_body())));
    }
    if (sink->is_open()) streams_.push_back(sink);
  };
  return reply;
}

Reply HttpApiService::stop_work(const Request& request, const std::string& path) {
  Work* work = find_work(controller_.root(), path);
  if (work == nullptr) {
    return {error_response(404, "no work at '" + path + "' (use its dotted path, e.g. root.train)",
                           request.version(), request.keep_alive()),
            {}};
  }
  controller_.stop_work(*work);
  return {json_ok(202, {{"stopping", path}}), {}};
}

Reply HttpApiService::write_state(const Request& request) {
  if (controller_.finished()) {
    return {error_response(503, "the app has finished", request.version(), request.keep_alive()),
            {}};
  }
  const WriteOutcome outcome = state_writer_.write(request.body());
  return {json_response(outcome.status,
                        outcome.body.dump(-1, ' ', false, Json::error_handler_t::replace),
                        request.version(), request.keep_alive()),
          {}};
}

void HttpApiService::on_state_batch(const runtime::StateBatch& batch) {
  if (streams_.empty()) return;
  const auto event = std::make_shared<const std::string>(
      format_sse_event(batch.last_version, "patch",
                       batch.patch.dump(-1, ' ', false, Json::error_handler_t::replace)));
  size_t kept = 0;
  for (size_t i = 0; i < streams_.size(); ++i) {
    std::shared_ptr<SseSink> sink = streams_[i].lock();
    if (!sink || !sink->send(event)) continue;
    // Not a self-move: a moved-from weak_ptr is empty, even when moved onto itself.
    if (kept != i) streams_[kept] = std::move(streams_[i]);
    ++kept;
  }
  streams_.resize(kept);
}

}  // namespace lightning::http
