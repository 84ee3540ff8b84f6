// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>

#include "http/router.hpp"
#include "lightning/json.hpp"
#include "runtime/controller.hpp"
#include "runtime/work_activity.hpp"

namespace lightning::http {

/// GET /api/v1/components (docs/api.md): the tree of flows and works, each
/// work with its latest call's status, reason, message, call id and attempt,
/// when it started and ended running and for how long, its process's pid and
/// host, the worker and GPUs it was placed on, its log file and the URL it
/// published. Reads the controller (tree,
/// statuses, logs) and a WorkActivity (pids, times). Owned by HttpApiService;
/// loop thread only.
class ComponentRoutes {
 public:
  ComponentRoutes(runtime::Controller& controller, const runtime::WorkActivity& activity);

  void add_to(Router& router);
  /// Where a work's process runs or ran last (cluster::SchedulingLauncher::
  /// placement_json: {"worker", "hostname", "gpus", "current"} or null);
  /// unset: every work is on this host. Called on the loop thread.
  void set_placement(std::function<Json(const std::string& work_path)> placement) {
    placement_ = std::move(placement);
  }
  /// {"version": N, "root": NODE} (contract 1 of docs/api.md).
  Json components() const;

 private:
  Json flow_node(const Flow& flow) const;
  Json work_node(const Work& work) const;

  runtime::Controller& controller_;
  const runtime::WorkActivity& activity_;
  std::function<Json(const std::string&)> placement_;
  std::string host_;
  std::string logs_dir_;  ///< absolute
};

}  // namespace lightning::http
