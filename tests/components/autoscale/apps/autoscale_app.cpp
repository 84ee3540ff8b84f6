// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for AutoScaler: replicas are EchoReplica works (an HttpServer in a
// work that answers after a delay given in the request, without blocking its
// loop). One scenario per run, chosen by the first app argument; the second
// is a directory the test owns: the root flow writes <dir>/status.json (the
// balancer's URL, the replica counts and phases, each replica's pid, the
// balancer's report) whenever it changes, and stops the app once the test
// creates <dir>/stop.
// Usage: autoscale_app [flags] -- <fixed3|one|scale|kill|never_ready|zero> <dir>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <lightning/components/autoscale.hpp>
#include <lightning/lightning.hpp>
#include <lightning/stop.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "http/http_server.hpp"

namespace {

using lightning::Json;
using lightning::State;
using namespace std::chrono_literals;
namespace lc = lightning::components;
namespace lh = lightning::http;
namespace bhttp = boost::beast::http;

/// GET /v2/health/ready: 200. /delay?ms=N: 200 after N ms (a timer; the
/// server's loop goes on), body {"replica": path}. /echo: the body back as it
/// came, the headers it saw in X-Seen-Headers (JSON), and its
/// Inference-Header-Content-Length. Every answer has X-Replica: its name.
struct EchoReplica : lightning::Work {
  State<int> pid{this, "pid", 0};

  void run(const Json& args) override {
    const bool never_ready = args.value("never_ready", false);
    boost::asio::io_context io(1);
    lh::HttpServerOptions options;
    options.port = 0;
    options.max_body_bytes = 64 << 20;
    const std::string me = name();
    lh::HttpServer server(io, options, [&io, me, never_ready](const lh::Request& req) -> lh::Reply {
      const std::string target(req.target());
      if (target == "/v2/health/ready") {
        if (never_ready) return {lh::error_response(503, "loading"), {}};
        return {lh::json_response(200, R"({"ready":true})"), {}};
      }
      if (target.rfind("/delay", 0) == 0) {
        const auto at = target.find("ms=");
        const int ms = at == std::string::npos ? 0 : std::stoi(target.substr(at + 3));
        lh::Reply reply;
        const bool keep_alive = req.keep_alive();
        reply.deferred = [&io, me, ms, keep_alive](const std::shared_ptr<lh::ResponseSlot>& slot) {
          auto timer =
              std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(ms));
          timer->async_wait([timer, slot, me, keep_alive](boost::system::error_code) {
            lh::Response r = lh::json_response(200, Json{{"replica", me}}.dump(), 11, keep_alive);
            r.set("X-Replica", me);
            slot->answer(std::move(r));
          });
        };
        return reply;
      }
      if (target == "/echo") {
        Json seen = Json::object();
        for (const auto& f : req) seen[std::string(f.name_string())] = std::string(f.value());
        lh::Response r{bhttp::status::ok, 11};
        r.set(bhttp::field::content_type, "application/octet-stream");
        r.set("X-Replica", me);
        r.set("X-Seen-Headers", seen.dump());
        if (req.find("Inference-Header-Content-Length") != req.end()) {
          r.set("Inference-Header-Content-Length", req["Inference-Header-Content-Length"]);
        }
        r.body() = req.body();
        r.keep_alive(req.keep_alive());
        r.prepare_payload();
        return {std::move(r), {}};
      }
      return {lh::error_response(404, "no route " + target), {}};
    });
    const lightning::Status s = server.start();
    if (!s.ok()) throw std::runtime_error(s.message());
    pid = static_cast<int>(::getpid());
    publish_url(server.url());
    while (!lightning::stop_requested()) io.run_for(20ms);
  }
};

const std::string& scenario() { return lightning::app_args().at(0); }
const std::string& dir() { return lightning::app_args().at(1); }

struct Root : lightning::Flow {
  lc::AutoScaler<EchoReplica>& serve = add_flow<lc::AutoScaler<EchoReplica>>("serve");
  std::string last_written;

  Root() {
    lc::AutoScalerOptions& o = serve.options;
    o.balancer.probe_interval = 50ms;
    o.balancer.report_interval = 100ms;
    o.ready_timeout = 20s;
    const std::string& s = scenario();
    if (s == "fixed3") {
      o.min_replicas = o.max_replicas = 3;
    } else if (s == "scale") {
      o.min_replicas = 1;
      o.max_replicas = 3;
      o.target_in_flight = 2;
      o.window = 500ms;
      o.scale_out_cooldown = 300ms;
      o.scale_in_cooldown = 800ms;
    } else if (s == "one") {  // bench/autoscale.sh
      o.min_replicas = o.max_replicas = 1;
    } else if (s == "kill") {
      o.min_replicas = o.max_replicas = 2;
    } else if (s == "never_ready") {
      o.min_replicas = o.max_replicas = 1;
      o.ready_timeout = 2s;  // a process starts in ~1 s under TSan on a loaded machine
      o.replica_args = {{"never_ready", true}};
      o.balancer.queue_timeout = 500ms;  // a request held for a replica gives up after it
    } else if (s == "zero") {            // scale to zero and from zero (also bench/autoscale.sh)
      o.min_replicas = 0;
      o.max_replicas = 2;
      o.target_in_flight = 2;
      o.window = 300ms;
      o.scale_out_cooldown = 300ms;
      o.scale_in_cooldown = 1000ms;
    } else {
      throw std::invalid_argument("unknown scenario " + s);
    }
  }

  void run() override {
    serve.run();
    Json pids = Json::object();
    Json urls = Json::object();
    for (lightning::Work* w : serve.works()) {
      if (auto* r = dynamic_cast<EchoReplica*>(w)) {
        pids[r->name()] = r->pid.get();
        urls[r->name()] = r->url();
      }
    }
    const Json status{{"url", serve.url()},
                      {"replicas", serve.replicas()},
                      {"ready", serve.ready_replicas()},
                      {"pids", pids},
                      {"urls", urls},
                      {"phases", serve.snapshot().at("vars").at("phases")},
                      {"last_decision", serve.snapshot().at("vars").at("last_decision")},
                      {"report", serve.balancer().report.get()}};
    const std::string text = status.dump();
    if (text != last_written) {
      const std::string tmp = dir() + "/status.json.tmp";
      std::ofstream(tmp) << text;
      std::rename(tmp.c_str(), (dir() + "/status.json").c_str());
      last_written = text;
    }
    struct stat st {};
    if (::stat((dir() + "/stop").c_str(), &st) == 0) stop("the test asked");
    schedule_in(50ms);
  }
};

}  // namespace

LIGHTNING_APP(Root)
