// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorkProcessSupervisor on its own: a work process's states, its start
// timeout and its stops, with a fake launcher and a fake clock.
#include "runtime/work_process_supervisor.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_resource_probe.hpp"
#include "fakes/fake_work_launcher.hpp"
#include "lightning/flow.hpp"
#include "scheduler/scheduler.hpp"

namespace lightning::runtime {
namespace {

using namespace std::chrono_literals;
using lightning::testing::FakeClock;
using lightning::testing::FakeResourceProbe;
using lightning::testing::FakeWorkLauncher;

struct IdleWork : Work {
  void run(const Json&) override {}
};

class SupervisorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

  void launch() {
    v1::LaunchWorkRequest request;
    request.set_work_path("root.w");
    supervisor_.launch(process_, request);
  }

  FakeClock clock_;
  FakeWorkLauncher launcher_;
  IdleWork work_;
  WorkProcess process_{work_, clock_};
  WorkProcessSupervisor supervisor_{launcher_, clock_, 100ms};
};

TEST_F(SupervisorTest, LaunchAssignsANewProcessIdAndAsksTheLauncher) {
  launch();
  EXPECT_EQ(process_.state, WorkProcess::State::kLaunching);
  ASSERT_EQ(launcher_.launches().size(), 1u);
  EXPECT_EQ(launcher_.launches()[0].process_id(), process_.id);
  EXPECT_EQ(launcher_.launches()[0].work_path(), "root.w");
  EXPECT_EQ(supervisor_.find(process_.id), &process_);
  EXPECT_TRUE(supervisor_.has_live_processes());
}

TEST_F(SupervisorTest, ProcessThatDoesNotSayHelloInTimeIsStoppedAtOnce) {
  launch();
  clock_.AdvanceTime(99ms);
  EXPECT_TRUE(launcher_.stops().empty());
  clock_.AdvanceTime(1ms);
  ASSERT_EQ(launcher_.stops_of(process_.id).size(), 1u);
  EXPECT_EQ(launcher_.stops_of(process_.id)[0], 0ms);
  EXPECT_EQ(process_.state, WorkProcess::State::kStopping);
}

TEST_F(SupervisorTest, AStartTimeoutNamesItselfAsTheCauseOfTheStop) {
  launch();
  clock_.AdvanceTime(100ms);
  const auto exit = supervisor_.exited(process_.id);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->expected);
  EXPECT_EQ(exit->cause, "did not connect within 100 ms (start_timeout)");
}

TEST_F(SupervisorTest, TimeWaitingForAPlacementIsNotStartTimeAndItsReasonIsShown) {
  std::vector<std::string> reasons;
  supervisor_.set_hooks(WorkProcessSupervisor::Hooks{
      [&](WorkProcess&, const std::string& why) { reasons.push_back(why); }, {}});
  launch();
  clock_.AdvanceTime(50ms);
  supervisor_.pending(process_.id, "no worker has 8 GPUs (largest: 4)");
  EXPECT_EQ(reasons, (std::vector<std::string>{"no worker has 8 GPUs (largest: 4)"}));
  clock_.AdvanceTime(10s);
  EXPECT_TRUE(launcher_.stops().empty()) << "the wait for a placement timed out the start";
  supervisor_.pending(process_.id, "");  // placed: the start timeout counts from now
  clock_.AdvanceTime(99ms);
  EXPECT_TRUE(launcher_.stops().empty());
  clock_.AdvanceTime(1ms);
  EXPECT_EQ(launcher_.stops_of(process_.id).size(), 1u);
  supervisor_.pending(process_.id + 1, "another process");  // unknown: ignored
  EXPECT_EQ(reasons.size(), 1u);
}

struct ThreeWorks : Flow {
  IdleWork& gpu = add_work<IdleWork>("gpu", WorkOptions().compute(Compute().gpus(1)));
  IdleWork& plain = add_work<IdleWork>("plain");
  IdleWork& waiting = add_work<IdleWork>("waiting", WorkOptions().compute(Compute().gpus(1)));
  void run() override {}
};

