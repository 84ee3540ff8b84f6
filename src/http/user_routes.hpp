// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "lightning/flow.hpp"
#include "lightning/route.hpp"
#include "runtime/state_publisher.hpp"
#include "util/status.hpp"

namespace lightning::http {

/// The routes the app's flows declare (Flow::configure_api, lightning::Route),
/// served under kMountPoint: `Route::post("/predict", ...)` answers
/// `POST /app/api/predict`. The API's own routes are /, /dashboard/...,
/// /api/v1/..., /healthz, /readyz, /metrics and /app/static/..., so a user
/// route can never hide one.
///
/// Each request runs its handler on the loop thread (the HTTP server's
/// handlers already do) inside one batch of state changes, so what it assigns
/// is published as one change and the flow runs after it. A plain handler
/// answers as it returns; a deferred one keeps its Responder and answers
/// later, or the client gets 504 after the route's timeout. A handler that
/// throws lightning::HttpError answers its status; any other exception 500
/// with its what(). Owned by HttpApiService; loop thread only.
class UserRoutes {
 public:
  static constexpr const char* kMountPoint = "/app/api";

  UserRoutes(boost::asio::io_context& io, runtime::StatePublisher& publisher);

  /// Asks every flow of the tree under `root` for its routes and adds them to
  /// `router`. kInvalidArgument (saying which flow and how to fix it) when a
  /// flow's configure_api() throws (a bad path) or two routes share a method
  /// and path. The flows must outlive the router.
  Status add_to(Router& router, Flow& root);

  /// "GET /app/api/stats", ... in declaration order.
  const std::vector<std::string>& served() const { return served_; }

 private:
  struct Entry {
    Flow* flow;
    Route route;
  };
  Reply call(const Entry& entry, const Request& request) const;

  boost::asio::io_context& io_;
  runtime::StatePublisher& publisher_;
  std::vector<Entry> entries_;  // stable once add_to() returns; the router keeps indices
  std::vector<std::string> served_;
};

}  // namespace lightning::http
