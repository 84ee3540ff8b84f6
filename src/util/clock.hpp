// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Time as a collaborator (STYLE.md, after Ray's ClockInterface/FakeClock):
// code that reads the time, waits or times out takes a ClockInterface, and
// its unit tests drive a FakeClock (tests/fakes/fake_clock.hpp) instead of
// sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

namespace lightning::util {

/// Steady time and one-shot timers. The real one (AsioClock, event_loop.hpp)
/// runs timer handlers on its event loop; FakeClock runs them inside
/// AdvanceTime(). now() may be called from any thread; timers are set,
/// cancelled and fired on the loop's thread only.
class ClockInterface {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;
  using TimerId = uint64_t;  ///< 0 is never a timer

  virtual ~ClockInterface() = default;
  virtual TimePoint now() const = 0;
  /// Calls `fn` once `when` has come (at once, on the loop, if it has
  /// already). `name` (a string literal) says what the timer is for, in logs
  /// and stats.
  virtual TimerId run_at(TimePoint when, const char* name, std::function<void()> fn) = 0;
  /// Forgets the timer; its handler will not run. A fired or unknown id is a no-op.
  virtual void cancel(TimerId id) = 0;

  TimerId run_after(Duration delay, const char* name, std::function<void()> fn) {
    return run_at(now() + delay, name, std::move(fn));
  }
};

/// One re-armable timer, like asio's steady_timer: start() replaces what was
/// pending, the destructor cancels. Owned by whoever owns the wait; used on
/// the clock's loop thread.
///
///   util::Timer retry(clock);
///   retry.start(backoff, "CallTable.Retry", [this] { pump(); });
class Timer {
 public:
  explicit Timer(ClockInterface& clock) : clock_(&clock) {}
  ~Timer() { cancel(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(ClockInterface::Duration delay, const char* name, std::function<void()> fn) {
    start_at(clock_->now() + delay, name, std::move(fn));
  }
  void start_at(ClockInterface::TimePoint when, const char* name, std::function<void()> fn) {
    cancel();
    id_ = clock_->run_at(when, name, [this, fn = std::move(fn)] {
      id_ = 0;
      fn();
    });
  }
  void cancel() {
    if (id_ != 0) clock_->cancel(std::exchange(id_, 0));
  }
  bool is_armed() const { return id_ != 0; }

 private:
  ClockInterface* clock_;
  ClockInterface::TimerId id_ = 0;
};

}  // namespace lightning::util
