// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What a work process's exit means for its call (decide_exit), and exits held
// until the process's stream ends (DeferredExits).
#include "runtime/process_exits.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "fakes/fake_clock.hpp"

namespace lightning::runtime {
namespace {

using Verdict = ExitDecision::Verdict;

ExitFacts running_call() {
  ExitFacts f;
  f.had_call = true;
  f.said_hello = true;
  return f;
}

ProcessExit killed_by(int signal, bool by_runtime) {
  ProcessExit ex;
  ex.signal = signal;
  ex.signal_from_runtime = by_runtime;
  return ex;
}

TEST(DecideExitTest, AProcessThatEndsMidCallFailsItWithTheReasonItsEndGives) {
  ProcessExit exited;
  exited.exit_code = 3;
  EXPECT_EQ(decide_exit(exited, running_call()).verdict, Verdict::kFail);
  EXPECT_EQ(decide_exit(exited, running_call()).reason, "exit");

  const ExitDecision oom = decide_exit(killed_by(SIGKILL, false), running_call());
  EXPECT_EQ(oom.reason, "signal");
  EXPECT_TRUE(oom.outside_signal) << "not sent by the runtime";
  EXPECT_FALSE(decide_exit(killed_by(SIGKILL, true), running_call()).outside_signal);

  ExitFacts timed_out = running_call();
  timed_out.said_hello = false;
  timed_out.stop_cause = "did not connect within 30 s (start_timeout)";
  const ExitDecision start = decide_exit(killed_by(SIGKILL, true), timed_out);
  EXPECT_EQ(start.reason, "start_timeout");
  EXPECT_FALSE(start.outside_signal);

  ExitFacts never_connected = running_call();
  never_connected.said_hello = false;
  EXPECT_EQ(decide_exit(exited, never_connected).reason, "start_failed");
  ProcessExit launch_failed;
  launch_failed.error = "posix_spawn: ENOMEM";
  EXPECT_EQ(decide_exit(launch_failed, running_call()).reason, "start_failed");

  ProcessExit lost;
  lost.lost = true;
  lost.error = "worker 'node3' lost: no heartbeat for 10 s";
  EXPECT_EQ(decide_exit(lost, running_call()).reason, "worker_lost");
}

TEST(DecideExitTest, ADrainedNodeInterruptsAndARecordedOutsideSignalFailsWithIt) {
  ProcessExit drained = killed_by(SIGTERM, true);
  drained.drained = true;
  EXPECT_EQ(decide_exit(drained, running_call()).verdict, Verdict::kInterrupt);

  ExitFacts signalled = running_call();
  signalled.outside_signal = true;
  EXPECT_EQ(decide_exit(killed_by(SIGTERM, false), signalled).verdict, Verdict::kFailWithSignal);
  // Drained wins: the node's SIGTERM reached the work too.
  EXPECT_EQ(decide_exit(drained, signalled).verdict, Verdict::kInterrupt);
}

TEST(DecideExitTest, NoCallOrAStoppingAppFailsNothingAndAnIdleProcessEndingUnaskedIsWarnedAbout) {
  ExitFacts stopping = running_call();
  stopping.stopping = true;
  EXPECT_EQ(decide_exit(killed_by(SIGKILL, false), stopping).verdict, Verdict::kNothing);

  ExitFacts idle;
  idle.said_hello = true;
  EXPECT_EQ(decide_exit(killed_by(SIGKILL, false), idle).verdict, Verdict::kWarnIdle);
  idle.expected = true;  // the runtime stopped it
  EXPECT_EQ(decide_exit(killed_by(SIGTERM, true), idle).verdict, Verdict::kNothing);
  ExitFacts idle_drained;
  idle_drained.said_hello = true;
  ProcessExit drained;
  drained.drained = true;
  EXPECT_EQ(decide_exit(drained, idle_drained).verdict, Verdict::kNothing);
}

TEST(DeferredExitsTest, AHeldExitIsTakenWhenTheStreamEndsOrGivenUpAfterTheWait) {
  lightning::testing::FakeClock clock;
  std::vector<uint64_t> due;
  {
    DeferredExits exits(clock, std::chrono::milliseconds(2000));
    ProcessExit ex;
    ex.exit_code = 0;
    exits.hold(7, ex, [&](uint64_t id, const ProcessExit&) { due.push_back(id); });
    exits.hold(8, ex, [&](uint64_t id, const ProcessExit&) { due.push_back(id); });
    EXPECT_TRUE(exits.has(7));
    const std::optional<ProcessExit> taken = exits.take(7);  // its stream ended
    ASSERT_TRUE(taken.has_value());
    EXPECT_EQ(taken->exit_code, 0);
    EXPECT_FALSE(exits.take(7).has_value());
    clock.AdvanceTime(std::chrono::milliseconds(1999));
    EXPECT_TRUE(due.empty());
    clock.AdvanceTime(std::chrono::milliseconds(1));
    EXPECT_EQ(due, std::vector<uint64_t>{8}) << "8's stream never ended: due after the wait";
    EXPECT_FALSE(exits.has(8));
    exits.hold(9, ex, [&](uint64_t id, const ProcessExit&) { due.push_back(id); });
  }
  // Destroyed with 9 held: its timer is cancelled, nothing runs later.
  EXPECT_EQ(clock.pending_timers(), 0u);
}

}  // namespace
}  // namespace lightning::runtime
