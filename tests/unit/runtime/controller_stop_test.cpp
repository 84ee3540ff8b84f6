// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Cooperative stops as the controller sees them: the StopRequest a stopped
// work's process gets, the late CallStarted/CallFinished of a call the
// controller already ended, a work stopped by a signal from outside, and a
// stop by a signal to the app. No processes: a FakeWorkLauncher and a
// FakeWorkProcess stand in for them.
#include <signal.h>

#include <string>

#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

class StopTest : public ControllerTest {
 protected:
  /// The app stops (at its flow's next run) while work "w" (grace period
  /// 1 min) runs call 1 in its process, proc_, which has been told to stop.
  /// Returns that process's id.
  uint64_t stop_the_app_mid_call() {
    root(WorkOptions().parallel(true).grace_period(std::chrono::minutes(1))).body =
        [](TestRoot& r) {
          r.w.call();
          if (r.ticks > 0) r.stop("done");
        };
    start();
    const uint64_t pid = launch_of_w().process_id();
    proc_ = std::make_unique<FakeWorkProcess>(controller());
    connect(*proc_);
    proc_->call_started(1);
    rerun();
    return pid;
  }
  std::unique_ptr<FakeWorkProcess> proc_;
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(StopTest, StoppedWorkIsToldOnItsStreamAndThenSignalledWithItsGracePeriod) {
  root(WorkOptions().parallel(true).grace_period(250ms)).body = [](TestRoot& r) {
    r.w.call();
    if (r.ticks > 0) r.w.stop();
  };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  rerun();
  ASSERT_EQ(proc.stops().size(), 1u) << "lightning::stop_requested() must turn true in the work";
  EXPECT_EQ(proc.stops()[0].grace_period_ms(), 250);
  ASSERT_FALSE(launcher_.stops_of(pid).empty());
  EXPECT_EQ(launcher_.stops_of(pid).front(), 250ms);
  rerun();  // the flow calls stop() again: the SIGKILL stays where it was
  EXPECT_EQ(proc.stops().size(), 1u) << "one StopRequest however often the flow stops it";
}

TEST_F(StopTest, CallFinishedOfAStoppedCallIsLateAndExpectedNotAProtocolError) {
  root(WorkOptions().parallel(true)).body = [](TestRoot& r) {
    r.w.call();
    if (r.ticks > 0) r.w.stop();
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  rerun();
  ASSERT_EQ(w().status().stage, WorkStage::kStopped);

  proc.call_finished_ok(1);  // run() returned after its cleanup
  settle();
  EXPECT_TRUE(proc.errors().empty()) << proc.errors().front();
  EXPECT_EQ(w().status().stage, WorkStage::kStopped) << "a late finish does not change it";
  EXPECT_EQ(w().status().reason, "stopped");
}

TEST_F(StopTest, CallStoppedBeforeItStartedMayStillReportStartedAndFinished) {
  root(WorkOptions().parallel(true)).body = [](TestRoot& r) {
    r.w.call();
    if (r.ticks > 0) r.w.stop();
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  ASSERT_EQ(proc.calls().size(), 1u);
  rerun();  // stopped while its CallRequest is on the way
  proc.call_started(1);
  proc.call_finished_ok(1);
  settle();
  EXPECT_TRUE(proc.errors().empty()) << proc.errors().front();
  EXPECT_EQ(w().status().stage, WorkStage::kStopped);
}

TEST_F(StopTest, CallFinishedAfterTheCallTimedOutIsLate) {
  root(WorkOptions().parallel(true).timeout(5ms).raise_exception(false)).body = [](TestRoot& r) {
    r.w.call();
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  ASSERT_TRUE(pump_until([&] { return w().status().has_failed(); }));
  EXPECT_EQ(proc.stops().size(), 1u) << "a timeout tells the work to stop, too";
  proc.call_finished_ok(1);
  settle();
  EXPECT_TRUE(proc.errors().empty()) << proc.errors().front();
  EXPECT_EQ(w().status().reason, "timeout");
}

TEST_F(StopTest, CallFinishedForACallThatWasNeverInFlightIsStillAProtocolError) {
  root(WorkOptions().parallel(true)).body = [](TestRoot& r) {
    r.w.call();
    if (r.ticks > 0) r.w.stop();
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  rerun();
  proc.call_finished_ok(7);
  settle();
  ASSERT_EQ(proc.errors().size(), 1u);
  EXPECT_TRUE(has(proc.errors()[0], "CallFinished for unknown call 7")) << proc.errors()[0];
}

TEST_F(StopTest, AppStopTellsEveryWorkAndEndsAsSoonAsTheProcessExitsAfterItsCleanup) {
  const uint64_t pid = stop_the_app_mid_call();
  FakeWorkProcess& proc = *proc_;
  ASSERT_EQ(proc.stops().size(), 1u);
  EXPECT_FALSE(controller().finished()) << "the app waits for the work's cleanup";

  proc.call_finished_ok(1);            // the work saved its checkpoint and returned
  launcher_.exited_with_code(pid, 0);  // and its process exited: the forker says so
  settle();
  EXPECT_FALSE(controller().finished()) << "its stream may still hold what it sent last";
  controller().on_session_closed(proc.session());  // its stream ended after its messages
  settle();
  EXPECT_TRUE(controller().finished()) << "no waiting for the 1 min grace period";
  EXPECT_EQ(controller().exit_code(), 0);
  EXPECT_TRUE(proc.errors().empty()) << proc.errors().front();
  EXPECT_EQ(w().status().stage, WorkStage::kStopped);
  EXPECT_EQ(w().status().message, "app shut down");
}

TEST_F(StopTest, WhatAStoppedWorkSentLastReachesStateEvenWhenItsExitOvertakesItsStream) {
  // The forker's exit report and the work's gRPC stream are two channels: the
  // exit can come first while the deltas of the work's last assignments
  // (ServeWork's final request count) are still on their way. Seen once in
  // a full ctest run: the count was 0 in state.json.
  const uint64_t pid = stop_the_app_mid_call();
  FakeWorkProcess& proc = *proc_;
  ASSERT_EQ(proc.stops().size(), 1u);
  launcher_.exited_with_code(pid, 0);  // the exit overtakes the last messages
  settle();
  proc.delta(R"([{"op":"replace","path":"/x","value":4}])");
  proc.call_finished_ok(1);
  controller().on_session_closed(proc.session());
  settle();
  EXPECT_TRUE(controller().finished());
  EXPECT_EQ(w().x.get(), 4) << "the last delta was dropped";
  EXPECT_TRUE(proc.errors().empty()) << proc.errors().front();
}

TEST_F(StopTest, AnExitedWorksStreamThatNeverEndsDelaysTheStopByAtMostTheDrainWait) {
  const uint64_t pid = stop_the_app_mid_call();
  launcher_.exited_with_code(pid, 0);
  advance(Controller::kStreamDrainWait - 1ms);
  EXPECT_FALSE(controller().finished());
  advance(1ms);
  EXPECT_TRUE(controller().finished()) << "the exit is handled once the drain wait is over";
}

TEST_F(StopTest, CallEndedBySigtermFromOutsideFailsWithReasonSignalNamingTheSender) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_after_signal(1, SIGTERM, 777);
  settle();
  EXPECT_TRUE(proc.errors().empty()) << proc.errors().front();
  const WorkStatus& st = w().status();
  EXPECT_EQ(st.stage, WorkStage::kFailed);
  EXPECT_EQ(st.reason, "signal");
  EXPECT_EQ(st.signal, SIGTERM);
  EXPECT_TRUE(has(st.message, "SIGTERM from outside the app (sent by pid 777)")) << st.message;
  EXPECT_FALSE(launcher_.stops_of(pid).empty()) << "the process ends; no further call goes to it";
}

TEST_F(StopTest, CallEndedByASignalFromOutsideIsRetriedInANewProcess) {
  root(WorkOptions().parallel(true).retries(1).retry_backoff(1ms)).body = [](TestRoot& r) {
    r.w.call();
  };
  start();
  const uint64_t first = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_after_signal(1, SIGTERM, 777);
  settle();
  EXPECT_EQ(w().status().reason, "retrying");
  EXPECT_EQ(proc.calls().size(), 1u) << "the retry must not go to the process that is ending";
  launcher_.exited_with_code(first, 0);
  ASSERT_TRUE(pump_until([&] { return launch_of_w().process_id() != first; }));
}

TEST_F(StopTest, StopBySignalIsNotAFailureAndExitsWithTheSignalsCode) {
  start();
  controller().post_stop("interrupted by SIGINT (Ctrl-C)", 128 + SIGINT);
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 130);
  EXPECT_FALSE(controller().failed()) << "Ctrl-C is a stop the user asked for";
  EXPECT_EQ(controller().final_message(), "interrupted by SIGINT (Ctrl-C)");
}

TEST_F(StopTest, FailureFollowedByASignalStaysAFailureWithTheSignalsCode) {
  root().body = [](TestRoot& r) {
    r.w.call();
    if (r.ticks > 0) r.fail("data missing");
  };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  rerun();  // fails; the shutdown waits for w's process
  controller().post_stop("stopped by SIGTERM", 128 + SIGTERM);
  settle();
  launcher_.killed_by(pid, SIGTERM);
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_TRUE(controller().failed());
  EXPECT_EQ(controller().exit_code(), 143);
  EXPECT_EQ(controller().final_message(), "data missing");
}

TEST_F(StopTest, SigtermThatFailedAWorkAndReachesTheAppRightAfterIsAStopNotAFailure) {
  // systemd, Slurm and `kill -- -PGID` signal the app and its works at once;
  // the work's failure can reach the loop before the app's own signal does.
  root(WorkOptions().parallel(true).grace_period(5s)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_after_signal(1, SIGTERM, 777);
  settle();
  ASSERT_TRUE(controller().failed()) << "the work raised: the app is failing";
  advance(Controller::kSharedSignalWindow / 2);
  controller().post_stop("stopped by SIGTERM", 128 + SIGTERM);
  settle();
  launcher_.exited_with_code(pid, 0);
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_FALSE(controller().failed()) << controller().final_message();
  EXPECT_EQ(controller().exit_code(), 143);
  EXPECT_TRUE(has(controller().final_message(), "stopped by SIGTERM (a work got it too: work "))
      << controller().final_message();
}

TEST_F(StopTest, SigtermLongAfterAWorkFailedByOneStaysAFailure) {
  root(WorkOptions().parallel(true).grace_period(5s)).body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_after_signal(1, SIGTERM, 777);
  settle();
  advance(Controller::kSharedSignalWindow + 1ms);
  controller().post_stop("stopped by SIGTERM", 128 + SIGTERM);
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }, 10s));
  EXPECT_TRUE(controller().failed());
  EXPECT_TRUE(has(controller().final_message(), "from outside the app"))
      << controller().final_message();
}

TEST_F(StopTest, SigintAfterAWorkFailedBySigtermStaysAFailure) {
  root(WorkOptions().parallel(true).grace_period(5s)).body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_after_signal(1, SIGTERM, 777);
  settle();
  controller().post_stop("interrupted by SIGINT (Ctrl-C)", 128 + SIGINT);
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }, 10s));
  EXPECT_TRUE(controller().failed()) << "another signal is another cause";
}

}  // namespace
}  // namespace unit_runtime
