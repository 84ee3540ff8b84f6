// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SchedulingLauncher on fake workers and a fake clock: placement and GPU
// pinning, the pending reason, fencing of late reports, lost and draining
// workers, exactly one exit per launch, and the local worker over a fake
// launcher (a work asking for nothing never waits; one asking for more than
// the machine fails at once).
#include "cluster/scheduling_launcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/local_worker.hpp"
#include "common/captured_log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_work_launcher.hpp"
#include "scheduler/local_resources.hpp"

namespace lightning::cluster {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Records what it was told; the test reports events through the launcher's sink.
class FakeExecutor final : public WorkerExecutor {
 public:
  struct Log {
    std::vector<v1::LaunchOnWorker> launches;
    std::vector<std::pair<uint64_t, milliseconds>> stops;
    int kill_alls = 0;
    std::vector<std::string> shutdowns;
  };
  explicit FakeExecutor(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void launch(const v1::LaunchOnWorker& launch) override { log_->launches.push_back(launch); }
  void stop(uint64_t id, milliseconds grace) override { log_->stops.emplace_back(id, grace); }
  void kill_all() override { ++log_->kill_alls; }
  void shutdown(const std::string& reason) override { log_->shutdowns.push_back(reason); }

 private:
  std::shared_ptr<Log> log_;
};

scheduler::Resources node(int cpus, int gpus) {
  scheduler::Resources r;
  r.milli_cpus = int64_t{cpus} * 1000;
  r.memory_bytes = int64_t{16} << 30;
  for (int i = 0; i < gpus; ++i) r.gpus.push_back(scheduler::Gpu{i, "Fake GPU", 0});
  return r;
}

v1::LaunchWorkRequest request(uint64_t id, const std::string& work, const Compute& compute) {
  v1::LaunchWorkRequest r;
  r.set_process_id(id);
  r.set_work_path(work);
  if (!compute.is_empty()) r.set_compute_json(compute.to_json().dump());
  return r;
}

runtime::ProcessExit code(int c) {
  runtime::ProcessExit e;
  e.exit_code = c;
  return e;
}

class SchedulingLauncherTest : public ::testing::Test {
 protected:
  explicit SchedulingLauncherTest(SchedulingLauncherOptions o = {}) {
    o.scheduler.heartbeat_timeout = seconds(2);
    o.liveness_interval = milliseconds(500);
    launcher_ = std::make_unique<SchedulingLauncher>(loop_, std::move(o));
    launcher_->set_events(runtime::WorkLauncherInterface::Events{
        [this](uint64_t id, int pid) {
          events_.push_back("started " + std::to_string(id) + " " + std::to_string(pid));
        },
        [this](uint64_t id, std::string_view line, bool) {
          events_.push_back("output " + std::to_string(id) + " " + std::string(line));
        },
        [this](uint64_t id, const runtime::ProcessExit& e) {
          ++exits_[id];
          exit_errors_[id] = e.error;
          events_.push_back("exited " + std::to_string(id));
        },
        [this](uint64_t id, const std::string& reason) { pending_[id].push_back(reason); }});
  }

  std::shared_ptr<FakeExecutor::Log> add(const std::string& name, int cpus, int gpus,
                                         bool always_alive = false) {
    auto log = std::make_shared<FakeExecutor::Log>();
    WorkerInfo info;
    info.name = name;
    info.resources = node(cpus, gpus);
    launcher_->add_worker(std::move(info), std::make_unique<FakeExecutor>(log), always_alive);
    return log;
  }

  /// Runs what was posted (an io_context that ran out of work needs a restart).
  void pump() {
    io_.restart();
    io_.poll();
  }

