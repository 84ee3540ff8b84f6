// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: the HTTP API's request handling on arbitrary bytes: Beast's
// request parser with the server's limits (a small body and header cap, as the
// server sets them), then the access rules (http::check_access) and the
// router (http::Router) with the API's route patterns and fake handlers.
//
// Invariants: nothing crashes, throws or hangs; the parser stops at the limits
// (a body over the cap is an error, never a message); every parsed request gets
// a response with a status in 200..599, and every 4xx/5xx from the access rules
// or the router carries the JSON error body {"error":{"code":<status>,...}};
// a write (not GET) without the token is never let through, a 401 always says
// WWW-Authenticate; a routed work path never holds '/' or is "." or "..";
// a static folder (http::serve_static_file, on a folder made at start with a
// symbolic link out of it) never serves anything but its own files.
// The logs route parses its query (http::parse_log_query: tail=, follow=) as
// the real one does: a parsed tail is never over its cap, a bad query is a 400
// with the error body, and the route pattern a request is counted under
// (metrics) is one of the patterns, never the raw path.
// POST /api/v1/state goes to a real http::StateWriter on a small flow: it
// answers only 200 (with the new version), 400, 403, 404, 409 (with the current
// version) or 422, and never changes a read-only field. A user route
// (http::UserRoutes, POST /app/api/echo) answers through a deferred reply, once.
#include <stdlib.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "core/runtime.hpp"
#include "fuzz_check.hpp"
#include "http/access.hpp"
#include "http/log_routes.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "http/state_write.hpp"
#include "http/user_routes.hpp"
#include "lightning/json.hpp"
#include "lightning/state.hpp"

namespace {

namespace beast_http = boost::beast::http;
using lightning::http::PathParams;
using lightning::http::Reply;
using lightning::http::Request;

constexpr size_t kBodyLimit = 1024;
constexpr uint32_t kHeaderLimit = 2048;

/// A static folder: index.html, a.txt, sub/b.txt, and links that lead out of it.
const std::string& static_folder() {
  static const std::string kFolder = [] {
    char pattern[] = "/tmp/fuzz_static_XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    std::filesystem::create_directories(dir + "/sub");
    std::ofstream(dir + "/index.html") << "INDEX";
    std::ofstream(dir + "/a.txt") << "A";
    std::ofstream(dir + "/sub/b.txt") << "B";
    std::filesystem::create_symlink("/etc", dir + "/out");
    std::filesystem::create_symlink("/etc/hostname", dir + "/host");
    std::filesystem::create_symlink("a.txt", dir + "/inside");
    static const std::string kRemove = dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(kRemove, ec);
    });
    return dir;
  }();
  return kFolder;
}

using lightning::External;
using lightning::Json;
using lightning::State;

struct FuzzWork : lightning::Work {
  State<int> target{this, "target", 10, External::kWritable};
  State<int> count{this, "count", 0};
  void run(const Json&) override {}
};

struct FuzzFlow : lightning::Flow {
  State<double> lr{this, "lr", 0.001, External::kWritable};
  State<std::vector<int>> sizes{this, "sizes", {1, 2}, External::kWritable};
  State<std::string> label{this, "label", "fixed"};
  FuzzWork& w = add_work<FuzzWork>("w");
  Json echo(const Json& body) {
    if (body.is_string()) throw lightning::HttpError(400, "not a string");
    return body;
  }
  std::vector<lightning::Route> configure_api() override {
    return {lightning::Route::post("/echo", &FuzzFlow::echo)};
  }
  void run() override {}
};

/// The controller's part: changes go to the publisher.
class FuzzRuntime final : public lightning::detail::Runtime {
 public:
  explicit FuzzRuntime(lightning::runtime::StatePublisher& publisher) : publisher_(publisher) {}
  void attach(lightning::Component& root) { attach_tree(root, this); }
  void on_field_changed(lightning::Component& owner, const lightning::StateFieldBase& field,
                        Json value) override {
    publisher_.field_changed(owner, field, value);
  }

 private:
  lightning::runtime::StatePublisher& publisher_;
};

/// Takes the deferred answer of a user route.
class CapturingSlot final : public lightning::http::ResponseSlot {
 public:
  bool answer(lightning::http::Response response) override {
    LIGHTNING_FUZZ_CHECK(!answered, "a deferred reply answered twice");
    answered = true;
    this->response = std::move(response);
    return true;
  }
  bool is_waiting() const override { return !answered; }
  bool answered = false;
  lightning::http::Response response;
};

struct Writable {
  FuzzFlow flow;
  lightning::runtime::StatePublisher publisher;
  FuzzRuntime runtime{publisher};
  lightning::http::StateWriter writer{flow, publisher, runtime};
  boost::asio::io_context io;
  lightning::http::UserRoutes routes{io, publisher};
  Writable() {
    runtime.attach(flow);
    writer.start();
  }
};

Writable& writable() {
  static auto* kWritable = new Writable();
  return *kWritable;
}

void check_write(const lightning::http::WriteOutcome& out) {
  const unsigned s = out.status;
  LIGHTNING_FUZZ_CHECK(s == 200 || s == 400 || s == 403 || s == 404 || s == 409 || s == 422,
                       "POST /api/v1/state answered " + std::to_string(s));
  if (s == 200 || s == 409) {
    LIGHTNING_FUZZ_CHECK(out.body.contains("version") && out.body["version"].is_number_unsigned(),
                         "no version in " + out.body.dump());
  }
  LIGHTNING_FUZZ_CHECK(writable().flow.label.get() == "fixed" && writable().flow.w.count.get() == 0,
                       "a read-only field changed");
}

