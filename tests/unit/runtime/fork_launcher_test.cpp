// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ForkLauncher against a fake work forker: the test holds the other end of the
// launcher's socketpair, plays the zygote (reads launch requests, forks real
// children of its own, replies and reports their exits) and so decides when
// each reply arrives. The children are real processes, so the SIGTERM ->
// SIGKILL escalation of stop() is observed as it happens.
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
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_zygote.hpp"

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
  ForkLauncherTest() : launcher_(io_, zygote_.handle()) {
    launcher_.set_events(WorkLauncherInterface::Events{
        [this](uint64_t id, int pid) { started_[id] = pid; },
        [this](uint64_t id, std::string_view line, bool) { lines_[id].emplace_back(line); },
        [this](uint64_t id, const ProcessExit& ex) { exits_[id] = ex; }});
  }

  ~ForkLauncherTest() override {
    for (pid_t pid : zygote_.children()) kill(pid, SIGKILL);
    launcher_.shutdown();
    zygote_.reap_all();
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
  FakeZygote zygote_;
  ForkLauncher launcher_;
  std::map<uint64_t, int> started_;
  std::map<uint64_t, std::vector<std::string>> lines_;
  std::map<uint64_t, ProcessExit> exits_;
};

TEST_F(ForkLauncherTest, ProcessThatIgnoresSigtermIsKilledAfterItsGracePeriod) {
  const pid_t pid = launch_ready(1, FakeZygote::Child::kIgnoresSigterm);
  const auto t0 = std::chrono::steady_clock::now();
  launcher_.stop(1, 50ms);
  const auto status = reap(pid);
  ASSERT_TRUE(status.has_value()) << "the process was never killed";
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms) << "SIGKILL came before the grace period";
  ASSERT_TRUE(pump_until([&] { return exits_.count(1) == 1; }));
  ASSERT_TRUE(exits_[1].signal.has_value());
  EXPECT_EQ(*exits_[1].signal, SIGKILL);
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
  launcher_.stop(1, 0ms);  // the zygote has not even read the request yet
  const pid_t pid = zygote_.fork_next(FakeZygote::Child::kIgnoresSigterm);
  ASSERT_GT(pid, 0);
  const auto status = reap(pid);
  ASSERT_TRUE(status.has_value()) << "the remembered stop was never applied";
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
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

}  // namespace
}  // namespace unit_runtime
