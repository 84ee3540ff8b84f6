// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// CheckedLauncher and LocalComputeCheck: a launch whose compute request this
// machine cannot hold never reaches the inner launcher, and its exit, with
// the reason, is posted on the loop (never delivered inside launch()).
#include "runtime/checked_launcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_work_launcher.hpp"

namespace lightning::runtime {
namespace {

scheduler::LocalResources two_cpus_no_gpu() {
  scheduler::LocalResources local;
  local.resources.milli_cpus = 2000;
  local.resources.memory_bytes = int64_t{8} << 30;
  local.cpus_source = "sched_getaffinity: 2; cgroup cpu.max: no limit";
  local.memory_source = "/proc/meminfo MemTotal: 8 GiB; cgroup memory.max: no limit";
  local.gpus_source = "CUDA_VISIBLE_DEVICES unset, no NVIDIA device";
  return local;
}

v1::LaunchWorkRequest request(uint64_t id, const Compute& compute) {
  v1::LaunchWorkRequest r;
  r.set_process_id(id);
  r.set_work_path("root.w" + std::to_string(id));
  if (!compute.is_empty()) r.set_compute_json(compute.to_json().dump());
  return r;
}

class CheckedLauncherTest : public ::testing::Test {
 protected:
  CheckedLauncherTest() {
    launcher_.set_events(WorkLauncherInterface::Events{
        [](uint64_t, int) {}, [](uint64_t, std::string_view, bool) {},
        [this](uint64_t id, const ProcessExit& exit) { exits_.push_back({id, exit.error}); }});
  }
  boost::asio::io_context io_;
  testing::FakeClock clock_;
  util::EventLoop loop_{io_, clock_};
  testing::FakeWorkLauncher inner_;
  LocalComputeCheck check_{two_cpus_no_gpu()};
  CheckedLauncher launcher_{inner_, check_, loop_};
  std::vector<std::pair<uint64_t, std::string>> exits_;
};

TEST_F(CheckedLauncherTest, ALaunchThatFitsGoesThrough) {
  launcher_.launch(request(1, Compute().cpus(2).memory_gb(8)));
  launcher_.launch(request(2, Compute()));
  ASSERT_EQ(inner_.launches().size(), 2u);
  launcher_.stop(1, std::chrono::milliseconds(5));
  EXPECT_EQ(inner_.stops_of(1).size(), 1u);
  inner_.exited_with_code(1, 0);  // the inner launcher's events reach the owner
  io_.poll();
  ASSERT_EQ(exits_.size(), 1u);
  EXPECT_EQ(exits_[0].first, 1u);
}

TEST_F(CheckedLauncherTest, ALaunchAskingForMoreThanTheMachineExitsAtOnceWithTheReason) {
  launcher_.launch(request(7, Compute().gpus(2)));
  EXPECT_TRUE(inner_.launches().empty()) << "never reaches the forker";
  EXPECT_TRUE(exits_.empty()) << "not delivered inside launch()";
  launcher_.stop(7, std::chrono::milliseconds(0));
  EXPECT_TRUE(inner_.stops().empty()) << "nothing to stop";
  io_.poll();
  ASSERT_EQ(exits_.size(), 1u);
  EXPECT_EQ(exits_[0].first, 7u);
  EXPECT_EQ(exits_[0].second,
            "asks for 2 GPUs; this machine has 0 (CUDA_VISIBLE_DEVICES unset, no NVIDIA device); "
            "run it on a cluster (--cluster slurm) or lower WorkOptions::compute");
}

TEST_F(CheckedLauncherTest, AnUnreadableComputeRequestIsRefusedSayingSo) {
  v1::LaunchWorkRequest r = request(3, Compute());
  r.set_compute_json("{\"gpus\": \"two\"}");
  launcher_.launch(r);
  io_.poll();
  ASSERT_EQ(exits_.size(), 1u);
  EXPECT_EQ(exits_[0].second,
            "its compute request is unreadable: Compute::from_json: gpus must be an integer");
}

}  // namespace
}  // namespace lightning::runtime