TEST_F(SupervisorTest, IdleProcessesHoldingComputeAreStoppedForALaunchWaitingForResources) {
  ThreeWorks flow;
  WorkProcess gpu(flow.gpu, clock_), plain(flow.plain, clock_), waiting(flow.waiting, clock_);
  supervisor_.set_hooks(WorkProcessSupervisor::Hooks{
      [](WorkProcess&, const std::string&) {}, [](const WorkProcess&) { return true; }});
  for (WorkProcess* p : {&gpu, &plain}) {
    supervisor_.launch(*p, v1::LaunchWorkRequest());
    supervisor_.connected(*p, std::make_shared<rpc::WorkSession>(), 1);
  }
  supervisor_.launch(waiting, v1::LaunchWorkRequest());
  supervisor_.pending(waiting.id, "no worker has 2 GPUs (largest: 1)");
  EXPECT_TRUE(launcher_.stops().empty()) << "stopping processes cannot make a misfit fit";
  supervisor_.pending(waiting.id, "waiting for resources: needs 1 GPU, 0 free of 1");
  EXPECT_EQ(launcher_.stops_of(gpu.id).size(), 1u) << "the idle GPU work keeps its GPU";
  EXPECT_TRUE(launcher_.stops_of(plain.id).empty()) << "a work holding nothing was stopped";
  clock_.AdvanceTime(1s);
  EXPECT_EQ(launcher_.stops().size(), 1u) << "one stop per waiting launch";
}

TEST_F(SupervisorTest, ForALaunchWaitingForAProcessSlotAnIdleProcessOfAnyWorkIsStopped) {
  // Every work process holds a process slot on its worker
  // (lightning-worker --max-processes), also one that asks for nothing.
  ThreeWorks flow;
  WorkProcess plain(flow.plain, clock_), waiting(flow.waiting, clock_);
  supervisor_.set_hooks(WorkProcessSupervisor::Hooks{
      [](WorkProcess&, const std::string&) {}, [](const WorkProcess&) { return true; }});
  supervisor_.launch(plain, v1::LaunchWorkRequest());
  supervisor_.connected(plain, std::make_shared<rpc::WorkSession>(), 1);
  supervisor_.launch(waiting, v1::LaunchWorkRequest());
  supervisor_.pending(waiting.id, std::string("waiting for resources: ") +
                                      scheduler::kProcessSlots +
                                      " (1 work processes on 1 workers, at most 1)");
  EXPECT_EQ(launcher_.stops_of(plain.id).size(), 1u) << "the idle plain work holds the slot";
}

TEST_F(SupervisorTest, AWorksOwnStartTimeoutWinsOverTheAppsDefault) {
  IdleWork plain;
  EXPECT_EQ(supervisor_.start_timeout_of(plain), 100ms);
  WorkOptions own = WorkOptions().start_timeout(2s);
  EXPECT_EQ(own.start_timeout(), 2s);
}

TEST_F(SupervisorTest, HelloBindsTheSessionAndCancelsTheStartTimeout) {
  launch();
  auto session = std::make_shared<rpc::WorkSession>();
  supervisor_.connected(process_, session, 4242);
  EXPECT_EQ(process_.state, WorkProcess::State::kConnected);
  EXPECT_EQ(session->process_id, process_.id);
  EXPECT_EQ(process_.pid, 4242);
  EXPECT_TRUE(process_.said_hello);
  clock_.AdvanceTime(1s);
  EXPECT_TRUE(launcher_.stops().empty());
}

TEST_F(SupervisorTest, ExitOfAStoppedProcessIsExpectedAndLeavesNoLiveProcess) {
  launch();
  const uint64_t id = process_.id;
  supervisor_.connected(process_, std::make_shared<rpc::WorkSession>(), 1);
  supervisor_.stop(process_, 3s);
  EXPECT_EQ(launcher_.stops_of(id), std::vector<std::chrono::milliseconds>{3s});
  auto exit = supervisor_.exited(id);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->expected);
  EXPECT_TRUE(exit->was_latest);
  EXPECT_EQ(process_.state, WorkProcess::State::kNone);
  EXPECT_EQ(process_.session, nullptr);
  EXPECT_FALSE(supervisor_.has_live_processes());
  EXPECT_FALSE(supervisor_.exited(id).has_value()) << "an exit is reported once";
}

TEST_F(SupervisorTest, UnexpectedExitIsReportedAsSuch) {
  launch();
  auto exit = supervisor_.exited(process_.id);
  ASSERT_TRUE(exit.has_value());
  EXPECT_FALSE(exit->expected);
}

