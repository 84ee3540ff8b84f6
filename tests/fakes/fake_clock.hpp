// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <utility>

#include "util/clock.hpp"

namespace lightning::testing {

/// A ClockInterface whose time moves only when the test says so (after Ray's
/// FakeClock). AdvanceTime() runs every timer that comes due, in order of due
/// time (ties in the order they were set), on the calling thread, with now()
/// equal to the timer's due time while it runs; timers set by a handler that
/// fall due within the advance run too. Starts at an arbitrary non-zero point.
///
///   FakeClock clock;
///   clock.run_after(10ms, "T", [&] { fired = true; });
///   clock.AdvanceTime(9ms);   // not yet
///   clock.AdvanceTime(1ms);   // fired
class FakeClock final : public util::ClockInterface {
 public:
  TimePoint now() const override { return TimePoint(Duration(now_.load())); }

  TimerId run_at(TimePoint when, const char* /*name*/, std::function<void()> fn) override {
    const TimerId id = ++next_id_;
    timers_.emplace(Key{when, id}, std::move(fn));
    return id;
  }

  void cancel(TimerId id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.id == id) {
        timers_.erase(it);
        return;
      }
    }
  }

  void AdvanceTime(Duration d) {
    const TimePoint target = now() + d;
    while (!timers_.empty() && timers_.begin()->first.when <= target) {
      auto it = timers_.begin();
      if (it->first.when > now()) now_ = it->first.when.time_since_epoch().count();
      auto fn = std::move(it->second);
      timers_.erase(it);
      fn();
    }
    now_ = target.time_since_epoch().count();
  }

  /// Timers set and not yet fired or cancelled.
  size_t pending_timers() const { return timers_.size(); }
  /// When the next timer is due; now() if none.
  TimePoint next_due() const { return timers_.empty() ? now() : timers_.begin()->first.when; }

 private:
  struct Key {
    TimePoint when;
    TimerId id;
    bool operator<(const Key& o) const { return when != o.when ? when < o.when : id < o.id; }
  };
  // now() may be read from other threads (EventLoop::post measures delays).
  std::atomic<Duration::rep> now_{
      std::chrono::duration_cast<Duration>(std::chrono::hours(1000)).count()};
  TimerId next_id_ = 0;
  std::map<Key, std::function<void()>> timers_;
};

}  // namespace lightning::testing
