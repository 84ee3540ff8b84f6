// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "util/clock.hpp"

namespace lightning::runtime {

/// What could still make the app progress, as the controller sees it now.
struct Activity {
  size_t calls = 0;          ///< calls queued, in flight, or waiting for a retry
  size_t wakeups = 0;        ///< schedule_in() wake-ups armed (re-run backoffs included)
  size_t processes = 0;      ///< work processes starting or stopping
  size_t input_sources = 0;  ///< subscribed clients, and inputs such as a steerable HTTP API
  bool run_pending = false;  ///< a Flow::run is already requested

  bool can_progress() const {
    return calls > 0 || wakeups > 0 || processes > 0 || input_sources > 0 || run_pending;
  }
};

/// Tells a stalled app apart from a busy or idle-but-waiting one: when nothing
/// can run the flow again (Activity::can_progress() is false), it warns once
/// per stall, naming the likely cause and the fix, and with an idle timeout
/// reports the stall as fatal once it has lasted that long. It decides; the
/// controller feeds it (note_run() after every Flow::run, activity() when
/// asked) and acts on its hooks. Owned by the controller; lives on its loop
/// thread; polls on the injected clock every poll_period while the app runs
/// (a scan of the controller's works: microseconds), so tests use a FakeClock.
/// See docs/design/state-and-calls.md ("A stalled app").
///
///   ProgressWatch watch(clock, {}, {[&] { return activity(); }, warn, fail});
///   watch.note_run();  // after each Flow::run
class ProgressWatch {
 public:
  struct Options {
    /// How often the activity is looked at.
    std::chrono::milliseconds poll_period{250};
    /// A stall this long is warned about (so within warn_after + poll_period).
    std::chrono::milliseconds warn_after{500};
    /// A stall this long is reported through Hooks::timed_out; 0: never.
    std::chrono::milliseconds idle_timeout{0};
  };
  struct Hooks {
    std::function<Activity()> activity;
    /// Once per stall (a Flow::run ends it), with the whole warning text.
    std::function<void(const std::string& warning)> stalled;
    /// Once: the stall lasted idle_timeout; the message says so and why.
    std::function<void(const std::string& message)> timed_out;
  };

  ProgressWatch(util::ClockInterface& clock, Options options, Hooks hooks);
  ProgressWatch(const ProgressWatch&) = delete;
  ProgressWatch& operator=(const ProgressWatch&) = delete;

  /// The flow just ran: whatever stall there was has ended; starts watching.
  void note_run();
  /// The app is ending: never reports anything again.
  void stop();
  /// A stall is going on (since the poll that first saw it).
  bool is_stalled() const { return stalled_since_.has_value(); }

 private:
  void poll();
  std::string explanation() const;

  util::ClockInterface& clock_;
  Options options_;
  Hooks hooks_;
  util::Timer timer_;
  std::optional<util::ClockInterface::TimePoint> stalled_since_;
  bool warned_ = false;
  bool stopped_ = false;
};

}  // namespace lightning::runtime
