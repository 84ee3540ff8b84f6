// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ForkLauncher against a fake work forker: the test holds the other end of the
// launcher's socketpair, plays the zygote (reads launch requests, forks real
// children of its own, replies and reports their exits) and so decides when
// each reply arrives. The children are real processes, so the signals of
// stop() are real; their timing (the SIGTERM -> SIGKILL escalation, retries)
// runs on a FakeClock that the test advances.
#include "runtime/fork_launcher.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_zygote.hpp"
#include "util/event_loop.hpp"

namespace unit_runtime {
namespace {

using lightning::runtime::ForkLauncher;
using lightning::runtime::ProcessExit;
using lightning::runtime::WorkLauncherInterface;
using lightning::testing::FakeZygote;
using lightning::v1::LaunchWorkRequest;
using namespace std::chrono_literals;

constexpr auto kDeadline = std::chrono::seconds(10);

class ForkLauncherTest : public ::testing::Test {
 protected:
  ForkLauncherTest() : launcher_(loop_, zygote_.handle(), [this] { return restart_forker_(); }) {
    launcher_.set_events(WorkLauncherInterface::Events{
        [this](uint64_t id, int pid) { started_[id] = pid; },
        [this](uint64_t id, std::string_view line, bool) { lines_[id].emplace_back(line); },
        [this](uint64_t id, const ProcessExit& ex) { exits_[id] = ex; },
        {}});
  }

  ~ForkLauncherTest() override {
    for (FakeZygote* z : {&zygote_, second_zygote_.get()}) {
      if (z == nullptr) continue;
      for (pid_t pid : z->children()) kill(pid, SIGKILL);
      z->end_forker_process();
    }
    launcher_.shutdown();
    zygote_.reap_all();
    if (second_zygote_) second_zygote_->reap_all();
  }

  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

  static LaunchWorkRequest request(uint64_t id) {
    LaunchWorkRequest r;
    r.set_process_id(id);
    r.set_work_path("root.w" + std::to_string(id));
    r.set_work_type("EchoWork");
    return r;
  }

  /// Runs the loop until `cond` holds (true) or the deadline passes (false).
  template <class Cond>
  bool pump_until(Cond cond, std::chrono::steady_clock::duration timeout = kDeadline) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!cond()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  /// Launches process `id` and lets the fake zygote fork it; returns once the
  /// child has said it is ready (its SIGTERM disposition is in place).
  pid_t launch_ready(uint64_t id, FakeZygote::Child how) {
    launcher_.launch(request(id));
    const pid_t pid = zygote_.fork_next(how);
    EXPECT_GT(pid, 0);
    EXPECT_TRUE(pump_until([&] { return started_.count(id) == 1 && !lines_[id].empty(); }))
        << "the child never said it was ready";
    return pid;
  }

  /// Reaps `pid` as the zygote does and reports its exit to the launcher;
  /// returns how it died (nullopt: it did not within the deadline).
  std::optional<int> reap(pid_t pid, std::chrono::steady_clock::duration timeout = kDeadline) {
    std::optional<int> status;
    pump_until([&] { return (status = zygote_.try_reap(pid)).has_value(); }, timeout);
    return status;
  }

  boost::asio::io_context io_;
  lightning::testing::FakeClock clock_;
  lightning::util::EventLoop loop_{io_, clock_};
  FakeZygote zygote_;
  std::unique_ptr<FakeZygote> second_zygote_;  // made by restart_forker_ when a test wants one
  std::function<lightning::Result<lightning::runtime::ZygoteHandle>()> restart_forker_ = [] {
    return lightning::Result<lightning::runtime::ZygoteHandle>(
        lightning::Unavailable("cannot start a new work forker: not in this test"));
  };
  ForkLauncher launcher_;
  std::map<uint64_t, int> started_;
  std::map<uint64_t, std::vector<std::string>> lines_;
  std::map<uint64_t, ProcessExit> exits_;
};

TEST_F(ForkLauncherTest, ProcessThatIgnoresSigtermIsKilledAfterItsGracePeriod) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kIgnoresSigterm);
  launcher_.stop(1, 50ms);
  clock_.AdvanceTime(49ms);
  EXPECT_FALSE(zygote_.try_reap(pid).has_value()) << "SIGKILL came before the grace period";
  clock_.AdvanceTime(1ms);
  const auto status = reap(pid);
  ASSERT_TRUE(status.has_value()) << "the process was never killed";
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  ASSERT_TRUE(exits_[1].signal.has_value());
  EXPECT_EQ(*exits_[1].signal, SIGKILL);
  EXPECT_TRUE(exits_[1].signal_from_runtime) << "the launcher sent that SIGKILL itself";
}

