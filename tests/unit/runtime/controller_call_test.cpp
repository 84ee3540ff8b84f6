// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Work::call() as the controller implements it: dispatch, caching, queueing,
// statuses, retries and the ways a call can fail. No processes: the launcher
// is a fake and the work's side of the stream is a FakeWorkProcess.
#include <signal.h>

#include <map>
#include <stdexcept>
#include <vector>

#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using CallTest = ControllerTest;

/// How a cluster launcher reports a process whose worker it declared lost.
lightning::runtime::ProcessExit lost_exit(const std::string& worker) {
  lightning::runtime::ProcessExit e;
  e.lost = true;
  e.error = "worker '" + worker + "' lost: no heartbeat for 10000 ms";
  return e;
}

/// How a cluster launcher reports a process its draining worker stopped.
lightning::runtime::ProcessExit drained_exit(const std::string& worker) {
  lightning::runtime::ProcessExit e;
  e.drained = true;
  e.error = "worker '" + worker + "' is draining: SIGTERM (Slurm job 7)";
  return e;
}

TEST_F(CallTest, ParallelCallReturnsAtOnceWithAPendingStatus) {
  WorkStatus seen;
  bool after_call = false;
  root().body = [&](TestRoot& r) {
    seen = r.w.call({{"n", 1}});
    after_call = true;
  };
  start();
  EXPECT_TRUE(after_call);
  EXPECT_EQ(seen.stage, WorkStage::kPending);
  EXPECT_EQ(seen.call_id, 1u);
  EXPECT_EQ(seen.attempt, 1);
  ASSERT_EQ(launcher_.launches().size(), 1u);
  const LaunchWorkRequest& request = launcher_.launches()[0];
  EXPECT_EQ(request.work_path(), "root.w");
  EXPECT_EQ(request.work_type(), w().type_name());
  EXPECT_EQ(request.run_id(), controller().run_id());
  EXPECT_EQ(request.token(), controller().token());
  EXPECT_NE(request.process_id(), 0u);
}

TEST_F(CallTest, WorkIsNotLaunchedUntilItIsCalled) {
  start();
  rerun();
  EXPECT_TRUE(launcher_.launches().empty());
  EXPECT_EQ(w().status().stage, WorkStage::kNotStarted);
}

TEST_F(CallTest, CallingOnEveryRunDispatchesExactlyOneCallRequest) {
  root().body = [](TestRoot& r) { r.w.call({{"n", 1}}); };
  start();
  rerun();  // pending, not launched yet
  FakeWorkProcess proc(controller());
  connect(proc);
  rerun();  // pending, dispatched
  proc.call_started(1);
  settle();
  rerun();  // running
  rerun();
  ASSERT_EQ(proc.calls().size(), 1u);
  EXPECT_EQ(proc.calls()[0].call_id(), 1u);
  EXPECT_EQ(Json::parse(proc.calls()[0].args_json()), (Json{{"n", 1}}));
  EXPECT_EQ(proc.calls()[0].attempt(), 1u);
  EXPECT_EQ(launcher_.launches().size(), 1u);
  EXPECT_EQ(w().status().stage, WorkStage::kRunning);
}

TEST_F(CallTest, SucceededCallIsNotRunAgainWhenCallsAreCached) {
  root().body = [](TestRoot& r) { r.w.call({{"n", 1}}); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_ok(1);
  settle();
  rerun();
  rerun();
  EXPECT_EQ(proc.calls().size(), 1u);
  EXPECT_TRUE(w().status().has_succeeded());
  EXPECT_EQ(w().status().call_id, 1u);
}

TEST_F(CallTest, UncachedSucceededCallIsRunAgainWhenCalledInALaterRun) {
  std::vector<WorkStage> seen;
  root(WorkOptions().parallel(true).cache_calls(false)).body = [&](TestRoot& r) {
    seen.push_back(r.w.call({{"n", 1}}).stage);
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_ok(1);
  settle();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), WorkStage::kSucceeded) << "the flow must see the success once";
  EXPECT_EQ(proc.calls().size(), 1u);

  rerun();
  ASSERT_EQ(proc.calls().size(), 2u);
  EXPECT_EQ(proc.calls()[1].call_id(), 2u);
  EXPECT_EQ(Json::parse(proc.calls()[1].args_json()), (Json{{"n", 1}}));
  EXPECT_EQ(w().status().call_id, 2u);
  EXPECT_TRUE(w().status().is_pending());
}

