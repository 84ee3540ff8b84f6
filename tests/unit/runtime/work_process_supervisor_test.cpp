// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorkProcessSupervisor on its own: a work process's states, its start
// timeout and its stops, with a fake launcher and a fake clock.
#include "runtime/work_process_supervisor.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_work_launcher.hpp"

namespace lightning::runtime {
namespace {

using namespace std::chrono_literals;
using lightning::testing::FakeClock;
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
  WorkProcessSupervisor supervisor_{launcher_, 100ms};
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
  WorkProcessSupervisor supervisor(launcher, 100ms);
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

}  // namespace
}  // namespace lightning::runtime
