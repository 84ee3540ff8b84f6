// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "util/clock.hpp"

namespace lightning::util {

/// How long the handlers posted under one name waited in the queue.
struct PostStats {
  uint64_t count = 0;
  ClockInterface::Duration total_delay{};
  ClockInterface::Duration max_delay{};
};

/// A component's event loop with named posts (after Ray's
/// instrumented_io_context): every handler carries a name, and the time it
/// waited between post() and running is recorded per name, ready for
/// /metrics. Owned by the composition root (AppHost) or a test; wraps the
/// io_context that one thread runs. post() is thread-safe; post_stats() is
/// read on the loop thread (another thread posts a handler that reads it).
///
///   loop.post("Controller.RunFlows", [this] { run_flows(); });
class EventLoop {
 public:
  EventLoop(boost::asio::io_context& io, ClockInterface& clock) : io_(io), clock_(clock) {}
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Runs `fn` on the loop thread. `name` must be a string literal (it is
  /// kept by pointer): "Component.What".
  template <class F>
  void post(const char* name, F&& fn) {
    boost::asio::post(io_, [this, name, queued = clock_.now(), fn = std::forward<F>(fn)]() mutable {
      record(name, clock_.now() - queued);
      fn();
    });
  }

  boost::asio::io_context& io() { return io_; }
  ClockInterface& clock() { return clock_; }

  /// Queueing delay per handler name (loop thread only).
  std::map<std::string, PostStats> post_stats() const;

 private:
  void record(const char* name, ClockInterface::Duration delay) {
    PostStats& s = stats_[name];
    ++s.count;
    s.total_delay += delay;
    if (delay > s.max_delay) s.max_delay = delay;
  }

  boost::asio::io_context& io_;
  ClockInterface& clock_;
  // Keyed by the literal's address: one lookup per post, no string hashing.
  // The same name from two translation units may be two keys; post_stats()
  // merges them.
  std::unordered_map<const char*, PostStats> stats_;
};

/// The real clock: steady_clock time, timers on an io_context (one asio timer
/// each). Owned by the composition root next to its EventLoop; timers are set
/// and fire on the loop thread.
class AsioClock final : public ClockInterface {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  ~AsioClock() override;

  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  TimerId run_at(TimePoint when, const char* name, std::function<void()> fn) override;
  void cancel(TimerId id) override;

 private:
  boost::asio::io_context& io_;
  TimerId next_id_ = 0;
  std::unordered_map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace lightning::util