TEST_F(SupervisorTest, ClosedStreamStopsAConnectedProcessWithTheGivenGrace) {
  launch();
  supervisor_.connected(process_, std::make_shared<rpc::WorkSession>(), 1);
  supervisor_.disconnected(process_, 2s);
  EXPECT_EQ(process_.session, nullptr);
  EXPECT_EQ(launcher_.stops_of(process_.id), std::vector<std::chrono::milliseconds>{2s});
}

TEST_F(SupervisorTest, StopAllNowStopsEveryLiveProcessWithoutGrace) {
  launch();
  IdleWork other;
  WorkProcess other_process(other, clock_);
  supervisor_.launch(other_process, v1::LaunchWorkRequest());
  supervisor_.stop_all_now();
  EXPECT_EQ(launcher_.stops_of(process_.id), std::vector<std::chrono::milliseconds>{0ms});
  EXPECT_EQ(launcher_.stops_of(other_process.id), std::vector<std::chrono::milliseconds>{0ms});
  EXPECT_NE(process_.id, other_process.id);
}

// A launcher whose stop() ends the process on the spot and tells the supervisor
// so (as a launcher that broke the posted-events rule would).
class ExitOnStopLauncher final : public WorkLauncherInterface {
 public:
  void set_events(Events) override {}
  void launch(const v1::LaunchWorkRequest&) override {}
  void stop(uint64_t process_id, std::chrono::milliseconds) override {
    stopped.push_back(process_id);
    if (supervisor != nullptr) supervisor->exited(process_id);
  }
  void shutdown() override {}
  WorkProcessSupervisor* supervisor = nullptr;
  std::vector<uint64_t> stopped;
};

TEST(SupervisorStopAllTest, StopAllNowStopsEveryProcessEvenWhenAStopEndsOneAtOnce) {
  FakeClock clock;
  ExitOnStopLauncher launcher;
  WorkProcessSupervisor supervisor(launcher, clock, 100ms);
  launcher.supervisor = &supervisor;
  std::vector<std::unique_ptr<IdleWork>> works;
  std::vector<std::unique_ptr<WorkProcess>> processes;
  for (int i = 0; i < 8; ++i) {
    works.push_back(std::make_unique<IdleWork>());
    processes.push_back(std::make_unique<WorkProcess>(*works.back(), clock));
    supervisor.launch(*processes.back(), v1::LaunchWorkRequest());
  }
  supervisor.stop_all_now();
  EXPECT_EQ(launcher.stopped.size(), processes.size()) << "a process was stopped twice or never";
  EXPECT_FALSE(supervisor.has_live_processes());
}

// ------------------------------------------------------------ the resource budget

/// Works, their processes and a supervisor with a budget over a fake probe:
/// a limit of 100 descriptors keeps 32 in reserve, and each launch costs 5
/// until its process connects.
class BudgetedSupervisorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

  BudgetedSupervisorTest() {
    probe_.limit = 100;
    probe_.open = 50;
    supervisor_.set_hooks(WorkProcessSupervisor::Hooks{
        [this](WorkProcess& p, const std::string& why) { held_[p.work] = why; },
        [this](const WorkProcess& p) { return idle_.count(p.work) == 1; }});
  }

  WorkProcess& add() {
    works_.push_back(std::make_unique<IdleWork>());
    processes_.push_back(std::make_unique<WorkProcess>(*works_.back(), clock_));
    return *processes_.back();
  }
  void launch(WorkProcess& p) {
    v1::LaunchWorkRequest request;
    request.set_work_path("root.w" + std::to_string(processes_.size()));
    supervisor_.launch(p, request);
  }

  FakeClock clock_;
  FakeWorkLauncher launcher_;
  FakeResourceProbe probe_;
  ResourceBudget budget_{probe_};
  WorkProcessSupervisor supervisor_{launcher_, clock_, 100ms, &budget_};
  std::vector<std::unique_ptr<IdleWork>> works_;
  std::vector<std::unique_ptr<WorkProcess>> processes_;
  std::map<Work*, std::string> held_;
  std::set<Work*> idle_;
};

