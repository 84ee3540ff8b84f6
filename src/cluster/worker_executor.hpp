// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// One worker's end of the launch path, as the scheduling launcher sees it
// (docs/design/cluster.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "lightning/v1/cluster.pb.h"
#include "runtime/work_launcher.hpp"

namespace lightning::cluster {

/// Where a worker's process events go: SchedulingLauncher. Called on the
/// controller's loop thread only, never from inside WorkerExecutor::launch()
/// or stop(). `worker` is the worker's identity (Registration::id); every
/// report quotes the attempt of the placement it is about, and reports about
/// an attempt that is no longer current are dropped (fencing).
class WorkerEventSink {
 public:
  virtual ~WorkerEventSink() = default;
  virtual void on_started(const std::string& worker, uint64_t process_id, uint64_t attempt,
                          int pid) = 0;
  virtual void on_output(const std::string& worker, uint64_t process_id, uint64_t attempt,
                         std::string_view line, bool is_stderr) = 0;
  virtual void on_ended(const std::string& worker, uint64_t process_id, uint64_t attempt,
                        const runtime::ProcessExit& exit) = 0;
};

/// Starts and stops work processes on one worker: RemoteWorker (a
/// lightning-worker's Join stream) or LocalWorker (this machine, over the
/// ForkLauncher). Owned by SchedulingLauncher; loop thread only.
class WorkerExecutor {
 public:
  virtual ~WorkerExecutor() = default;
  /// Starts `launch.request()` (its env already pinned to `launch.gpus()`).
  virtual void launch(const v1::LaunchOnWorker& launch) = 0;
  /// SIGTERM to the process group, SIGKILL after `grace` (0: now), timed on
  /// the worker (WorkLauncherInterface::stop's contract).
  virtual void stop(uint64_t process_id, std::chrono::milliseconds grace) = 0;
  /// SIGKILL to every process it started.
  virtual void kill_all() = 0;
  /// The app ended: kill what is left, tell the worker why (`reason`, "the
  /// app ended") and end its session. Synchronous for a local worker.
  virtual void shutdown(const std::string& reason) = 0;
};

}  // namespace lightning::cluster