  boost::asio::io_context io_;
  testing::FakeClock clock_;
  util::EventLoop loop_{io_, clock_};
  std::unique_ptr<SchedulingLauncher> launcher_;
  std::vector<std::string> events_;
  std::map<uint64_t, int> exits_;
  std::map<uint64_t, std::string> exit_errors_;
  std::map<uint64_t, std::vector<std::string>> pending_;
};

TEST_F(SchedulingLauncherTest, GpuWorksArePinnedToDistinctGpusOfTheirWorker) {
  auto n1 = add("node1", 8, 2);
  auto n2 = add("node2", 8, 2);
  for (uint64_t i = 1; i <= 4; ++i) {
    launcher_->launch(request(i, "root.g" + std::to_string(i), Compute().gpus(1)));
  }
  launcher_->launch(request(5, "root.cpu", Compute().cpus(1)));
  launcher_->launch(request(6, "root.plain", Compute()));
  EXPECT_TRUE(n1->launches.empty()) << "placed on the loop, not inside launch()";
  pump();
  ASSERT_EQ(n1->launches.size() + n2->launches.size(), 6u);
  std::map<std::string, std::vector<std::string>> visible;  // worker -> CUDA_VISIBLE_DEVICES
  for (auto [name, log] : {std::pair{"node1", n1}, std::pair{"node2", n2}}) {
    for (const auto& l : log->launches) {
      EXPECT_EQ(l.attempt(), 1u);
      const auto& env = l.request().env();
      const std::string& work = l.request().work_path();
      if (work == "root.plain") {
        EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), "")
            << "on a cluster's worker a work sees only GPUs pinned to it, whatever it asks";
      } else if (work == "root.cpu") {
        EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), "") << "no GPUs for a CPU work on a GPU node";
      } else {
        ASSERT_EQ(l.gpus_size(), 1);
        EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), std::to_string(l.gpus(0)));
        visible[name].push_back(env.at("CUDA_VISIBLE_DEVICES"));
      }
    }
  }
  for (auto& [name, v] : visible) {
    std::sort(v.begin(), v.end());
    EXPECT_EQ(v, (std::vector<std::string>{"0", "1"})) << name;
  }
}

TEST_F(SchedulingLauncherTest, AWorkThatFitsNowhereIsPendingWithTheReasonAndStopEndsIt) {
  auto n1 = add("node1", 8, 2);
  launcher_->launch(request(1, "root.big", Compute().gpus(4)));
  pump();
  EXPECT_TRUE(n1->launches.empty());
  ASSERT_EQ(pending_[1].size(), 1u);
  EXPECT_EQ(pending_[1][0], "no worker has 4 GPUs (largest: 2)");
  EXPECT_EQ(exits_.count(1), 0u) << "waits: a worker may still register";
  launcher_->stop(1, milliseconds(100));
  EXPECT_EQ(exits_.count(1), 0u) << "never inside stop()";
  pump();
  EXPECT_EQ(exits_[1], 1);
  EXPECT_EQ(exit_errors_[1], "stopped before it was placed on a worker");
  launcher_->stop(1, milliseconds(0));
  pump();
  EXPECT_EQ(exits_[1], 1) << "exactly one exit";
}

/// An engine's allocation (Slurm): complete once the test says so.
SchedulingLauncherOptions allocation_options(std::shared_ptr<std::string> complete) {
  SchedulingLauncherOptions o;
  o.workers_complete = [complete] { return *complete; };
  return o;
}

// Built before the launcher's test base, which takes it.
struct CompleteFlag {
  std::shared_ptr<std::string> complete_ = std::make_shared<std::string>();
};

class AllocationTest : protected CompleteFlag, public SchedulingLauncherTest {
 protected:
  AllocationTest() : SchedulingLauncherTest(allocation_options(complete_)) {}
};

TEST_F(AllocationTest, AWorkNoWorkerCanHoldFailsOnceTheWholeAllocationHasJoined) {
  auto n1 = add("node1", 8, 2);
  launcher_->launch(request(1, "root.big", Compute().gpus(4)));
  launcher_->launch(request(2, "root.busy", Compute().gpus(2)));
  launcher_->launch(request(3, "root.waits", Compute().gpus(2)));  // fits, once busy ends
  pump();
  EXPECT_EQ(exits_.count(1), 0u) << "another node may still join";
  *complete_ = "all 1 node of Slurm job 12 have joined";
  launcher_->launch(request(4, "root.trigger", Compute()));  // any change schedules again
  pump();
  ASSERT_EQ(exits_[1], 1);
  EXPECT_EQ(exit_errors_[1],
            "no worker has 4 GPUs (largest: 2); all 1 node of Slurm job 12 have joined, so it can "
            "never run");
  EXPECT_EQ(exits_.count(3), 0u) << "a work that fits once room is free keeps waiting";
  EXPECT_EQ(n1->launches.size(), 2u) << "busy and trigger run";
}