TEST_F(CallTest, CallsWithDifferentArgsRunOneAtATimeInOrder) {
  root().body = [](TestRoot& r) {
    r.w.call({{"n", 1}});
    r.w.call({{"n", 2}});
    r.w.call({{"n", 3}});
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  ASSERT_EQ(proc.calls().size(), 1u);
  EXPECT_EQ(Json::parse(proc.calls()[0].args_json()), (Json{{"n", 1}}));
  EXPECT_EQ(w().status().call_id, 3u) << "status() follows the latest call";

  proc.call_started(1);
  settle();
  EXPECT_EQ(proc.calls().size(), 1u) << "one call at a time per work";
  proc.call_finished_ok(1);
  settle();
  ASSERT_EQ(proc.calls().size(), 2u);
  EXPECT_EQ(proc.calls()[1].call_id(), 2u);
  EXPECT_EQ(Json::parse(proc.calls()[1].args_json()), (Json{{"n", 2}}));

  proc.call_started(2);
  proc.call_finished_ok(2);
  settle();
  ASSERT_EQ(proc.calls().size(), 3u);
  EXPECT_EQ(proc.calls()[2].call_id(), 3u);
  proc.call_started(3);
  proc.call_finished_ok(3);
  settle();
  EXPECT_TRUE(w().status().has_succeeded());
  EXPECT_EQ(launcher_.launches().size(), 1u) << "one process serves every call";
}

TEST_F(CallTest, NonParallelCallEndsTheFlowRunUntilItSucceeded) {
  int reached_after = 0;
  root(WorkOptions().parallel(false)).body = [&](TestRoot& r) {
    r.w.call({{"n", 1}});
    ++reached_after;
  };
  start();
  EXPECT_EQ(reached_after, 0);
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  settle();
  rerun();
  EXPECT_EQ(reached_after, 0) << "code after a blocked call() must not run";
  EXPECT_EQ(proc.calls().size(), 1u);

  proc.call_finished_ok(1);
  settle();
  EXPECT_GE(reached_after, 1);
}

TEST_F(CallTest, NonParallelCallDoesNotStopTheRestOfTheAppFromRunning) {
  // The flow run ends at the blocked call, but the loop keeps serving others.
  root(WorkOptions().parallel(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.delta(R"([{"op":"replace","path":"/x","value":3}])");
  settle();
  EXPECT_EQ(w().x.get(), 3);
  EXPECT_FALSE(controller().finished());
}

TEST_F(CallTest, StatusGoesFromNotStartedToPendingToRunningToSucceeded) {
  std::vector<WorkStage> seen_by_flow;
  root().body = [&](TestRoot& r) {
    auto s = r.w.call({{"n", 1}});
    if (seen_by_flow.empty() || seen_by_flow.back() != s.stage) seen_by_flow.push_back(s.stage);
  };
  EXPECT_EQ(w().status().stage, WorkStage::kNotStarted);
  EXPECT_EQ(w().status().call_id, 0u);
  start();

  const WorkStatus pending = w().status();
  EXPECT_EQ(pending.stage, WorkStage::kPending);
  EXPECT_EQ(pending.call_id, 1u);
  EXPECT_GT(pending.timestamp_us, 0);
  EXPECT_TRUE(pending.reason.empty());

  FakeWorkProcess proc(controller());
  connect(proc);
  EXPECT_EQ(w().status().stage, WorkStage::kPending) << "dispatched is still pending";
  proc.call_started(1);
  settle();
  const WorkStatus running = w().status();
  EXPECT_EQ(running.stage, WorkStage::kRunning);
  EXPECT_EQ(running.call_id, 1u);
  EXPECT_GE(running.timestamp_us, pending.timestamp_us);

  proc.call_finished_ok(1);
  settle();
  const WorkStatus done = w().status();
  EXPECT_EQ(done.stage, WorkStage::kSucceeded);
  EXPECT_EQ(done.call_id, 1u);
  EXPECT_EQ(done.attempt, 1);
  EXPECT_GE(done.timestamp_us, running.timestamp_us);
  EXPECT_TRUE(done.reason.empty());
  EXPECT_EQ(seen_by_flow, (std::vector<WorkStage>{WorkStage::kPending, WorkStage::kRunning,
                                                  WorkStage::kSucceeded}));
}

TEST_F(CallTest, ExceptionInTheWorkFailsTheCallWithWhatAndType) {
  WorkStatus seen;
  root(WorkOptions().parallel(true).raise_exception(false)).body = [&](TestRoot& r) {
    seen = r.w.call();
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_failed(1, "std::runtime_error", "disk on fire");
  settle();
  const WorkStatus& s = w().status();
  EXPECT_EQ(s.stage, WorkStage::kFailed);
  EXPECT_EQ(s.reason, "exception");
  EXPECT_NE(s.message.find("disk on fire"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("std::runtime_error"), std::string::npos) << s.message;
  EXPECT_FALSE(s.exit_code.has_value());
  EXPECT_TRUE(seen.has_failed()) << "the flow sees the failure";
  EXPECT_FALSE(controller().finished());
  EXPECT_TRUE(launcher_.stops().empty()) << "the app keeps running";
}

TEST_F(CallTest, FailedCallIsRetriedWithIncreasingAttemptThenFails) {
  root(WorkOptions().parallel(true).retries(2).retry_backoff(1ms).raise_exception(false)).body =
      [](TestRoot& r) {
        r.w.call({{"n", 1}});
      };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);

  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(pump_until([&] { return proc.calls().size() == attempt; }))
        << "attempt " << attempt << " was not dispatched";
    const auto call = proc.calls().back();
    EXPECT_EQ(call.call_id(), 1u) << "a retry is the same call";
    EXPECT_EQ(call.attempt(), attempt);
    proc.call_started(1);
    settle();
    EXPECT_EQ(w().status().stage, WorkStage::kRunning);
    EXPECT_EQ(w().status().attempt, static_cast<int>(attempt));
    proc.call_failed(1, "std::runtime_error", "flaky " + std::to_string(attempt));
    settle();
    if (attempt < 3) {
      EXPECT_EQ(w().status().stage, WorkStage::kPending);
      EXPECT_EQ(w().status().reason, "retrying");
      EXPECT_NE(w().status().message.find("flaky"), std::string::npos);
    }
  }
  EXPECT_EQ(w().status().stage, WorkStage::kFailed);
  EXPECT_EQ(w().status().reason, "exception");
  EXPECT_NE(w().status().message.find("flaky 3"), std::string::npos) << w().status().message;
  EXPECT_EQ(w().status().attempt, 3);
  EXPECT_FALSE(pump_until([&] { return proc.calls().size() > 3; }, 30ms))
      << "no retry after the last one";
  EXPECT_EQ(launcher_.launches().size(), 1u);
}

TEST_F(CallTest, RetryWaitsForItsBackoff) {
  root(WorkOptions().parallel(true).retries(1).retry_backoff(10s).raise_exception(false)).body =
      [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_failed(1, "E", "x");
  settle();
  EXPECT_EQ(proc.calls().size(), 1u) << "the retry must not be sent before its backoff";
  EXPECT_EQ(w().status().reason, "retrying");
}

TEST_F(CallTest, FinalFailureStopsTheAppByDefaultNamingTheWork) {
  root(WorkOptions().parallel(true)).body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_failed(1, "std::logic_error", "bad input");
  settle();
  EXPECT_EQ(w().status().stage, WorkStage::kFailed);
  const uint64_t pid = launch_of_w().process_id();
  ASSERT_TRUE(pump_until([&] { return !launcher_.stops_of(pid).empty(); }))
      << "shutting down must stop the work's process";
  EXPECT_GT(launcher_.stops_of(pid).front(), 0ms) << "SIGTERM first, with a grace period";
  exit_stopped_processes();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_NE(controller().exit_code(), 0);
  EXPECT_NE(controller().final_message().find("root.w"), std::string::npos)
      << controller().final_message();
  EXPECT_NE(controller().final_message().find("bad input"), std::string::npos);
}

TEST_F(CallTest, FailedCallIsRerunWhenCalledAgainInALaterRun) {
  std::vector<WorkStage> seen;
  root(WorkOptions().parallel(true).raise_exception(false).retry_backoff(1ms)).body =
      [&](TestRoot& r) {
        seen.push_back(r.w.call({{"n", 1}}).stage);
      };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_failed(1, "std::runtime_error", "boom");
  settle();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), WorkStage::kFailed) << "the flow must see the failure once";
  EXPECT_EQ(proc.calls().size(), 1u);

  rerun();
  ASSERT_TRUE(pump_until([&] { return proc.calls().size() == 2; }))
      << "calling a failed call again in a later run re-runs it";
  EXPECT_EQ(proc.calls()[1].call_id(), 2u);
  EXPECT_EQ(proc.calls()[1].attempt(), 1u);
  EXPECT_TRUE(w().status().is_pending());
  EXPECT_EQ(w().status().call_id, 2u);
  EXPECT_TRUE(w().status().reason.empty());
}

TEST_F(CallTest, FailedCallCalledAgainWaitsForTheRerunBackoffAndThenWakesTheFlow) {
  root(WorkOptions().parallel(true).raise_exception(false).retry_backoff(150ms)).body =
      [](TestRoot& r) {
        r.w.call({{"n", 1}});
      };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_failed(1, "std::runtime_error", "boom");
  settle();
  rerun();
  EXPECT_EQ(proc.calls().size(), 1u) << "no re-run before the backoff";
  EXPECT_TRUE(w().status().has_failed());
  // Nothing else changes: the controller itself wakes the flow after the backoff.
  ASSERT_TRUE(pump_until([&] { return proc.calls().size() == 2; }));
  EXPECT_EQ(proc.calls()[1].call_id(), 2u);
}

TEST_F(CallTest, ProcessExitMidCallFailsWithTheExitCodeAndStderrTail) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  launcher_.started(pid, 777);
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  launcher_.output(pid, "loading data", false);
  launcher_.output(pid, "warning: low memory", true);
  launcher_.output(pid, "fatal: out of cheese", true);
  launcher_.exited_with_code(pid, 3);
  settle();

  const WorkStatus& s = w().status();
  EXPECT_EQ(s.stage, WorkStage::kFailed);
  EXPECT_EQ(s.reason, "exit");
  ASSERT_TRUE(s.exit_code.has_value());
  EXPECT_EQ(*s.exit_code, 3);
  EXPECT_FALSE(s.signal.has_value());
  EXPECT_NE(s.message.find("code 3"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("warning: low memory\nfatal: out of cheese"), std::string::npos)
      << s.message;
  EXPECT_EQ(s.message.find("loading data"), std::string::npos) << "stdout is not in the tail";
  ASSERT_TRUE(proc.closed().has_value()) << "the stream of an exited process is closed";
}

TEST_F(CallTest, ProcessKilledMidCallFailsWithReasonSignal) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  launcher_.output(pid, "segfault imminent", true);
  launcher_.killed_by(pid, SIGKILL);
  settle();

  const WorkStatus& s = w().status();
  EXPECT_EQ(s.stage, WorkStage::kFailed);
  EXPECT_EQ(s.reason, "signal");
  ASSERT_TRUE(s.signal.has_value());
  EXPECT_EQ(*s.signal, SIGKILL);
  EXPECT_NE(s.message.find("signal 9"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("segfault imminent"), std::string::npos) << s.message;
  EXPECT_EQ(w().snapshot().at("status").at("signal"), SIGKILL);
}

TEST_F(CallTest, ACallWhoseNodeDrainedIsInterruptedAndRunsAgainWithoutUsingARetry) {
  // Slurm's SIGTERM before the time limit (or a pre-emption) drains the
  // worker: its works get SIGTERM from it. Not the work's failure: with no
  // retries (the default) and raise_exception, the app must not fail.
  root(WorkOptions().parallel(true)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  launcher_.set_draining(pid, "worker 'n1' is draining: SIGTERM (Slurm job 7)");
  proc.call_finished_after_signal(1, SIGTERM, 4242);  // the worker's SIGTERM
  settle();
  EXPECT_FALSE(controller().finished()) << "the app failed on a drain";
  EXPECT_EQ(w().status().stage, WorkStage::kPending);
  EXPECT_EQ(w().status().reason, "retrying");
  EXPECT_EQ(w().status().attempt, 2);
  EXPECT_NE(w().status().message.find("interrupted (worker 'n1' is draining"), std::string::npos)
      << w().status().message;
  lightning::runtime::ProcessExit drained = drained_exit("n1");
  launcher_.exited(pid, drained);
  controller().on_session_closed(proc.session());  // its stream ends with it
  settle();
  ASSERT_EQ(launcher_.launches().size(), 2u) << "a new process for the interrupted call";
  EXPECT_FALSE(controller().finished());
}

TEST_F(CallTest, OnAWorkerAnOutsideSigtermIsDecidedAtTheExitWhichSaysWhetherTheNodeDrained) {
  // Slurm signals every process of the job step, the works too: a work's
  // CallFinished can come before its worker's Draining. The exit (after the
  // Draining, on the worker's stream) decides.
  launcher_.set_remote(true);
  root(WorkOptions().parallel(true)).body = [](TestRoot& r) { r.w.call(); };
  start();
  uint64_t pid = launch_of_w().process_id();
  {
    FakeWorkProcess proc(controller());
    connect(proc);
    proc.call_started(1);
    proc.call_finished_after_signal(1, SIGTERM, 901);  // slurmstepd's
    settle();
    EXPECT_EQ(w().status().stage, WorkStage::kRunning) << "not decided before the exit";
    const lightning::runtime::ProcessExit drained = drained_exit("vm");
    launcher_.exited(pid, drained);
    controller().on_session_closed(proc.session());
    settle();
    EXPECT_FALSE(controller().finished());
    EXPECT_EQ(w().status().reason, "retrying");
    EXPECT_EQ(w().status().attempt, 2);
  }
  // The next attempt gets an outside SIGTERM that was no drain: it fails, and
  // with it the app (no retries; raise_exception).
  ASSERT_EQ(launcher_.launches().size(), 2u);
  pid = launcher_.launches().back().process_id();
  FakeWorkProcess proc2(controller());
  proc2.hello(launcher_.launches().back());
  settle();
  proc2.call_started(1);
  proc2.call_finished_after_signal(1, SIGTERM, 4242);
  settle();
  EXPECT_FALSE(controller().finished());
  launcher_.exited_with_code(pid, 0);
  controller().on_session_closed(proc2.session());
  settle();
  EXPECT_EQ(w().status().stage, WorkStage::kFailed);
  EXPECT_EQ(w().status().reason, "signal");
  EXPECT_NE(w().status().message.find("got SIGTERM from outside the app (sent by pid 4242)"),
            std::string::npos)
      << w().status().message;
  EXPECT_TRUE(controller().finished());
}

TEST_F(CallTest, AProcessEndedByItsDrainingNodeBeforeItReportedIsInterruptedToo) {
  root(WorkOptions().parallel(true)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  lightning::runtime::ProcessExit drained = drained_exit("n1");
  drained.signal = SIGKILL;  // it did not return within the drain grace
  launcher_.exited(pid, drained);
  settle();
  EXPECT_FALSE(controller().finished());
  EXPECT_EQ(w().status().reason, "retrying");
  EXPECT_EQ(w().status().attempt, 2);
  ASSERT_EQ(launcher_.launches().size(), 2u);
}

TEST_F(CallTest, WhenALostWorkerFailsTheAppItsOtherWorksEndStoppedNotRunning) {
  // The new-user trial: kill -9 of the worker running g1 and g2 (no retries):
  // the app failed, and state.json still said g2 was running.
  EchoWork* second = nullptr;
  root(WorkOptions().parallel(true)).body = [&second](TestRoot& r) {
    if (second == nullptr) second = &r.add_work<EchoWork>("w2", WorkOptions().parallel(true));
    r.w.call();
    second->call();
  };
  start();
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(launcher_.launches().size(), 2u);
  const uint64_t pid1 = launcher_.launches()[0].process_id();
  const uint64_t pid2 = launcher_.launches()[1].process_id();
  FakeWorkProcess p1(controller()), p2(controller());
  p1.hello(launcher_.launches()[0]);
  p2.hello(launcher_.launches()[1]);
  settle();
  p1.call_started(1);
  p2.call_started(1);
  settle();
  ASSERT_EQ(second->status().stage, WorkStage::kRunning);
  const lightning::runtime::ProcessExit lost = lost_exit("n1");
  launcher_.exited(pid1, lost);  // the scheduler ends them one after the other
  launcher_.exited(pid2, lost);
  EXPECT_FALSE(controller().finished())
      << "finished before its shutdown began: the loop stops, the calls stay running";
  settle();
  EXPECT_TRUE(controller().finished());
  EXPECT_EQ(controller().exit_code(), 1);
  EXPECT_EQ(w().status().stage, WorkStage::kFailed);
  EXPECT_EQ(second->status().stage, WorkStage::kStopped) << "left running at the app's end";
  const Json record = controller().final_record();
  EXPECT_EQ(record.at("state").at("works").at("w2").at("status").at("stage"), "stopped")
      << record.dump();
}

TEST_F(CallTest, ACallWhoseWorkerWasLostFailsWithReasonWorkerLostNotStartFailed) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  const lightning::runtime::ProcessExit lost = lost_exit("n1");
  launcher_.exited(pid, lost);
  settle();
  const WorkStatus& s = w().status();
  EXPECT_EQ(s.stage, WorkStage::kFailed);
  EXPECT_EQ(s.reason, "worker_lost");
  EXPECT_EQ(s.message,
            "work process lost with its worker (worker 'n1' lost: no heartbeat for "
            "10000 ms)");
}

TEST_F(CallTest, ProcessLostWithItsForkerMidCallFailsWithReasonSignalAndTheForkersReason) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  settle();
  lightning::runtime::ProcessExit exit;  // what ForkLauncher reports when its forker died
  exit.signal = SIGKILL;
  exit.error = "the work forker (zygote, pid 77) died: killed by SIGKILL";
  launcher_.exited(pid, exit);
  settle();

  const WorkStatus& s = w().status();
  EXPECT_EQ(s.stage, WorkStage::kFailed);
  EXPECT_EQ(s.reason, "signal") << "it had started: not a start failure";
  ASSERT_TRUE(s.signal.has_value());
  EXPECT_EQ(*s.signal, SIGKILL);
  EXPECT_NE(s.message.find("signal 9"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("the work forker (zygote, pid 77) died"), std::string::npos)
      << s.message;
  EXPECT_EQ(s.message.find("could not start"), std::string::npos) << s.message;
}

TEST_F(CallTest, ProcessThatExitsBeforeHelloFailsWithStartFailed) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  lightning::runtime::ProcessExit exit;
  exit.error = "exec format error";
  launcher_.exited(pid, exit);
  settle();
  EXPECT_EQ(w().status().stage, WorkStage::kFailed);
  EXPECT_EQ(w().status().reason, "start_failed");
  EXPECT_NE(w().status().message.find("exec format error"), std::string::npos)
      << w().status().message;
}

TEST_F(CallTest, ProcessThatExitsWithACodeBeforeHelloFailsWithStartFailed) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  launcher_.output(pid, "cannot load libfoo.so", true);
  launcher_.exited_with_code(pid, 127);
  settle();
  EXPECT_EQ(w().status().reason, "start_failed");
  EXPECT_NE(w().status().message.find("cannot load libfoo.so"), std::string::npos);
}

TEST_F(CallTest, CallQueuedWhileAProcessStoppedBeforeItsHelloExitsIsNotFailedAndGetsItsOwnLaunch) {
  // The first call's process is stopped before it says Hello, and a second
  // call is queued while it stops. That process's exit is not the second
  // call's failure: the call was never meant for it.
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) {
    if (r.ticks == 0) {
      r.w.call({{"n", 1}});
    } else if (r.ticks == 1) {
      r.w.stop();
    } else {
      r.w.call({{"n", 2}});
    }
  };
  start();
  const uint64_t first = launch_of_w().process_id();
  root_->ticks = 1;
  settle();
  ASSERT_FALSE(launcher_.stops_of(first).empty());
  root_->ticks = 2;
  settle();
  ASSERT_EQ(launcher_.launches().size(), 1u) << "no new process while the old one is stopping";
  launcher_.killed_by(first, SIGTERM);
  settle();
  EXPECT_EQ(w().status().stage, WorkStage::kPending) << w().status().message;
  EXPECT_NE(w().status().reason, "start_failed");
  ASSERT_EQ(launcher_.launches().size(), 2u);
  FakeWorkProcess second(controller());
  connect(second);
  ASSERT_EQ(second.calls().size(), 1u);
  EXPECT_EQ(Json::parse(second.calls()[0].args_json()), Json({{"n", 2}}));
}

