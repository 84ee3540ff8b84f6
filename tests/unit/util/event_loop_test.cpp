// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The event loop's named posts, the fake clock the unit tests drive, the
// real clock's timers, and the one backoff.
#include "util/event_loop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_clock.hpp"
#include "util/exponential_backoff.hpp"

namespace lightning::util {
namespace {

using namespace std::chrono_literals;
using lightning::testing::FakeClock;

TEST(EventLoopTest, PostedHandlersRunInOrderAndAreCountedByName) {
  boost::asio::io_context io;
  FakeClock clock;
  EventLoop loop(io, clock);
  std::vector<int> ran;
  loop.post("Test.A", [&] { ran.push_back(1); });
  loop.post("Test.B", [&] { ran.push_back(2); });
  loop.post("Test.A", [&] { ran.push_back(3); });
  io.poll();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  const auto stats = loop.post_stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats.at("Test.A").count, 2u);
  EXPECT_EQ(stats.at("Test.B").count, 1u);
}

TEST(EventLoopTest, QueueingDelayIsMeasuredPerName) {
  boost::asio::io_context io;
  FakeClock clock;
  EventLoop loop(io, clock);
  loop.post("Test.Slow", [] {});
  clock.AdvanceTime(30ms);  // the handler waits 30 ms in the queue
  loop.post("Test.Slow", [] {});
  clock.AdvanceTime(10ms);
  io.poll();
  const PostStats s = loop.post_stats().at("Test.Slow");
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.max_delay, 40ms);
  EXPECT_EQ(s.total_delay, 50ms);
}

TEST(EventLoopTest, PostFromAnotherThreadRunsOnTheLoopThread) {
  boost::asio::io_context io;
  FakeClock clock;
  EventLoop loop(io, clock);
  std::thread::id ran_on;
  std::thread poster(
      [&] { loop.post("Test.FromThread", [&] { ran_on = std::this_thread::get_id(); }); });
  poster.join();
  io.poll();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(loop.post_stats().at("Test.FromThread").count, 1u);
}

TEST(FakeClockTest, AdvanceTimeFiresDueTimersInOrderAtTheirDueTime) {
  FakeClock clock;
  const auto start = clock.now();
  std::vector<std::pair<int, FakeClock::Duration>> fired;
  clock.run_after(20ms, "T", [&] { fired.push_back({2, clock.now() - start}); });
  clock.run_after(10ms, "T", [&] { fired.push_back({1, clock.now() - start}); });
  clock.run_after(20ms, "T", [&] { fired.push_back({3, clock.now() - start}); });
  clock.AdvanceTime(9ms);
  EXPECT_TRUE(fired.empty());
  clock.AdvanceTime(11ms);
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], (std::pair<int, FakeClock::Duration>{1, 10ms}));
  EXPECT_EQ(fired[1], (std::pair<int, FakeClock::Duration>{2, 20ms}));
  EXPECT_EQ(fired[2], (std::pair<int, FakeClock::Duration>{3, 20ms}));
  EXPECT_EQ(clock.now() - start, 20ms);
}

TEST(FakeClockTest, TimerSetByAHandlerFiresWithinTheSameAdvance) {
  FakeClock clock;
  int fired = 0;
  clock.run_after(5ms, "T", [&] {
    ++fired;
    clock.run_after(5ms, "T", [&] { ++fired; });
  });
  clock.AdvanceTime(10ms);
  EXPECT_EQ(fired, 2);
}

TEST(TimerTest, CancelledOrRestartedTimerDoesNotFireItsOldHandler) {
  FakeClock clock;
  std::vector<std::string> fired;
  Timer t(clock);
  t.start(10ms, "T", [&] { fired.push_back("old"); });
  t.start(20ms, "T", [&] { fired.push_back("new"); });
  clock.AdvanceTime(15ms);
  EXPECT_TRUE(fired.empty());
  EXPECT_TRUE(t.is_armed());
  clock.AdvanceTime(5ms);
  EXPECT_EQ(fired, std::vector<std::string>{"new"});
  EXPECT_FALSE(t.is_armed());
  t.start(1ms, "T", [&] { fired.push_back("cancelled"); });
  t.cancel();
  clock.AdvanceTime(1s);
  EXPECT_EQ(fired.size(), 1u);
  {
    Timer scoped(clock);
    scoped.start(1ms, "T", [&] { fired.push_back("destroyed"); });
  }
  clock.AdvanceTime(1s);
  EXPECT_EQ(fired.size(), 1u);
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST(AsioClockTest, TimersFireOnTheLoopInDueOrderAndCancelledOnesDoNot) {
  boost::asio::io_context io;
  AsioClock clock(io);
  std::vector<int> fired;
  // Due times from one now(): the order cannot depend on how fast this runs.
  const auto t0 = clock.now();
  clock.run_at(t0 + 2ms, "T", [&] { fired.push_back(2); });
  clock.run_at(t0 + 1ms, "T", [&] { fired.push_back(1); });
  const auto cancelled = clock.run_at(t0 + 1ms, "T", [&] { fired.push_back(99); });
  clock.cancel(cancelled);
  io.run_for(5s);  // returns once no timer is left
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(ExponentialBackoffTest, DoublesFromTheInitialWaitUpToTheCap) {
  ExponentialBackoff b(100ms, 1s);
  EXPECT_EQ(b.nth(0), 100ms);
  EXPECT_EQ(b.nth(1), 200ms);
  EXPECT_EQ(b.nth(3), 800ms);
  EXPECT_EQ(b.nth(4), 1s);
  EXPECT_EQ(b.nth(1000), 1s);
  EXPECT_EQ(b.nth(-1), 100ms);
  EXPECT_EQ(ExponentialBackoff(1ms).nth(100), 65536ms) << "at most 16 doublings";
}

}  // namespace
}  // namespace lightning::util
