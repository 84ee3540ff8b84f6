// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The flow loop and the app's life: when the flow runs, how the app ends, and
// works added while it runs.
#include <signal.h>

#include <stdexcept>
#include <vector>

#include "fakes/fake_state_observer.hpp"
#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using LifecycleTest = ControllerTest;

TEST_F(LifecycleTest, StartRunsTheFlowOnceAndThenWaits) {
  start();
  EXPECT_EQ(root_->runs, 1);
  EXPECT_FALSE(pump_until([&] { return root_->runs > 1; }, 20ms))
      << "with no change the flow is not run again";
  EXPECT_FALSE(controller().finished());
}

TEST_F(LifecycleTest, FlowFieldChangeRunsTheFlowAgain) {
  start();
  root_->ticks = 5;
  settle();
  EXPECT_EQ(root_->runs, 2);
}

TEST_F(LifecycleTest, ChangeMadeInsideRunRunsTheFlowOnceMore) {
  root().body = [](TestRoot& r) {
    if (r.ticks < 3) r.ticks = r.ticks + 1;
  };
  start();
  EXPECT_EQ(root_->ticks.get(), 3);
  EXPECT_EQ(root_->runs, 4) << "three changing runs and one that changes nothing";
}

TEST_F(LifecycleTest, ASlowRunDelaysTheNextByAsLongAsItTookSoTheLoopKeepsHalfItsTime) {
  // A run() over 10,000 works takes milliseconds; run again at once after
  // every event and the loop does little else.
  root().body = [this](TestRoot& r) {
    if (r.runs == 1) clock_.AdvanceTime(4ms);  // a slow run()
  };
  start();
  ASSERT_EQ(root_->runs, 1);
  root_->ticks = 1;
  settle();
  EXPECT_EQ(root_->runs, 1) << "the next run() waits 4 ms after the slow one ended";
  root_->ticks = 2;  // more changes meanwhile: still one run() for all of them
  advance(3ms);
  EXPECT_EQ(root_->runs, 1);
  advance(1ms);
  EXPECT_EQ(root_->runs, 2);
  // That run() was short (no fake time passed): the next is not delayed.
  root_->ticks = 3;
  settle();
  EXPECT_EQ(root_->runs, 3);
}

TEST_F(LifecycleTest, ScheduleInRunsTheFlowAgainWithoutAStateChange) {
  root().body = [](TestRoot& r) {
    if (r.runs == 1) r.schedule_in(2ms);
  };
  start();
  const uint64_t version = controller().state_version();
  EXPECT_EQ(root_->runs, 1);
  ASSERT_TRUE(pump_until([&] { return root_->runs == 2; }));
  EXPECT_EQ(controller().state_version(), version);
  EXPECT_FALSE(pump_until([&] { return root_->runs > 2; }, 20ms)) << "one wake-up, one run";
}

TEST_F(LifecycleTest, StopFinishesWithExitCodeZeroAndAFinalRecordForStateJson) {
  root().body = [](TestRoot& r) {
    r.ticks = 7;
    r.stop("all done");
  };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 0);
  EXPECT_EQ(controller().final_message(), "all done");
  EXPECT_EQ(launcher_.shutdowns(), 1);
  EXPECT_EQ(root_->runs, 1) << "no run after stop()";

  const Json state = controller().final_record();
  EXPECT_EQ(state.at("exit_code"), 0);
  EXPECT_EQ(state.at("message"), "all done");
  EXPECT_EQ(state.at("run_id"), controller().run_id());
  EXPECT_EQ(state.at("state").at("vars").at("ticks"), 7);
  EXPECT_EQ(state.at("state").at("works").at("w").at("status").at("stage"), "not_started");
}

TEST_F(LifecycleTest, FailFinishesWithExitCodeOneAndTheMessage) {
  root().body = [](TestRoot& r) { r.fail("data missing"); };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 1);
  EXPECT_EQ(controller().final_message(), "data missing");
  EXPECT_EQ(controller().final_record().at("exit_code"), 1);
}

TEST_F(LifecycleTest, ExceptionInFlowRunFailsTheAppWithWhatAndType) {
  root().body = [](TestRoot&) { throw std::out_of_range("index 12 past the end"); };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 1);
  EXPECT_NE(controller().final_message().find("index 12 past the end"), std::string::npos)
      << controller().final_message();
  EXPECT_NE(controller().final_message().find("std::out_of_range"), std::string::npos);
  EXPECT_NE(controller().final_message().find("root.run()"), std::string::npos);
}

TEST_F(LifecycleTest, NonStdExceptionInFlowRunFailsTheApp) {
  root().body = [](TestRoot&) { throw 42; };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 1);
  EXPECT_NE(controller().final_message().find("not a std::exception"), std::string::npos);
}

