// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

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

  void launch(const v1::LaunchOnWorker& launch) override;
  void stop(uint64_t process_id, std::chrono::milliseconds grace) override;
  void kill_all() override;
  void shutdown(const std::string& reason) override;

 private:
  runtime::WorkLauncherInterface& launcher_;
  WorkerEventSink& sink_;
  std::string id_;
  std::unordered_map<uint64_t, uint64_t> attempts_;  // process id -> attempt, until it exits
};

}  // namespace lightning::cluster