TEST_F(ForkLauncherTest, ASignalFromOutsideIsReportedAsNotSentByTheRuntime) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kIgnoresSigterm);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(reap(pid).has_value());
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  ASSERT_TRUE(exits_[1].signal.has_value());
  EXPECT_EQ(*exits_[1].signal, SIGKILL);
  EXPECT_FALSE(exits_[1].signal_from_runtime);
}

TEST_F(ForkLauncherTest, AForkThatFailsForLackOfProcessesIsRetriedAfterABackoff) {
  launcher_.launch(request(1));
  ASSERT_TRUE(zygote_.refuse_next("fork: Resource temporarily unavailable", /*transient=*/true));
  pump_until([] { return false; }, 20ms);
  EXPECT_EQ(exits_.count(1), 0u) << "a temporary shortage must not fail the launch";
  clock_.AdvanceTime(10ms);  // the first backoff
  const pid_t pid = zygote_.fork_next(FakeZygote::Child::kDiesOnSigterm);
  ASSERT_GT(pid, 0) << "the launch was not sent again";
  ASSERT_TRUE(pump_until([&] { return started_.count(1) == 1 && !lines_[1].empty(); }))
      << "the retried process's output must reach the launcher through the same pipes";
  EXPECT_EQ(started_[1], pid);
  EXPECT_EQ(exits_.count(1), 0u);
}

TEST_F(ForkLauncherTest, AForkThatKeepsFailingForLackOfProcessesFailsAfterTheRetryBound) {
  launcher_.launch(request(1));
  for (int i = 0; i < 200 && exits_.count(1) == 0; ++i) {
    if (!zygote_.refuse_next("fork: Resource temporarily unavailable", /*transient=*/true)) break;
    pump_until([] { return false; }, 1ms);
    clock_.AdvanceTime(1s);
  }
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  EXPECT_NE(exits_[1].error.find("fork: Resource temporarily unavailable (still so after "
                                 "retrying for 30 s)"),
            std::string::npos)
      << exits_[1].error;
}

TEST_F(ForkLauncherTest, APermanentForkErrorFailsTheLaunchAtOnce) {
  launcher_.launch(request(1));
  ASSERT_TRUE(zygote_.refuse_next("fork: something final", /*transient=*/false));
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  EXPECT_EQ(exits_[1].error, "fork: something final");
}

TEST_F(ForkLauncherTest, ProcessThatExitsOnSigtermIsNotKilled) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kDiesOnSigterm);
  launcher_.stop(1, 60s);
  const auto status = reap(pid);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGTERM);
}

TEST_F(ForkLauncherTest, StopWithoutGraceKillsAtOnce) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kIgnoresSigterm);
  launcher_.stop(1, 0ms);
  const auto status = reap(pid, 5s);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
}

TEST_F(ForkLauncherTest, ALaterStopWithALongerGraceDoesNotPostponeTheKill) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kIgnoresSigterm);
  launcher_.stop(1, 50ms);
  launcher_.stop(1, 60s);
  clock_.AdvanceTime(50ms);
  const auto status = reap(pid);
  ASSERT_TRUE(status.has_value()) << "the second stop postponed the SIGKILL";
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
}

TEST_F(ForkLauncherTest, ALaterStopWithAShorterGraceHastensTheKill) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kIgnoresSigterm);
  launcher_.stop(1, 60s);
  launcher_.stop(1, 0ms);
  const auto status = reap(pid);
  ASSERT_TRUE(status.has_value()) << "the SIGKILL waited for the first grace period";
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
}

TEST_F(ForkLauncherTest, StopBeforeTheProcessIsForkedIsAppliedOnceItStarts) {
  launcher_.launch(request(1));
  launcher_.stop(1, 60s);  // the zygote has not even read the request yet
  const pid_t pid = zygote_.fork_next(FakeZygote::Child::kDiesOnSigterm);
  ASSERT_GT(pid, 0);
  const auto status = reap(pid);
  ASSERT_TRUE(status.has_value()) << "the remembered stop was never applied";
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGTERM);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  EXPECT_TRUE(exits_[1].error.empty()) << exits_[1].error;
}