TEST_F(LifecycleTest, StopWaitsForWorkProcessesToExitAndStopsTheirCalls) {
  bool stop_now = false;
  root().body = [&](TestRoot& r) {
    r.w.call();
    if (stop_now) r.stop();
  };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  settle();

  stop_now = true;
  rerun();
  ASSERT_FALSE(launcher_.stops_of(pid).empty());
  EXPECT_GT(launcher_.stops_of(pid).front(), 0ms) << "SIGTERM first, with a grace period";
  EXPECT_FALSE(controller().finished()) << "the app waits for its works' processes";
  EXPECT_EQ(w().status().stage, WorkStage::kStopped);
  EXPECT_EQ(w().status().reason, "stopped");

  launcher_.killed_by(pid, SIGTERM);
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 0);
  EXPECT_EQ(w().status().stage, WorkStage::kStopped) << "the exit does not turn it into a failure";
}

TEST_F(LifecycleTest, WorkProcessIsStoppedWithItsGracePeriodThenKilledBySafetyNet) {
  root(WorkOptions().parallel(true).grace_period(5ms)).body = [](TestRoot& r) {
    r.w.call();
    if (r.ticks > 0) r.stop();
  };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  rerun();
  ASSERT_FALSE(launcher_.stops_of(pid).empty());
  EXPECT_EQ(launcher_.stops_of(pid)[0], 5ms) << "SIGKILL after the work's own grace period";
  // The launcher's SIGKILL (ForkLauncher's tests) is lost here: the safety
  // net, a second after the longest grace period, kills at once.
  ASSERT_TRUE(pump_until([&] { return launcher_.stops_of(pid).size() >= 2; }, 3s));
  EXPECT_EQ(launcher_.stops_of(pid).back(), 0ms);
  launcher_.killed_by(pid, SIGKILL);
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 0);
}

TEST_F(LifecycleTest, CallAfterStopIsNotDispatched) {
  root().body = [](TestRoot& r) {
    r.stop();
    r.w.call();
  };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_TRUE(launcher_.launches().empty());
}

TEST_F(LifecycleTest, WorkAddedInsideRunIsTheSameWorkOnLaterRunsAndLaunchesWhenCalled) {
  std::vector<EchoWork*> seen;
  root().body = [&](TestRoot& r) {
    auto& dyn = r.add_work<EchoWork>("dyn", WorkOptions().parallel(true));
    seen.push_back(&dyn);
    dyn.call({{"k", 1}});
  };
  start();
  rerun();
  rerun();
  ASSERT_GE(seen.size(), 3u);
  for (auto* p : seen) EXPECT_EQ(p, seen.front());
  EXPECT_EQ(root_->works().size(), 2u);
  EXPECT_EQ(seen.front()->path(), "root.dyn");

  auto spec = launcher_.last_launch_of("root.dyn");
  ASSERT_TRUE(spec.has_value()) << "the new work is launched when called";
  EXPECT_EQ(launcher_.launches().size(), 1u);
  FakeWorkProcess proc(controller());
  proc.hello(*spec);
  settle();
  ASSERT_EQ(proc.calls().size(), 1u);
  EXPECT_EQ(Json::parse(proc.calls()[0].args_json()), (Json{{"k", 1}}));
  proc.delta(R"([{"op":"replace","path":"/x","value":3}])");
  settle();
  EXPECT_EQ(seen.front()->x.get(), 3);
  EXPECT_EQ(controller().root().snapshot().at("works").at("dyn").at("vars").at("x"), 3);
}

TEST_F(LifecycleTest, WorkAddedInsideRunUnderATakenNameWithAnotherTypeFailsTheApp) {
  root().body = [](TestRoot& r) { r.add_work<OtherWork>("w"); };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 1);
  EXPECT_NE(controller().final_message().find("pick another name"), std::string::npos)
      << controller().final_message();
}

struct ChildFlow : lightning::Flow {
  EchoWork& w = add_work<EchoWork>("w", WorkOptions().parallel(true));
  void run() override { w.call({{"from", "child"}}); }
};

struct ParentFlow : lightning::Flow {
  ChildFlow& child = add_flow<ChildFlow>("child");
  void run() override { child.run(); }
};

TEST(NestedFlowTest, WorkOfANestedFlowIsLaunchedAndSyncedUnderItsFullPath) {
  boost::asio::io_context io;
  FakeClock clock;
  lightning::util::EventLoop loop(io, clock);
  FakeWorkLauncher launcher;
  lightning::testing::FakeStateObserver observer;
  const std::string dir = make_temp_run_dir();
  ASSERT_FALSE(dir.empty());
  ControllerOptions options;
  options.run_dir = dir;
  options.echo_logs = false;
  auto root = std::make_unique<ParentFlow>();
  ChildFlow& child = root->child;
  Controller controller(loop, options, std::move(root), launcher);
  controller.add_observer(&observer);
  controller.start();
  io.poll();

  auto spec = launcher.last_launch_of("root.child.w");
  ASSERT_TRUE(spec.has_value());
  FakeWorkProcess proc(controller);
  proc.hello(*spec);
  proc.delta(R"([{"op":"replace","path":"/x","value":2}])");
  io.poll();
  ASSERT_EQ(proc.calls().size(), 1u);
  EXPECT_EQ(child.w.x.get(), 2);
  ASSERT_EQ(observer.at("/flows/child/works/w/vars/x").size(), 1u);
  EXPECT_FALSE(observer.at("/flows/child/works/w/status").empty());
  EXPECT_EQ(
      controller.root().snapshot().at("flows").at("child").at("works").at("w").at("vars").at("x"),
      2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unit_runtime
