// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/event_loop.hpp"

namespace lightning::util {

std::map<std::string, PostStats> EventLoop::post_stats() const {
  std::map<std::string, PostStats> out;
  for (const auto& [name, s] : stats_) {
    PostStats& o = out[name];
    o.count += s.count;
    o.total_delay += s.total_delay;
    if (s.max_delay > o.max_delay) o.max_delay = s.max_delay;
  }
  return out;
}

AsioClock::~AsioClock() {
  // Pending waits complete with operation_aborted and touch nothing of ours;
  // the loop must not run handlers of an expired timer after this (the owner
  // destroys the clock after the loop has stopped).
  for (auto& [id, t] : timers_) t->cancel();
}

ClockInterface::TimerId AsioClock::run_at(TimePoint when, const char* /*name*/,
                                          std::function<void()> fn) {
  const TimerId id = ++next_id_;
  auto& timer = timers_[id];
  timer = std::make_unique<boost::asio::steady_timer>(io_, when);
  timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) mutable {
    if (ec) return;  // cancelled
    // A timer cancelled after it expired but before this ran is not in the map.
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    auto handler = std::move(fn);
    timers_.erase(it);
    handler();
  });
  return id;
}

void AsioClock::cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

}  // namespace lightning::util