TEST_F(BudgetedSupervisorTest, ALaunchOverTheBudgetIsHeldWithTheReasonAndStartsWhenAProcessEnds) {
  probe_.open = 63;  // 63 + 5 + 32 reserve = 100: fits
  WorkProcess& a = add();
  launch(a);
  ASSERT_EQ(launcher_.launches().size(), 1u);
  WorkProcess& b = add();
  launch(b);  // 63 + 1 starting + 5 + 32 reserve > 100
  EXPECT_EQ(launcher_.launches().size(), 1u) << "launched over the budget";
  EXPECT_TRUE(b.held);
  EXPECT_EQ(b.state, WorkProcess::State::kLaunching);
  ASSERT_EQ(held_.count(b.work), 1u);
  EXPECT_EQ(held_[b.work].rfind("waiting for file descriptors: 63 of 100 in use", 0), 0u)
      << held_[b.work];
  clock_.AdvanceTime(1s);
  EXPECT_TRUE(launcher_.stops_of(b.id).empty()) << "a held launch has no start timeout";
  probe_.open = 50;
  ASSERT_TRUE(supervisor_.exited(a.id).has_value());
  ASSERT_EQ(launcher_.launches().size(), 2u) << "the held launch did not start";
  EXPECT_EQ(launcher_.launches()[1].process_id(), b.id);
  EXPECT_FALSE(b.held);
}

TEST_F(BudgetedSupervisorTest, AHeldLaunchStartsWhenDescriptorsFreeUpWithoutAnExit) {
  probe_.open = 90;
  WorkProcess& a = add();
  launch(a);
  EXPECT_TRUE(launcher_.launches().empty());
  probe_.open = 20;
  clock_.AdvanceTime(WorkProcessSupervisor::kHeldRecheck);
  EXPECT_EQ(launcher_.launches().size(), 1u);
}

TEST_F(BudgetedSupervisorTest, AnIdleProcessIsStoppedToMakeRoomForAHeldLaunch) {
  WorkProcess& a = add();
  launch(a);
  supervisor_.connected(a, std::make_shared<rpc::WorkSession>(), 1);
  WorkProcess& busy = add();
  launch(busy);
  supervisor_.connected(busy, std::make_shared<rpc::WorkSession>(), 2);
  idle_.insert(a.work);
  probe_.open = 95;
  WorkProcess& c = add();
  launch(c);
  EXPECT_TRUE(c.held);
  EXPECT_EQ(launcher_.stops_of(a.id).size(), 1u) << "the idle process was not stopped";
  EXPECT_TRUE(launcher_.stops_of(busy.id).empty()) << "a busy process was stopped";
  probe_.open = 50;
  ASSERT_TRUE(supervisor_.exited(a.id).has_value());
  EXPECT_EQ(launcher_.launches().back().process_id(), c.id);
}

TEST_F(BudgetedSupervisorTest, LaunchesStartInTheirOrderAndStoppingAHeldOneDropsIt) {
  probe_.open = 90;
  WorkProcess& a = add();
  WorkProcess& b = add();
  launch(a);
  launch(b);
  supervisor_.stop(a, 1s);
  EXPECT_EQ(a.state, WorkProcess::State::kNone) << "a held launch has no process to wait for";
  EXPECT_TRUE(launcher_.stops().empty());
  probe_.open = 10;
  clock_.AdvanceTime(WorkProcessSupervisor::kHeldRecheck);
  ASSERT_EQ(launcher_.launches().size(), 1u);
  EXPECT_EQ(launcher_.launches()[0].process_id(), b.id);
  EXPECT_EQ(clock_.pending_timers(), 1u)
      << "only b's start timer: the recheck stops when none is held";
}

TEST_F(BudgetedSupervisorTest, HeldLaunchesAreToldWhenTheReasonTheyWaitForChanges) {
  BudgetCosts costs;
  costs.max_starting = 1;
  ResourceBudget budget(probe_, costs);
  WorkProcessSupervisor supervisor(launcher_, clock_, 100ms, &budget);
  supervisor.set_hooks(WorkProcessSupervisor::Hooks{
      [this](WorkProcess& p, const std::string& why) { held_[p.work] = why; },
      [](const WorkProcess&) { return false; }});
  WorkProcess& a = add();
  WorkProcess& b = add();
  WorkProcess& c = add();
  supervisor.launch(a, v1::LaunchWorkRequest());
  supervisor.launch(b, v1::LaunchWorkRequest());
  supervisor.launch(c, v1::LaunchWorkRequest());
  EXPECT_EQ(held_[b.work].rfind("waiting for processes that are starting", 0), 0u) << held_[b.work];
  probe_.open = 90;  // now short of descriptors
  supervisor.connected(a, std::make_shared<rpc::WorkSession>(), 1);
  EXPECT_EQ(held_[b.work].rfind("waiting for file descriptors: 90 of 100", 0), 0u) << held_[b.work];
  EXPECT_NE(held_[c.work].find("(waiting for file descriptors: 90 of 100"), std::string::npos)
      << held_[c.work];
}

