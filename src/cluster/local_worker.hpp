// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "cluster/worker_executor.hpp"

namespace lightning::cluster {

/// This machine as a worker of the scheduling launcher (issue 11 point 3:
/// local runs take the same path as cluster runs): launches go to `launcher`
/// (the ForkLauncher), whose events come back to `sink` with the attempt of
/// the placement. Takes `launcher`'s events (set_events) for itself.
class LocalWorker final : public WorkerExecutor {
 public:
  /// `id`: the identity the scheduler gave this worker ("local").
  LocalWorker(runtime::WorkLauncherInterface& launcher, WorkerEventSink& sink, std::string id);

  /// In a cluster run with TLS: every launch here gets `tls` as its
  /// LaunchWorkRequest.controller_tls (the app's --tls-ca), so the works on
  /// this machine check the controller's certificate as remote ones do.
  /// Without it launches go out as they came (the plain path, unchanged).
  void set_controller_tls(v1::ControllerTls tls) { controller_tls_ = std::move(tls); }

  void launch(const v1::LaunchOnWorker& launch) override;
  void stop(uint64_t process_id, std::chrono::milliseconds grace) override;
  void kill_all() override;
  void shutdown(const std::string& reason) override;

 private:
  runtime::WorkLauncherInterface& launcher_;
  WorkerEventSink& sink_;
  std::string id_;
  std::unordered_map<uint64_t, uint64_t> attempts_;  // process id -> attempt, until it exits
  std::optional<v1::ControllerTls> controller_tls_;
};

}  // namespace lightning::cluster