const lightning::http::Router& router() {
  static const auto* kRouter = [] {
    auto* r = new lightning::http::Router();
    r->add("POST", "/api/v1/state", [](const Request& request, const PathParams&) -> Reply {
      const lightning::http::WriteOutcome out = writable().writer.write(request.body());
      check_write(out);
      return {lightning::http::json_response(out.status, out.body.dump()), {}};
    });
    LIGHTNING_FUZZ_CHECK(writable().routes.add_to(*r, writable().flow).ok(), "user routes");
    auto ok = [](const Request&, const PathParams&) -> Reply {
      return {lightning::http::json_response(200, "{}"), {}};
    };
    r->add("GET", "/healthz", ok);
    r->add("GET", "/readyz", ok);
    r->add("GET", "/api/v1/state", ok);
    r->add("GET", "/api/v1/state/stream", ok);
    r->add("POST", "/api/v1/app/stop", ok);
    r->add("GET", "/api/v1/components", ok);
    r->add("GET", "/metrics", ok);
    r->add("GET", "/api/v1/works/{path}/logs", [](const Request& request, const PathParams&) {
      auto query = lightning::http::parse_log_query(
          std::string_view(request.target().data(), request.target().size()));
      if (!query.ok()) {
        return Reply{lightning::http::error_response(400, query.status().message()), {}};
      }
      LIGHTNING_FUZZ_CHECK(query->tail <= lightning::http::LogQuery::kMaxTail,
                           "tail " + std::to_string(query->tail));
      return Reply{lightning::http::json_response(200, "{}"), {}};
    });
    r->add("POST", "/api/v1/works/{path}/stop", [](const Request&, const PathParams& p) -> Reply {
      const std::string& path = p.at("path");
      LIGHTNING_FUZZ_CHECK(
          path.find('/') == std::string::npos && path != "." && path != ".." && !path.empty(),
          "routed work path '" + path + "'");
      return {lightning::http::json_response(202, "{}"), {}};
    });
    r->add("GET", "/", ok);
    r->add("GET", "/api/v1/layout", ok);
    r->add("GET", "/app/static/{flow}/{tab}/{file*}",
           [](const Request& request, const PathParams& p) -> Reply {
             lightning::http::Response res =
                 lightning::http::serve_static_file(request, static_folder(), p.at("file"));
             static const std::set<std::string> kOwnFiles{"INDEX", "A", "B"};
             LIGHTNING_FUZZ_CHECK(res.result_int() != 200 || kOwnFiles.count(res.body()) == 1,
                                  "served from outside the static folder: " + res.body());
             return {std::move(res), {}};
           });
    return r;
  }();
  return *kRouter;
}

void check_error_body(const lightning::http::Response& res) {
  const unsigned status = res.result_int();
  LIGHTNING_FUZZ_CHECK(status >= 200 && status <= 599, "status " + std::to_string(status));
  if (status < 400) return;
  const lightning::Json body = lightning::Json::parse(res.body(), nullptr, false);
  LIGHTNING_FUZZ_CHECK(!body.is_discarded() && body.contains("error") &&
                           body["error"].value("code", 0u) == status &&
                           body["error"]["message"].is_string(),
                       "error body " + res.body());
  if (status == 401) {
    LIGHTNING_FUZZ_CHECK(res.find(beast_http::field::www_authenticate) != res.end(),
                         "401 without WWW-Authenticate");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Several requests on one connection, as keep-alive reads them.
  for (int requests = 0; requests < 8 && !input.empty(); ++requests) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used = 0;
    while (!parser.is_done() && !ec && used < input.size()) {
      const size_t n =
          parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
      if (ec == beast_http::error::need_more) {
        ec = {};
        if (n == 0) break;
      }
      used += n;
    }
    if (!parser.is_done()) {
      // An error (the server answers 400/413/431 and closes) or a partial request.
      return 0;
    }
    Request request = parser.release();
    LIGHTNING_FUZZ_CHECK(request.body().size() <= kBodyLimit,
                         "a body of " + std::to_string(request.body().size()) + " bytes passed");
    for (const bool loopback : {true, false}) {
      const lightning::http::AccessPolicy policy{"0123456789abcdef", loopback};
      if (auto denied = lightning::http::check_access(request, policy, lightning::http::Peer{true})) {
        check_error_body(*denied);
        continue;
      }
      const bool has_auth = request.find(beast_http::field::authorization) != request.end();
      LIGHTNING_FUZZ_CHECK(has_auth || (loopback && request.method() == beast_http::verb::get),
                           "a request without the token was let through");
      std::string route;
      Reply reply = router().dispatch(request, &route);
      LIGHTNING_FUZZ_CHECK(route.empty() || route.front() == '/', "route label '" + route + "'");
      LIGHTNING_FUZZ_CHECK(route == router().pattern_of(request) || route.empty(),
                           "pattern_of disagrees with dispatch on '" + route + "'");
      if (reply.deferred) {
        auto slot = std::make_shared<CapturingSlot>();
        reply.deferred(slot);
        LIGHTNING_FUZZ_CHECK(slot->answered, "a plain user route left its request unanswered");
        reply.response = std::move(slot->response);
      }
      check_error_body(reply.response);
    }
    input.remove_prefix(used);
  }
  return 0;
}
