// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// User routes: HTTP endpoints a Flow declares in configure_api() (Lightning's
// configure_api), served by the app's HTTP API under /app/api (docs/api.md).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "lightning/json.hpp"

namespace lightning {

class Flow;

/// Thrown by a route's handler to answer with that status (4xx, or 5xx) and
/// message in the API's JSON error body:
///
///   if (!body.contains("x")) throw lightning::HttpError(400, "send {\"x\": [...]}");
///
/// Any other exception out of a handler is a 500 whose message is its what().
class HttpError : public std::runtime_error {
 public:
  /// `status` must be 400..599 (else the answer is 500).
  HttpError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

/// The answer of one request to a deferred route, to give later: store it
/// (it is copyable) and call reply() when the result is there, e.g. in
/// Flow::run once a work has finished. Only the first answer counts; after
/// the route's timeout the client has had 504 and reply() returns false.
/// Loop thread only (Flow::run, another route's handler).
///
///   void predict(const lightning::Json& body, lightning::Responder answer) {
///     pending_.push_back(std::move(answer));   // answered in run()
///   }
class Responder {
 public:
  /// Where the answer goes (the HTTP API's pending request).
  class Target {
   public:
    virtual ~Target() = default;
    /// Sends `status` with `body` (JSON); false when already answered, timed
    /// out or the client has gone.
    virtual bool answer(int status, const Json& body) = 0;
    virtual bool is_pending() const = 0;
  };

  explicit Responder(std::shared_ptr<Target> target) : target_(std::move(target)) {}

  /// Answers 200 with `body`. False when the request was already answered
  /// or timed out, or its client has gone.
  bool reply(const Json& body) { return target_->answer(200, body); }
  /// Answers `status` (400..599) with the API's error body carrying `message`.
  bool fail(int status, const std::string& message);
  /// Not yet answered, and the client still waits.
  bool is_pending() const { return target_->is_pending(); }

 private:
  std::shared_ptr<Target> target_;
};

/// One user route: a method, a path under the mount point /app/api, and the
/// handler, usually a method of the flow that declares it. The handler runs on
/// the controller's loop (never at the same time as Flow::run), takes the
/// request's JSON (a POST's body, null when empty; a GET's query parameters
/// as an object of strings) and answers JSON; State fields it assigns are
/// published as any change is, and the flow runs after it.
///
///   struct Root : lightning::Flow {
///     lightning::Json predict(const lightning::Json& body) { return {{"y", 2 *
///     body.at("x").get<double>()}}; } std::vector<lightning::Route> configure_api() override {
///       return {lightning::Route::post("/predict", &Root::predict)};   // POST /app/api/predict
///     }
///   };
///
/// A plain handler answers before it returns, so it holds the loop while it
/// runs: keep it short. One that waits for something (a work's result) is
/// deferred: it gets a Responder to answer later and the loop goes on; when
/// it has not answered within timeout() the client gets 504 (the handler is
/// not interrupted; its later answer is dropped). A plain handler that runs
/// longer than timeout() is answered anyway and logged as a warning.
class Route {
 public:
  using Handler = std::function<Json(const Json&)>;
  using DeferredHandler = std::function<void(const Json&, Responder)>;
  /// The handler as the HTTP API calls it, with the flow that declared the route.
  using Invoker = std::function<void(Flow&, const Json&, Responder&)>;

  static constexpr std::chrono::milliseconds kDefaultTimeout{30000};

  /// GET /app/api<path>, answered by `method` of the declaring flow.
  template <class F>
  static Route get(const std::string& path, Json (F::*method)(const Json&)) {
    return make("GET", path, bind(method));
  }
  /// POST /app/api<path>, answered by `method` of the declaring flow.
  template <class F>
  static Route post(const std::string& path, Json (F::*method)(const Json&)) {
    return make("POST", path, bind(method));
  }
  /// A route answered by any callable, e.g. a lambda capturing `this`.
  static Route get(const std::string& path, Handler handler);
  static Route post(const std::string& path, Handler handler);

  /// Deferred routes: `method` gets a Responder and answers when it can.
  template <class F>
  static Route get_deferred(const std::string& path, void (F::*method)(const Json&, Responder)) {
    return make("GET", path, bind_deferred(method));
  }
  template <class F>
  static Route post_deferred(const std::string& path, void (F::*method)(const Json&, Responder)) {
    return make("POST", path, bind_deferred(method));
  }
  static Route get_deferred(const std::string& path, DeferredHandler handler);
  static Route post_deferred(const std::string& path, DeferredHandler handler);

  /// How long a deferred handler has to answer before the client gets 504;
  /// for a plain one, the run time over which a warning is logged. Default 30 s.
  Route& timeout(std::chrono::milliseconds timeout);

  const std::string& method() const { return method_; }
  /// The path as declared ("/predict"); served at "/app/api" + path().
  const std::string& path() const { return path_; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  const Invoker& invoker() const { return invoker_; }

 private:
  /// Checks `path` (throws std::invalid_argument saying how to fix it).
  static Route make(std::string method, const std::string& path, Invoker invoker);

  template <class F>
  static Invoker bind(Json (F::*method)(const Json&)) {
    static_assert(std::is_base_of_v<Flow, F>, "Route: the handler must be a method of a Flow");
    return [method](Flow& flow, const Json& body, Responder& responder) {
      responder.reply((static_cast<F&>(flow).*method)(body));
    };
  }
  template <class F>
  static Invoker bind_deferred(void (F::*method)(const Json&, Responder)) {
    static_assert(std::is_base_of_v<Flow, F>, "Route: the handler must be a method of a Flow");
    return [method](Flow& flow, const Json& body, Responder& responder) {
      (static_cast<F&>(flow).*method)(body, responder);
    };
  }

  std::string method_;
  std::string path_;
  Invoker invoker_;
  std::chrono::milliseconds timeout_ = kDefaultTimeout;
};

}  // namespace lightning
