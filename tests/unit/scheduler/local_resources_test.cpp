// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// This machine's resources, read from a fake /proc, /sys/fs/cgroup and /dev
// tree (real files in a temporary directory), and the local fit check.
#include "scheduler/local_resources.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace lightning::scheduler {
namespace {

namespace fs = std::filesystem;

class FakeMachine {
 public:
  FakeMachine() {
    root_ = fs::temp_directory_path() /
            ("sched-local-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(root_ / "proc/self");
    fs::create_directories(root_ / "dev");
  }
  ~FakeMachine() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  LocalProbe probe(std::map<std::string, std::string> env = {}, int cpus = 8) const {
    LocalProbe p;
    p.root = root_.string();
    p.getenv = [env](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    p.affinity_cpus = [cpus] { return cpus; };
    return p;
  }

 private:
  static inline int counter_ = 0;
  fs::path root_;
};

TEST(LocalResourcesTest, CgroupQuotasLowerWhatAffinityAndMeminfoSay) {
  FakeMachine m;
  m.write("proc/meminfo", "MemTotal:       16384000 kB\nMemFree:  100 kB\n");
  m.write("proc/self/cgroup", "0::/app.slice/run\n");
  m.write("sys/fs/cgroup/app.slice/run/cpu.max", "max 100000\n");
  m.write("sys/fs/cgroup/app.slice/cpu.max", "250000 100000\n");
  m.write("sys/fs/cgroup/app.slice/run/memory.max", "4294967296\n");
  m.write("sys/fs/cgroup/app.slice/memory.max", "max\n");
  const LocalResources r = detect_local_resources(m.probe());
  EXPECT_EQ(r.resources.milli_cpus, 2500);
  EXPECT_EQ(r.resources.memory_bytes, int64_t{4} << 30);
  EXPECT_EQ(r.cpus_source, "sched_getaffinity: 8; cgroup cpu.max: 2.5 CPUs");
  EXPECT_TRUE(r.resources.gpus.empty());
  EXPECT_EQ(r.gpus_source, "CUDA_VISIBLE_DEVICES unset, no NVIDIA device");
}

TEST(LocalResourcesTest, WithoutCgroupLimitsTheMachineCounts) {
  FakeMachine m;
  m.write("proc/meminfo", "MemTotal: 1024 kB\n");
  const LocalResources r = detect_local_resources(m.probe({}, 2));
  EXPECT_EQ(r.resources.milli_cpus, 2000);
  EXPECT_EQ(r.resources.memory_bytes, 1024 * 1024);
  EXPECT_EQ(r.cpus_source, "sched_getaffinity: 2; cgroup cpu.max: no limit");
}

TEST(LocalResourcesTest, GpusComeFromCudaVisibleDevicesElseTheDeviceFiles) {
  FakeMachine m;
  m.write("dev/nvidia0", "");
  m.write("dev/nvidia1", "");
  m.write("dev/nvidiactl", "");
  EXPECT_EQ(detect_local_resources(m.probe()).resources.gpus.size(), 2u);
  EXPECT_EQ(detect_local_resources(m.probe()).gpus_source,
            "CUDA_VISIBLE_DEVICES unset, 2 /dev/nvidia<N> device files");
  const auto listed = detect_local_resources(m.probe({{"CUDA_VISIBLE_DEVICES", "3,1"}}));
  ASSERT_EQ(listed.resources.gpus.size(), 2u);
  EXPECT_EQ(listed.resources.gpus[0].index, 3);
  EXPECT_EQ(listed.gpus_source, "CUDA_VISIBLE_DEVICES=3,1");
  EXPECT_TRUE(
      detect_local_resources(m.probe({{"CUDA_VISIBLE_DEVICES", ""}})).resources.gpus.empty());
  EXPECT_EQ(
      detect_local_resources(m.probe({{"NVIDIA_VISIBLE_DEVICES", "all"}})).resources.gpus.size(),
      2u);
}

TEST(LocalResourcesTest, TheParsersReadWhatTheKernelWritesAndRefuseTheRest) {
  EXPECT_EQ(parse_cpu_max("150000 100000\n"), 1500);
  EXPECT_EQ(parse_cpu_max("max 100000"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("1 0"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("garbage"), std::nullopt);
  EXPECT_EQ(parse_memory_max("max\n"), std::nullopt);
  EXPECT_EQ(parse_memory_max("-5"), std::nullopt);
  EXPECT_EQ(parse_meminfo_total("MemFree: 1 kB\nMemTotal: 2 kB\n"), 2048);
  EXPECT_EQ(parse_meminfo_total("MemTotal: 99999999999999999999 kB"), std::nullopt);
  EXPECT_EQ(parse_cgroup_path("0::/a/b\n"), "/a/b");
  EXPECT_EQ(parse_cgroup_path("0::/a/../../etc\n"), std::nullopt);
  EXPECT_EQ(parse_visible_devices("0,1,-1,2"), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(parse_visible_devices("GPU-8f3a,MIG-1"),
            (std::vector<std::string>{"GPU-8f3a", "MIG-1"}));
  EXPECT_EQ(parse_visible_devices("NoDevFiles"), std::vector<std::string>{});
  EXPECT_EQ(parse_visible_devices("all"), std::nullopt);
}

TEST(LocalResourcesTest, AWorkAskingForMoreThanTheMachineGetsAnActionableMessage) {
  LocalResources local;
  local.resources.milli_cpus = 2000;
  local.resources.memory_bytes = int64_t{8} << 30;
  local.cpus_source = "sched_getaffinity: 2; cgroup cpu.max: no limit";
  local.gpus_source = "CUDA_VISIBLE_DEVICES unset, no NVIDIA device";
  local.memory_source = "/proc/meminfo MemTotal: 8 GiB; cgroup memory.max: no limit";
  EXPECT_EQ(local_misfit(Compute().gpus(2), local),
            "asks for 2 GPUs; this machine has 0 (CUDA_VISIBLE_DEVICES unset, no NVIDIA device); "
            "run it on a cluster (--cluster slurm) or lower WorkOptions::compute");
  EXPECT_EQ(local_misfit(Compute().cpus(1000), local),
            "asks for 1000 CPUs; this machine has 2 (sched_getaffinity: 2; cgroup cpu.max: no "
            "limit); run it on a cluster (--cluster slurm) or lower WorkOptions::compute");
  EXPECT_NE(local_misfit(Compute().memory_gb(9), local).find("asks for 9 GiB of memory"),
            std::string::npos);
  EXPECT_EQ(local_misfit(Compute().cpus(2).memory_gb(8), local), "");
  EXPECT_EQ(local_misfit(Compute(), local), "");
}

}  // namespace
}  // namespace lightning::scheduler