TEST_F(CallTest, ProcessThatNeverSaysHelloIsKilledAfterTheStartTimeout) {
  options_.start_timeout = 5ms;
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  ASSERT_TRUE(pump_until([&] { return !launcher_.stops_of(pid).empty(); }));
  EXPECT_EQ(launcher_.stops_of(pid).front(), 0ms) << "SIGKILL at once";
  launcher_.killed_by(pid, SIGKILL);
  settle();
  EXPECT_EQ(w().status().stage, WorkStage::kFailed);
  EXPECT_EQ(w().status().reason, "start_timeout");
  EXPECT_NE(w().status().message.find("work process did not connect within 5 ms (start_timeout); "
                                      "killed by the runtime with signal 9 (SIGKILL)"),
            std::string::npos)
      << w().status().message;
}

TEST_F(CallTest, CallRunningPastItsTimeoutFailsAndTheProcessIsStopped) {
  root(WorkOptions().parallel(true).timeout(5ms).raise_exception(false)).body = [](TestRoot& r) {
    r.w.call();
  };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  settle();
  ASSERT_TRUE(pump_until([&] { return w().status().has_failed(); }));
  EXPECT_EQ(w().status().reason, "timeout");
  EXPECT_NE(w().status().message.find("timeout"), std::string::npos);
  ASSERT_FALSE(launcher_.stops_of(pid).empty());
  EXPECT_GT(launcher_.stops_of(pid).front(), 0ms) << "SIGTERM first, with a grace period";
}