TEST_F(ForkLauncherTest, KillingAProcessTheStuckForkerNeverForkedReportsItsExitAtOnce) {
  launcher_.launch(request(1));  // the fake forker never reads it: it is stuck
  launcher_.stop(1, 0ms);
  EXPECT_EQ(exits_.count(1), 0u) << "the exit must be posted, not reported from inside stop()";
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }, 5s))
      << "a stop of an unforked process must not wait for a forker that never answers";
  const std::string& error = exits_[1].error;
  EXPECT_NE(error.find("was not forked by the work forker (zygote, pid " +
                       std::to_string(zygote_.handle().pid) + ")"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("may be stuck"), std::string::npos) << error;
  EXPECT_FALSE(exits_[1].signal.has_value());
}

TEST_F(ForkLauncherTest, AGracefulStopOfAnUnforkedProcessReportsItsExitWhenTheGraceRunsOut) {
  launcher_.launch(request(1));
  launcher_.stop(1, 50ms);
  clock_.AdvanceTime(49ms);
  pump_until([] { return false; }, 20ms);
  EXPECT_EQ(exits_.count(1), 0u) << "given up before its grace period";
  clock_.AdvanceTime(1ms);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }, 5s))
      << "the SIGKILL deadline of a graceful stop must end an unforked process too";
  EXPECT_NE(exits_[1].error.find("may be stuck"), std::string::npos) << exits_[1].error;
}

TEST_F(ForkLauncherTest, NothingPostedRunsAfterTheLauncherIsDestroyed) {
  auto launcher = std::make_unique<ForkLauncher>(loop_, FakeZygote().handle());
  bool called = false;
  launcher->set_events(WorkLauncherInterface::Events{
      {}, {}, [&called](uint64_t, const ProcessExit&) { called = true; }, {}});
  launcher->shutdown();
  launcher->launch(request(1));  // fails at once: its exit is posted
  launcher.reset();
  pump_until([] { return false; }, 20ms);
  EXPECT_FALSE(called) << "a handler ran after the launcher was destroyed";
}

TEST_F(ForkLauncherTest, AProcessForkedAfterItWasGivenUpIsKilledAtOnce) {
  launcher_.launch(request(1));
  launcher_.stop(1, 0ms);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  const pid_t pid = zygote_.fork_next(FakeZygote::Child::kIgnoresSigterm);  // the late fork
  ASSERT_GT(pid, 0);
  const auto status = reap(pid, 5s);
  ASSERT_TRUE(status.has_value()) << "a late fork of a given-up process must be killed";
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  pump_until([] { return false; }, 20ms);
  EXPECT_EQ(started_.count(1), 0u) << "no event may follow the one `exited`";
  EXPECT_EQ(exits_.size(), 1u);
}

TEST_F(ForkLauncherTest, OutputLinesArriveBeforeTheExit) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kDiesOnSigterm);
  launcher_.stop(1, 60s);
  ASSERT_TRUE(reap(pid).has_value());
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  ASSERT_EQ(lines_[1].size(), 1u);
  EXPECT_EQ(lines_[1][0], FakeZygote::kReadyLine);
  EXPECT_EQ(started_[1], pid);
}

// ------------------------------------------------------------ the forker dies

TEST_F(ForkLauncherTest, ForkerDeathReportsEveryLiveProcessAsExitedWithTheReason) {
  const pid_t forker = zygote_.handle().pid;
  launch_ready(1, FakeZygote::Child::kIgnoresSigterm);
  launcher_.launch(request(2));  // sent, never forked
  zygote_.die(SIGKILL);
  ASSERT_TRUE(pump_until([&] { return exits_.size() == 2; }))
      << "a dead forker must not leave its processes unreported";
  const std::string reason =
      "the work forker (zygote, pid " + std::to_string(forker) + ") died: killed by SIGKILL";
  EXPECT_NE(exits_[1].error.find(reason), std::string::npos) << exits_[1].error;
  ASSERT_TRUE(exits_[1].signal.has_value()) << "its works die with it (PR_SET_PDEATHSIG)";
  EXPECT_EQ(*exits_[1].signal, SIGKILL);
  EXPECT_NE(exits_[2].error.find(reason), std::string::npos) << exits_[2].error;
  EXPECT_NE(exits_[2].error.find("before it forked"), std::string::npos) << exits_[2].error;
  EXPECT_FALSE(exits_[2].signal.has_value());
}