SchedulingLauncherOptions hint_options() {
  SchedulingLauncherOptions o;
  o.join_hint = "lightning-worker --controller vm:4242 --token-file /r/worker-token";
  return o;
}

class NoWorkerTest : public SchedulingLauncherTest {
 protected:
  NoWorkerTest() : SchedulingLauncherTest(hint_options()) {}
};

TEST_F(NoWorkerTest, WhileWorksWaitAndNoWorkerHasJoinedTheLogSaysHowToStartOneAndBacksOff) {
  testing::CapturedLog log("%v");
  launcher_->launch(request(1, "root.a", Compute()));
  pump();
  auto hints = [&] {
    const std::string text = log.text();
    size_t n = 0;
    for (size_t at = text.find("no worker has joined"); at != std::string::npos;
         at = text.find("no worker has joined", at + 1))
      ++n;
    return n;
  };
  clock_.AdvanceTime(seconds(29));
  pump();
  EXPECT_EQ(hints(), 0u);
  clock_.AdvanceTime(seconds(2));
  pump();
  EXPECT_EQ(hints(), 1u);
  EXPECT_NE(log.text().find("start one with lightning-worker --controller vm:4242"),
            std::string::npos)
      << log.text();
  clock_.AdvanceTime(seconds(20));
  pump();
  EXPECT_EQ(hints(), 1u) << "then as long again, not every second";
  clock_.AdvanceTime(seconds(15));
  pump();
  EXPECT_EQ(hints(), 2u);
  add("node1", 4, 0, /*always_alive=*/true);  // a worker joins: no more hints
  clock_.AdvanceTime(seconds(300));
  pump();
  EXPECT_EQ(hints(), 2u);
}

TEST_F(SchedulingLauncherTest, AWaitingWorkIsPlacedWhenRoomIsFreedAndToldSo) {
  auto n1 = add("node1", 8, 1);
  launcher_->launch(request(1, "root.a", Compute().gpus(1)));
  launcher_->launch(request(2, "root.b", Compute().gpus(1)));
  pump();
  ASSERT_EQ(n1->launches.size(), 1u);
  ASSERT_EQ(pending_[2].size(), 1u);
  EXPECT_EQ(pending_[2][0].rfind("waiting for resources", 0), 0u) << pending_[2][0];
  launcher_->on_started("node1", 1, 1, 4242);
  launcher_->on_ended("node1", 1, 1, code(0));
  pump();
  EXPECT_EQ(exits_[1], 1);
  ASSERT_EQ(n1->launches.size(), 2u);
  EXPECT_EQ(n1->launches[1].request().work_path(), "root.b");
  ASSERT_EQ(pending_[2].size(), 2u);
  EXPECT_EQ(pending_[2][1], "") << "placed: its start timeout starts now";
}

TEST_F(SchedulingLauncherTest, ALateReportOfAnOldAttemptIsDropped) {
  auto n1 = add("node1", 8, 0);
  launcher_->launch(request(1, "root.a", Compute().cpus(1)));
  pump();
  ASSERT_EQ(n1->launches.size(), 1u);
  launcher_->on_started("node1", 1, 7, 1);          // an attempt it never had
  launcher_->on_output("node2", 1, 1, "x", false);  // another worker
  launcher_->on_ended("node1", 99, 1, code(0));     // another process
  EXPECT_TRUE(events_.empty());
  launcher_->on_output("node1", 1, 1, "hello", false);
  launcher_->on_ended("node1", 1, 1, code(0));
  launcher_->on_ended("node1", 1, 1, code(0));  // twice: the second is dropped
  EXPECT_EQ(events_, (std::vector<std::string>{"output 1 hello", "exited 1"}));
}