TEST(ResourceBudgetTest, AdmitsWhileTheDescriptorsInUseLeaveTheReserveFree) {
  FakeResourceProbe probe;
  probe.limit = 1024;  // reserve: 1024 / 16 = 64
  probe.open = 955;
  ResourceBudget budget(probe);
  EXPECT_FALSE(budget.try_start().has_value()) << "955 + 5 + 64 <= 1024";
  const auto hold = budget.try_start();  // 955 + 1 starting + 5 + 64 > 1024
  ASSERT_TRUE(hold.has_value());
  EXPECT_EQ(hold->reason.rfind("waiting for file descriptors: 955 of 1024 in use", 0), 0u)
      << hold->reason;
  EXPECT_TRUE(hold->short_of_resources);
  budget.connected();
  EXPECT_FALSE(budget.try_start().has_value()) << "connected: its socket is in the count now";
  EXPECT_EQ(budget.live(), 2u);
}

TEST(ResourceBudgetTest, ReadsTheRealCountOnlyNearTheLimit) {
  FakeResourceProbe probe;
  probe.limit = 4096;
  probe.open = 20;
  BudgetCosts costs;
  costs.max_starting = 100000;
  ResourceBudget budget(probe, costs);
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(budget.try_start().has_value());
  EXPECT_EQ(probe.reads, 1) << "far from the limit, the estimate suffices";
  for (int i = 0; i < 2000; ++i) budget.try_start();
  EXPECT_GT(probe.reads, 1) << "near the limit, the real count decides";
}

TEST(ResourceBudgetTest, AtMostMaxStartingProcessesStartAtOnce) {
  FakeResourceProbe probe;
  probe.limit = 100000;
  BudgetCosts costs;
  costs.max_starting = 2;
  ResourceBudget budget(probe, costs);
  ASSERT_FALSE(budget.try_start().has_value());
  ASSERT_FALSE(budget.try_start().has_value());
  const auto hold = budget.try_start();
  ASSERT_TRUE(hold.has_value());
  EXPECT_EQ(hold->reason,
            "waiting for processes that are starting: 2 launched, not yet connected (at most 2 "
            "start at once)");
  EXPECT_FALSE(hold->short_of_resources) << "stopping idle processes would not help";
  budget.connected();
  EXPECT_FALSE(budget.try_start().has_value());
}

TEST(ResourceBudgetTest, HoldsLaunchesPastHalfTheProcessLimit) {
  FakeResourceProbe probe;
  probe.limit = 100000;
  probe.nproc = 64;  // 8 tasks per work: 4 works in half of it
  ResourceBudget budget(probe);
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(budget.try_start().has_value()) << i;
  const auto hold = budget.try_start();
  ASSERT_TRUE(hold.has_value());
  EXPECT_NE(hold->reason.find("waiting for processes: 4 work processes running, RLIMIT_NPROC "
                              "is 64"),
            std::string::npos)
      << hold->reason;
  budget.ended(true);
  EXPECT_FALSE(budget.try_start().has_value());
}

TEST(ResourceBudgetTest, TheSystemsTaskLimitIsTheSmallestOfRlimitNprocPidMaxAndThreadsMax) {
  // Read from this machine: pid_max is a limit on every machine, and is
  // usually below RLIMIT_NPROC (here 32,768 against 96,365).
  SystemResources probe;
  std::ifstream pid_max_file("/proc/sys/kernel/pid_max");
  size_t pid_max = 0;
  ASSERT_TRUE(pid_max_file >> pid_max);
  const size_t limit = probe.process_limit();
  ASSERT_GT(limit, 0u);
  EXPECT_LE(limit, pid_max);
  const std::string source = probe.process_limit_source();
  EXPECT_TRUE(source == "RLIMIT_NPROC" || source == "kernel.pid_max" ||
              source == "kernel.threads-max")
      << source;
  // A node's default number of work processes fits in half of it.
  const BudgetCosts costs;
  const int64_t n = SystemResources::max_work_processes(costs);
  ASSERT_GE(n, 1);
  EXPECT_LE(static_cast<size_t>(n) * costs.tasks_per_work, limit / 2);
}

}  // namespace
}  // namespace lightning::runtime