TEST_F(ForkLauncherTest, LaunchAfterTheForkerDiedGoesThroughANewForker) {
  restart_forker_ = [this] {
    second_zygote_ = std::make_unique<FakeZygote>();
    return lightning::Result<lightning::runtime::ZygoteHandle>(second_zygote_->handle());
  };
  launch_ready(1, FakeZygote::Child::kDiesOnSigterm);
  zygote_.die(SIGKILL);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));

  launcher_.launch(request(2));
  ASSERT_NE(second_zygote_, nullptr) << "no new forker was started";
  const pid_t pid = second_zygote_->fork_next(FakeZygote::Child::kDiesOnSigterm);
  ASSERT_GT(pid, 0) << "the new forker got no launch request";
  ASSERT_TRUE(pump_until([&] { return started_.count(2) == 1; }));
  EXPECT_EQ(started_[2], pid);
  launcher_.stop(2, 60s);
  std::optional<int> status;
  ASSERT_TRUE(pump_until([&] { return (status = second_zygote_->try_reap(pid)).has_value(); }));
  ASSERT_TRUE(pump_until([&] { return exits_.count(2) == 1; }));
  ASSERT_TRUE(exits_[2].signal.has_value());
  EXPECT_EQ(*exits_[2].signal, SIGTERM);
  EXPECT_TRUE(exits_[2].error.empty()) << exits_[2].error;
}

TEST_F(ForkLauncherTest, LaunchAfterTheForkerDiedFailsWithTheReasonWhenNoNewOneStarts) {
  launch_ready(1, FakeZygote::Child::kDiesOnSigterm);
  zygote_.die(SIGKILL);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));  // the death is seen
  launcher_.launch(request(7));
  ASSERT_TRUE(pump_until([&] { return exits_.count(7) == 1; }));
  const std::string& error = exits_[7].error;
  EXPECT_NE(error.find("the work forker (zygote"), std::string::npos) << error;
  EXPECT_NE(error.find("not in this test"), std::string::npos) << error;
}

TEST_F(ForkLauncherTest, ALaunchRequestTheSocketRefusesFailsOnlyThatLaunch) {
  const int tiny = 1;  // the kernel rounds it up to its minimum, a few KiB
  ASSERT_EQ(setsockopt(zygote_.handle().socket_fd, SOL_SOCKET, SO_SNDBUF, &tiny, sizeof tiny), 0);
  LaunchWorkRequest big = request(1);
  big.set_work_path(std::string(32 * 1024, 'w'));  // EMSGSIZE, yet under the protocol's limit
  launcher_.launch(big);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  EXPECT_NE(exits_[1].error.find("cannot send the launch request to the work forker: " +
                                 std::string(std::strerror(EMSGSIZE))),
            std::string::npos)
      << exits_[1].error;
  EXPECT_EQ(exits_[1].error.find("died"), std::string::npos) << "the forker is not dead";

  const pid_t pid = launch_ready(2, FakeZygote::Child::kDiesOnSigterm);
  EXPECT_EQ(started_[2], pid) << "the same forker must still serve launches";
  EXPECT_EQ(exits_.count(2), 0u);
}

TEST_F(ForkLauncherTest, ANewForkerThatCannotBeWatchedIsKilledAndReaped) {
  pid_t new_forker = -1;
  restart_forker_ = [&new_forker] {
    new_forker = fork();
    if (new_forker == 0) {
      for (;;) pause();
    }
    // No socket to watch: the launcher cannot use this forker.
    return lightning::Result<lightning::runtime::ZygoteHandle>(
        lightning::runtime::ZygoteHandle{new_forker, -1});
  };
  launch_ready(1, FakeZygote::Child::kDiesOnSigterm);
  zygote_.die(SIGKILL);
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  launcher_.launch(request(2));
  ASSERT_GT(new_forker, 0);
  ASSERT_TRUE(pump_until([&] { return exits_.count(2) == 1; }));
  EXPECT_NE(exits_[2].error.find("cannot watch the new work forker"), std::string::npos)
      << exits_[2].error;
  const pid_t reaped = waitpid(new_forker, nullptr, WNOHANG);
  const int wait_errno = errno;
  if (reaped == 0) {  // clean up after a failure
    kill(new_forker, SIGKILL);
    waitpid(new_forker, nullptr, 0);
  }
  EXPECT_EQ(reaped, -1) << "the unusable forker was left running";
  EXPECT_EQ(wait_errno, ECHILD) << "the unusable forker was not reaped";
}

}  // namespace
}  // namespace unit_runtime