TEST_F(SchedulingLauncherTest, ALostWorkersProcessesExitWithTheReasonAndItsLateReportsAreDropped) {
  auto n1 = add("node1", 8, 0);
  launcher_->launch(request(1, "root.a", Compute().cpus(1)));
  pump();
  ASSERT_EQ(n1->launches.size(), 1u);
  launcher_->on_started("node1", 1, 1, 100);
  auto n2 = add("node2", 8, 0);
  // node2 beats, node1 does not.
  for (int i = 0; i < 6; ++i) {
    clock_.AdvanceTime(milliseconds(500));
    launcher_->heartbeat("node2");
  }
  pump();
  EXPECT_EQ(exits_[1], 1);
  EXPECT_NE(exit_errors_[1].find("worker 'node1' lost: no heartbeat for"), std::string::npos)
      << exit_errors_[1];
  EXPECT_GE(n1->kill_alls, 1) << "what it may still run is killed";
  EXPECT_EQ(launcher_->workers().size(), 1u);
  // The retry is placed on node2 under a new attempt.
  launcher_->launch(request(2, "root.a", Compute().cpus(1)));
  pump();
  ASSERT_EQ(n2->launches.size(), 1u);
  EXPECT_EQ(n2->launches[0].attempt(), 2u);
  // node1 comes back and reports the old process: dropped.
  launcher_->on_ended("node1", 1, 1, code(0));
  EXPECT_EQ(exits_[1], 1);
  EXPECT_EQ(exits_.count(2), 0u);
}

TEST_F(SchedulingLauncherTest, ADrainingWorkersWorksAreStoppedAndEndWithTheDrainingReason) {
  auto n1 = add("node1", 8, 0);
  launcher_->launch(request(1, "root.a", Compute().cpus(1)));
  pump();
  launcher_->drain_worker("node1", "SIGTERM from Slurm", seconds(3));
  ASSERT_EQ(n1->stops.size(), 1u);
  EXPECT_EQ(n1->stops[0].second, seconds(3));
  launcher_->launch(request(2, "root.b", Compute().cpus(1)));
  pump();
  EXPECT_EQ(n1->launches.size(), 1u) << "nothing new goes to a draining worker";
  EXPECT_EQ(pending_[2].at(0), "no worker has registered yet");
  runtime::ProcessExit term;
  term.signal = 15;
  term.signal_from_runtime = true;
  launcher_->on_ended("node1", 1, 1, term);
  EXPECT_EQ(exits_[1], 1);
  EXPECT_EQ(exit_errors_[1], "worker 'node1' is draining: SIGTERM from Slurm");
}

TEST_F(SchedulingLauncherTest, ShutdownKillsAndDismissesEveryWorker) {
  auto n1 = add("node1", 8, 0);
  auto n2 = add("node2", 8, 0);
  launcher_->shutdown();
  EXPECT_EQ(n1->kill_alls, 1);
  EXPECT_EQ(n2->shutdowns, (std::vector<std::string>{"the app ended"}));
}

// ---------------------------------------------------------------- the local worker

scheduler::LocalResources two_cpus_no_gpu() {
  scheduler::LocalResources local;
  local.resources.milli_cpus = 2000;
  local.resources.memory_bytes = int64_t{8} << 30;
  local.cpus_source = "sched_getaffinity: 2; cgroup cpu.max: no limit";
  local.memory_source = "/proc/meminfo MemTotal: 8 GiB; cgroup memory.max: no limit";
  local.gpus_source = "CUDA_VISIBLE_DEVICES unset, no NVIDIA device";
  return local;
}

SchedulingLauncherOptions local_options() {
  SchedulingLauncherOptions o;
  o.never_fits = [](const Compute& c) { return scheduler::local_misfit(c, two_cpus_no_gpu()); };
  return o;
}

class LocalWorkerTest : public SchedulingLauncherTest {
 protected:
  LocalWorkerTest() : SchedulingLauncherTest(local_options()) {
    WorkerInfo me;
    me.name = "local";
    me.local = true;
    me.resources = two_cpus_no_gpu().resources;
    launcher_->add_worker(std::move(me), std::make_unique<LocalWorker>(inner_, *launcher_, "local"),
                          /*always_alive=*/true);
  }
  testing::FakeWorkLauncher inner_;
};

