// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What a work process's exit means for its work's call, and exits held back
// until the process's stream has ended (docs/design/state-and-calls.md,
// "When a process ends"). Split out of the Controller, which applies them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/work_launcher.hpp"
#include "util/clock.hpp"

namespace lightning::runtime {

/// What the controller knows about a process that exited, besides the
/// launcher's ProcessExit.
struct ExitFacts {
  /// The process held the work's current call (dispatched to it, or waiting
  /// for it to start), and no retry of that call is merely waiting.
  bool had_call = false;
  bool stopping = false;    ///< the app is shutting down
  bool expected = false;    ///< the runtime stopped or killed it
  bool said_hello = false;  ///< it connected (Hello) before it ended
  /// A signal from outside the runtime was recorded for it (a SIGTERM to
  /// its process group the work reported): the call fails with that signal.
  bool outside_signal = false;
  /// Why the runtime stopped it unasked (WorkProcess::stop_cause: the start
  /// timeout); empty when it did not.
  std::string stop_cause;
};

/// What to do with the work's current call.
struct ExitDecision {
  enum class Verdict {
    kNothing,         ///< no call of it was affected (or the app is stopping)
    kInterrupt,       ///< its node drained: pending again, no retry used
    kFailWithSignal,  ///< fail with reason `signal`, the recorded outside signal
    kFail,            ///< fail with `reason`
    kWarnIdle,        ///< an idle process ended unasked: a warning, no call fails
  };
  Verdict verdict = Verdict::kNothing;
  /// For kFail: start_timeout, worker_lost, start_failed, signal or exit
  /// (lightning::reason).
  std::string reason;
  /// For kFail: the signal came from outside the runtime (for the app's
  /// "a work got the same signal" rule, Controller::kSharedSignalWindow).
  bool outside_signal = false;
};

/// The decision, a pure function: a drained node interrupts; a recorded
/// outside signal fails with it; otherwise the reason is start_timeout (the
/// runtime gave up waiting for its Hello), worker_lost (its node vanished
/// after it connected), start_failed (it never connected, or the launcher
/// failed it without a status), signal or exit.
ExitDecision decide_exit(const ProcessExit& exit, const ExitFacts& facts);

/// Exits the launcher reported while the process's gRPC stream was still
/// open: the forker's report can overtake what a stopped work sent last (the
/// deltas of its final assignments, its CallFinished), so the exit waits for
/// the stream's end, at most `wait`. Loop thread only.
class DeferredExits {
 public:
  DeferredExits(util::ClockInterface& clock, std::chrono::milliseconds wait)
      : clock_(clock), wait_(wait) {}
  ~DeferredExits();
  DeferredExits(const DeferredExits&) = delete;
  DeferredExits& operator=(const DeferredExits&) = delete;

  bool has(uint64_t process_id) const { return held_.count(process_id) != 0; }
  /// Holds `exit` of `process_id`; `due(process_id, exit)` runs when `wait`
  /// passes unless take() came first.
  void hold(uint64_t process_id, const ProcessExit& exit,
            std::function<void(uint64_t, const ProcessExit&)> due);
  /// The held exit of `process_id` (its stream ended), its timer cancelled;
  /// nullopt when none is held.
  std::optional<ProcessExit> take(uint64_t process_id);

 private:
  struct Held {
    ProcessExit exit;
    util::ClockInterface::TimerId timer = 0;
  };
  util::ClockInterface& clock_;
  std::chrono::milliseconds wait_;
  std::unordered_map<uint64_t, Held> held_;
};

}  // namespace lightning::runtime
