// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Shared set-up for the controller's unit tests: a controller without a gRPC
// server, a FakeWorkLauncher, a FakeClock (no test waits on real time), and a
// root flow whose run() the test writes.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_work_launcher.hpp"
#include "fakes/fake_work_process.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"
#include "lightning/work.hpp"
#include "runtime/controller.hpp"
#include "util/event_loop.hpp"

namespace unit_runtime {

using lightning::Json;
using lightning::State;
using lightning::WorkOptions;
using lightning::WorkStage;
using lightning::WorkStatus;
using lightning::runtime::Controller;
using lightning::runtime::ControllerOptions;
using lightning::testing::FakeClock;
using lightning::testing::FakeWorkLauncher;
using lightning::testing::FakeWorkProcess;
using lightning::v1::LaunchWorkRequest;
using namespace std::chrono_literals;

/// Never runs in these tests (there is no process); it only has to exist.
struct EchoWork : lightning::Work {
  State<int> x{this, "x", 0};
  State<std::string> text{this, "text", ""};
  void run(const Json&) override {}
};

struct OtherWork : lightning::Work {
  void run(const Json&) override {}
};

/// The root flow: one work "w" and a field "ticks" the test bumps to make the
/// controller run the flow again. run() counts itself and calls `body`.
struct TestRoot : lightning::Flow {
  explicit TestRoot(WorkOptions options) : w(add_work<EchoWork>("w", std::move(options))) {}

  using Flow::add_work;
  using Flow::fail;
  using Flow::schedule_in;
  using Flow::stop;

  void run() override {
    ++runs;
    if (body) body(*this);
  }

  State<int> ticks{this, "ticks", 0};
  EchoWork& w;
  std::function<void(TestRoot&)> body;
  int runs = 0;
};

/// A fresh run directory with a logs/ folder; empty on failure.
inline std::string make_temp_run_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lightning_unit_XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return "";
  std::filesystem::create_directories(tmpl + "/logs");
  return tmpl;
}

class ControllerTest : public ::testing::Test {
 protected:
  /// How much fake time pump_until() lets pass by default.
  static constexpr auto kDeadline = std::chrono::seconds(5);

  ControllerTest() {
    run_dir_ = make_temp_run_dir();
    options_.run_dir = run_dir_;
    options_.echo_logs = false;
    options_.log_level = "error";
  }

  ~ControllerTest() override {
    controller_.reset();
    std::error_code ec;
    if (!run_dir_.empty()) std::filesystem::remove_all(run_dir_, ec);
  }

  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

  /// The root flow, created on first use with `options` for its work "w".
  TestRoot& root(WorkOptions options = WorkOptions().parallel(true)) {
    if (root_ == nullptr) {
      owned_root_ = std::make_unique<TestRoot>(std::move(options));
      root_ = owned_root_.get();
    }
    return *root_;
  }
  EchoWork& w() { return root().w; }

  /// Builds and starts the controller, then runs the loop until the first
  /// Flow::run has happened and nothing else is ready.
  void start() {
    root();
    controller_ = std::make_unique<Controller>(loop_, options_, std::move(owned_root_), launcher_);
    controller_->start();
    settle();
    ASSERT_GE(root_->runs, 1) << "start() must ask for the first Flow::run";
  }

  Controller& controller() { return *controller_; }

  /// Runs ready handlers (and timers due now) until none is left; time does
  /// not move.
  void settle() {
    for (int i = 0; i < 1000; ++i) {
      clock_.AdvanceTime(std::chrono::milliseconds(0));
      if (io_.stopped()) io_.restart();
      const bool timer_due = clock_.pending_timers() > 0 && clock_.next_due() <= clock_.now();
      if (io_.poll() == 0 && !timer_due) return;
    }
    ADD_FAILURE() << "the controller's loop did not settle";
  }

  /// Lets `d` of fake time pass, firing due timers in order, and settles.
  void advance(FakeClock::Duration d) {
    const auto until = clock_.now() + d;
    settle();
    while (clock_.pending_timers() > 0 && clock_.next_due() <= until) {
      clock_.AdvanceTime(clock_.next_due() - clock_.now());
      settle();
    }
    clock_.AdvanceTime(until - clock_.now());
    settle();
  }

  /// Runs the loop, letting fake time pass timer by timer, until `cond` holds
  /// (true) or `within` of fake time has passed (false). No real waiting.
  template <class Cond>
  bool pump_until(Cond cond, FakeClock::Duration within = kDeadline) {
    const auto deadline = clock_.now() + within;
    settle();
    while (!cond()) {
      if (clock_.pending_timers() == 0 || clock_.next_due() > deadline) {
        if (deadline > clock_.now()) clock_.AdvanceTime(deadline - clock_.now());
        settle();
        return cond();
      }
      clock_.AdvanceTime(clock_.next_due() - clock_.now());
      settle();
    }
    return true;
  }

  /// Changes a flow field from outside: the controller runs the flow again.
  void rerun() {
    const int before = root_->runs;
    root_->ticks = root_->ticks + 1;
    settle();
    EXPECT_GT(root_->runs, before) << "a state change must run the flow";
  }

  /// The latest launch of work "w"; fails the test when there is none.
  LaunchWorkRequest launch_of_w() {
    auto request = launcher_.last_launch_of("root.w");
    if (!request) {
      ADD_FAILURE() << "root.w was never launched";
      return LaunchWorkRequest{};
    }
    return *request;
  }

  /// Says Hello for the latest process of "w" and settles.
  void connect(FakeWorkProcess& proc) {
    proc.hello(launch_of_w());
    settle();
    ASSERT_TRUE(proc.welcome().has_value()) << "the controller did not welcome the work";
  }

  /// Lets every process the controller stopped exit (by SIGTERM, or SIGKILL
  /// for a stop without grace).
  void exit_stopped_processes() {
    for (const auto& s : launcher_.stops()) {
      if (exited_.insert(s.process_id).second) {
        launcher_.killed_by(s.process_id, s.grace.count() == 0 ? SIGKILL : SIGTERM);
      }
    }
    settle();
  }

  boost::asio::io_context io_;
  FakeClock clock_;
  lightning::util::EventLoop loop_{io_, clock_};
  FakeWorkLauncher launcher_;
  ControllerOptions options_;
  std::string run_dir_;
  std::unique_ptr<TestRoot> owned_root_;
  TestRoot* root_ = nullptr;
  std::unique_ptr<Controller> controller_;
  std::set<uint64_t> exited_;
};

}  // namespace unit_runtime