TEST_F(LocalWorkerTest, TwoHundredWorksAskingForNothingRunAtOnceOnTwoCpus) {
  for (uint64_t i = 1; i <= 200; ++i)
    launcher_->launch(request(i, "root.w" + std::to_string(i), Compute()));
  pump();
  EXPECT_EQ(inner_.launches().size(), 200u);
  EXPECT_TRUE(pending_.empty());
  // The local worker never misses a heartbeat.
  clock_.AdvanceTime(seconds(30));
  pump();
  EXPECT_TRUE(exits_.empty());
  inner_.started(7, 707);
  inner_.output(7, "line", true);
  inner_.exited_with_code(7, 0);
  EXPECT_EQ(events_, (std::vector<std::string>{"started 7 707", "output 7 line", "exited 7"}));
}

TEST_F(LocalWorkerTest, OnThisMachineAWorkAskingForNothingKeepsItsEnvironment) {
  launcher_->launch(request(1, "root.plain", Compute()));
  pump();
  ASSERT_EQ(inner_.launches().size(), 1u);
  EXPECT_EQ(inner_.launches()[0].env().count("CUDA_VISIBLE_DEVICES"), 0u)
      << "a local app that uses the GPU without declaring it works as before";
}

TEST_F(SchedulingLauncherTest, ASecondConnectedWorkerWithTheSameNameIsAnotherWorker) {
  WorkerInfo a;
  a.name = "vm";
  a.hostname = "vm";
  a.pid = 100;
  a.resources = node(2, 0);
  launcher_->add_worker(std::move(a),
                        std::make_unique<FakeExecutor>(std::make_shared<FakeExecutor::Log>()));
  EXPECT_TRUE(launcher_->name_held_by_another("vm", "vm", 200)) << "another process";
  EXPECT_TRUE(launcher_->name_held_by_another("vm", "other-host", 100)) << "another host";
  EXPECT_FALSE(launcher_->name_held_by_another("vm", "vm", 100)) << "the same worker again";
  EXPECT_FALSE(launcher_->name_held_by_another("node2", "vm", 200));
  launcher_->worker_disconnected("vm");
  EXPECT_FALSE(launcher_->name_held_by_another("vm", "vm", 200))
      << "its stream is gone: a restart, not a second worker";
}

TEST_F(LocalWorkerTest, AWorkAskingForWhatIsBusyWaitsInsteadOfOvercommitting) {
  launcher_->launch(request(1, "root.a", Compute().cpus(2)));
  launcher_->launch(request(2, "root.b", Compute().cpus(1)));
  pump();
  ASSERT_EQ(inner_.launches().size(), 1u);
  EXPECT_EQ(pending_[2].at(0), "waiting for resources: needs 1 CPU, 0 free of 2");
  launcher_->stop(1, milliseconds(5));
  EXPECT_EQ(inner_.stops_of(1).size(), 1u);
  inner_.killed_by(1, 15);
  pump();
  EXPECT_EQ(inner_.launches().size(), 2u);
}

TEST_F(LocalWorkerTest, AWorkAskingForMoreThanTheMachineFailsAtOnceWithTheReason) {
  launcher_->launch(request(7, "root.g", Compute().gpus(2)));
  launcher_->stop(7, milliseconds(0));
  pump();
  EXPECT_TRUE(inner_.launches().empty());
  EXPECT_EQ(exits_[7], 1);
  EXPECT_EQ(exit_errors_[7],
            "asks for 2 GPUs; this machine has 0 (CUDA_VISIBLE_DEVICES unset, no NVIDIA device); "
            "run it on a cluster (--cluster slurm) or lower WorkOptions::compute");
  v1::LaunchWorkRequest bad = request(8, "root.bad", Compute());
  bad.set_compute_json(R"({"gpus": "many"})");
  launcher_->launch(bad);
  pump();
  EXPECT_EQ(exit_errors_[8].rfind("its compute request is unreadable: ", 0), 0u) << exit_errors_[8];
}

}  // namespace
}  // namespace lightning::cluster