TEST_F(CallTest, CallFinishingBeforeItsTimeoutSucceeds) {
  root(WorkOptions().parallel(true).timeout(20ms).raise_exception(false)).body = [](TestRoot& r) {
    r.w.call();
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.call_finished_ok(1);
  settle();
  EXPECT_FALSE(pump_until([&] { return !launcher_.stops().empty(); }, 60ms))
      << "a finished call's timer must not fire";
  EXPECT_TRUE(w().status().has_succeeded());
}

TEST_F(CallTest, StopWorkStopsTheCallAndTheProcessWithItsGracePeriod) {
  bool stop_now = false;
  root(WorkOptions().parallel(true).grace_period(5ms)).body = [&](TestRoot& r) {
    r.w.call();
    if (stop_now) {
      stop_now = false;
      r.w.stop();
    }
  };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  settle();

  stop_now = true;
  rerun();
  EXPECT_EQ(w().status().stage, WorkStage::kStopped);
  EXPECT_EQ(w().status().reason, "stopped");
  ASSERT_FALSE(launcher_.stops_of(pid).empty());
  EXPECT_EQ(launcher_.stops_of(pid).front(), 5ms)
      << "SIGTERM, then SIGKILL after the work's grace period (timed by the launcher)";
  EXPECT_FALSE(controller().finished()) << "stopping a work does not stop the app";
}

TEST_F(CallTest, WorkWhoseProcessExitedIsRelaunchedForItsNextCall) {
  root(WorkOptions().parallel(true).cache_calls(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess first(controller());
  connect(first);
  first.call_started(1);
  first.call_finished_ok(1);
  settle();
  launcher_.exited_with_code(launch_of_w().process_id(), 0);  // idle exit: no call fails
  settle();
  EXPECT_TRUE(w().status().has_succeeded());

  rerun();
  ASSERT_EQ(launcher_.launches().size(), 2u);
  EXPECT_NE(launcher_.launches()[1].process_id(), launcher_.launches()[0].process_id());
  FakeWorkProcess second(controller());
  connect(second);
  ASSERT_EQ(second.calls().size(), 1u);
  EXPECT_EQ(second.calls()[0].call_id(), 2u);
}

TEST_F(CallTest, LaunchRequestCarriesTheWorkEnvironment) {
  root(WorkOptions().parallel(true).env({{"CUDA_VISIBLE_DEVICES", "1"}})).body = [](TestRoot& r) {
    r.w.call();
  };
  start();
  const LaunchWorkRequest request = launch_of_w();
  const std::map<std::string, std::string> got(request.env().begin(), request.env().end());
  const std::map<std::string, std::string> want{{"CUDA_VISIBLE_DEVICES", "1"}};
  EXPECT_EQ(got, want);
}

TEST_F(CallTest, CallWithNullArgsIsTheCallWithNoArgs) {
  root().body = [](TestRoot& r) {
    r.w.call();
    r.w.call(Json());
    r.w.call(Json::object());
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  ASSERT_EQ(proc.calls().size(), 1u);
  EXPECT_EQ(Json::parse(proc.calls()[0].args_json()), Json::object());
  EXPECT_EQ(w().status().call_id, 1u);
}

TEST_F(CallTest, TimedOutCallIsRetriedInANewProcess) {
  root(WorkOptions().parallel(true).timeout(5ms).retries(1).retry_backoff(1ms)).body =
      [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t first_pid = launch_of_w().process_id();
  FakeWorkProcess first(controller());
  connect(first);
  first.call_started(1);
  settle();
  ASSERT_TRUE(pump_until([&] { return !launcher_.stops_of(first_pid).empty(); }));
  EXPECT_EQ(w().status().reason, "retrying");
  EXPECT_NE(w().status().message.find("timeout"), std::string::npos) << w().status().message;
  EXPECT_EQ(launcher_.launches().size(), 1u) << "no new process before the old one exited";

  launcher_.killed_by(first_pid, SIGTERM);
  ASSERT_TRUE(pump_until([&] { return launcher_.launches().size() == 2; }));
  FakeWorkProcess second(controller());
  connect(second);
  ASSERT_EQ(second.calls().size(), 1u);
  EXPECT_EQ(second.calls()[0].call_id(), 1u);
  EXPECT_EQ(second.calls()[0].attempt(), 2u);
  second.call_started(1);
  second.call_finished_ok(1);
  settle();
  EXPECT_TRUE(w().status().has_succeeded());
  EXPECT_FALSE(controller().finished());
}

TEST_F(CallTest, StoppingAWorkAgainDoesNotPostponeItsKill) {
  // A flow that says `if (done) w.stop();` calls stop() on every run. The
  // SIGKILL is due one grace period after the first stop(), however often the
  // flow runs in between: each stop asks the launcher for the same grace, and
  // the launcher never moves a SIGKILL later (ForkLauncher's tests).
  root(WorkOptions().parallel(true).grace_period(40ms)).body = [](TestRoot& r) {
    if (r.ticks == 0) {
      r.w.call();
    } else {
      r.w.stop();
    }
  };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  settle();

  for (int i = 0; i < 5; ++i) rerun();
  ASSERT_FALSE(launcher_.stops_of(pid).empty());
  for (auto grace : launcher_.stops_of(pid)) EXPECT_EQ(grace, 40ms);
  EXPECT_EQ(launcher_.launches().size(), 1u) << "no new process while the old one is stopping";
}

TEST_F(CallTest, FinishingAnEarlierQueuedCallRunsTheFlow) {
  // Two calls with different args: the first finishing is a status change the
  // flow has not seen yet (call() returns it), so the flow runs.
  WorkStage first_seen = WorkStage::kNotStarted;
  root().body = [&](TestRoot& r) {
    first_seen = r.w.call({{"n", 1}}).stage;
    r.w.call({{"n", 2}});
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  settle();
  const int runs = root_->runs;
  proc.call_finished_ok(1);
  settle();
  // Call 2 is dispatched but its process has not answered CallStarted yet.
  ASSERT_EQ(proc.calls().size(), 2u);
  EXPECT_GT(root_->runs, runs) << "call 1 finishing while call 2 is queued must run the flow";
  EXPECT_EQ(first_seen, WorkStage::kSucceeded);
}

TEST_F(CallTest, CallOutsideFlowRunIsALogicError) {
  start();
  EXPECT_THROW(w().call(), std::logic_error);
  EXPECT_TRUE(launcher_.launches().empty());
}

}  // namespace
}  // namespace unit_runtime
