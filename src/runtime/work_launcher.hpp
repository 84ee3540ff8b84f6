// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lightning/v1/launch.pb.h"

namespace lightning::runtime {

/// How a work process ended. `error` is set when it never started (fork
/// failed) or when the launcher lost it (its forker died).
struct ProcessExit {
  std::optional<int> exit_code;
  std::optional<int> signal;
  /// The launcher had sent `signal` itself (a stop, or its forker's death);
  /// false: it came from outside (a user, the out-of-memory killer).
  bool signal_from_runtime = false;
  std::string error;
  /// Its node was draining (Slurm's SIGTERM before the time limit or a
  /// pre-emption, `lightning-worker` told to stop): the process was stopped
  /// by its node, not by its own fault; `error` says why.
  bool drained = false;
  /// Its node was lost (a lightning-worker silent past its heartbeat
  /// timeout): what became of the process is unknown; `error` says why.
  bool lost = false;
};

/// Starts and stops work processes. The local implementation forks them from
/// a pre-started copy of the app (ForkLauncher); the cluster one will ask a
/// remote lightning-worker. Events are delivered on the controller's loop, in
/// order per process: started, output lines, then exited (after the last line).
/// Every launched process gets exactly one `exited`, even when the launcher
/// itself fails (then with `ProcessExit::error` saying why).
/// Events are never delivered synchronously from inside launch() or stop():
/// even an exit known at once (a failed launch, a process given up before it
/// was forked) is posted onto the loop, so callers may launch and stop while
/// iterating their own state.
class WorkLauncherInterface {
 public:
  struct Events {
    std::function<void(uint64_t process_id, int pid)> started;
    std::function<void(uint64_t process_id, std::string_view line, bool is_stderr)> output;
    std::function<void(uint64_t process_id, const ProcessExit& exit)> exited;
    /// Optional (a launcher that places works, cluster::SchedulingLauncher):
    /// the process waits for a placement, for `reason` ("no worker has 8
    /// GPUs (largest: 4)"), sent again when the reason changes; `reason`
    /// empty: it was placed now and is being started. Only before `started`.
    /// The waiting time is not start time: --start-timeout counts from the
    /// placement.
    std::function<void(uint64_t process_id, const std::string& reason)> pending;
  };

  virtual ~WorkLauncherInterface() = default;
  virtual void set_events(Events events) = 0;
  /// Starts the process described by `request` (its `process_id` names it in
  /// every event and in stop()).
  virtual void launch(const v1::LaunchWorkRequest& request) = 0;
  /// One SIGTERM to the process's group (the process and what it forked),
  /// then SIGKILL once `grace` has passed, timed on the side where the
  /// process lives. Exactly one: a work that handles it (stop_requested())
  /// must not see a second. `grace` 0 is SIGKILL now. A later stop() may only bring the SIGKILL
  /// forward, never postpone it. Remembered if the process has not been forked yet.
  virtual void stop(uint64_t process_id, std::chrono::milliseconds grace) = 0;
  /// Kills whatever is left and stops the launcher; synchronous.
  virtual void shutdown() = 0;
  /// Why the node of `process_id` is draining (its processes are being
  /// stopped by it), or empty: not draining, or not known to this launcher.
  virtual std::string draining_reason(uint64_t process_id) const {
    (void)process_id;
    return {};
  }
  /// Whether `process_id` runs on a node that may be drained (a cluster's
  /// worker): a signal from outside may be its node's drain, which its exit
  /// says (ProcessExit::drained) more surely than the work can.
  virtual bool may_drain(uint64_t process_id) const {
    (void)process_id;
    return false;
  }
};

}  // namespace lightning::runtime
