// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/gpu_detect.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

namespace lightning::node {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::vector<NodeGpu> four_gpus() {
  std::vector<NodeGpu> gpus;
  for (int i = 0; i < 4; ++i) {
    gpus.push_back(NodeGpu{i, "NVIDIA H100 80GB HBM3", int64_t{80} << 30,
                           "GPU-" + std::to_string(i) + "aaaaaaa-bbbb"});
  }
  return gpus;
}

GpuProbe probe(std::map<std::string, std::string> vars, bool with_nvml) {
  GpuProbe p;
  p.getenv = fake_env(std::move(vars));
  if (with_nvml) {
    p.nvml = [] { return Result<std::vector<NodeGpu>>(four_gpus()); };
  } else {
    p.nvml = [] { return Result<std::vector<NodeGpu>>(Unavailable("NVML not loaded: no lib")); };
  }
  return p;
}

std::vector<int> indices(const std::vector<NodeGpu>& gpus) {
  std::vector<int> out;
  for (const NodeGpu& g : gpus) out.push_back(g.index);
  return out;
}

TEST(GpuDetectTest, NvmlReportsEveryGpuWithModelAndMemoryWhenNothingFilters) {
  GpuDetection d = detect_gpus(probe({}, true));
  EXPECT_EQ(d.detected_by, "nvml");
  ASSERT_EQ(d.gpus.size(), 4u);
  EXPECT_EQ(d.gpus[2].model, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(d.gpus[2].memory_bytes, int64_t{80} << 30);
}

TEST(GpuDetectTest, CudaVisibleDevicesKeepsThePhysicalIndicesItNames) {
  GpuDetection d = detect_gpus(probe({{"CUDA_VISIBLE_DEVICES", "3,1"}}, true));
  EXPECT_EQ(d.detected_by, "nvml");
  EXPECT_EQ(indices(d.gpus), (std::vector<int>{3, 1}));
  EXPECT_EQ(d.gpus[0].uuid, "GPU-3aaaaaaa-bbbb");
}

TEST(GpuDetectTest, CudaVisibleDevicesByUuidOrUniquePrefix) {
  GpuDetection d = detect_gpus(probe({{"CUDA_VISIBLE_DEVICES", "GPU-2aaaaaaa-bbbb,GPU-0"}}, true));
  EXPECT_EQ(indices(d.gpus), (std::vector<int>{2, 0}));
  // "GPU-" alone matches all four: not unique, so nothing.
  EXPECT_TRUE(filter_visible(four_gpus(), {"GPU-"}).empty());
  EXPECT_TRUE(filter_visible(four_gpus(), {"MIG-1234", "7"}).empty());
}

TEST(GpuDetectTest, EmptyOrNoneCudaVisibleDevicesHidesEveryGpu) {
  EXPECT_TRUE(detect_gpus(probe({{"CUDA_VISIBLE_DEVICES", ""}}, true)).gpus.empty());
  EXPECT_TRUE(detect_gpus(probe({{"CUDA_VISIBLE_DEVICES", "none"}}, true)).gpus.empty());
  EXPECT_EQ(detect_gpus(probe({{"CUDA_VISIBLE_DEVICES", "all"}}, true)).gpus.size(), 4u);
}

TEST(GpuDetectTest, WithoutNvmlTheVariablesGiveBareIndicesInOrderOfPreference) {
  GpuDetection a = detect_gpus(
      probe({{"CUDA_VISIBLE_DEVICES", "0,1"}, {"SLURM_STEP_GPUS", "4,5"}, {"SLURM_JOB_GPUS", "6"}},
            false));
  EXPECT_EQ(a.detected_by, "CUDA_VISIBLE_DEVICES");
  EXPECT_EQ(indices(a.gpus), (std::vector<int>{0, 1}));
  EXPECT_EQ(a.gpus[0].model, "");
  EXPECT_NE(a.note.find("NVML not loaded"), std::string::npos);

  GpuDetection b = detect_gpus(probe({{"SLURM_STEP_GPUS", "4,5"}, {"SLURM_JOB_GPUS", "6"}}, false));
  EXPECT_EQ(b.detected_by, "SLURM_STEP_GPUS");
  EXPECT_EQ(indices(b.gpus), (std::vector<int>{4, 5}));

  GpuDetection c = detect_gpus(probe({{"SLURM_JOB_GPUS", "6"}}, false));
  EXPECT_EQ(c.detected_by, "SLURM_JOB_GPUS");
  EXPECT_EQ(indices(c.gpus), (std::vector<int>{6}));
}

TEST(GpuDetectTest, WithoutNvmlUuidsInCudaVisibleDevicesFallThroughToSlurm) {
  GpuDetection d =
      detect_gpus(probe({{"CUDA_VISIBLE_DEVICES", "GPU-abc"}, {"SLURM_JOB_GPUS", "2"}}, false));
  EXPECT_EQ(d.detected_by, "SLURM_JOB_GPUS");
  EXPECT_EQ(indices(d.gpus), (std::vector<int>{2}));
  EXPECT_NE(d.note.find("not a list of indices"), std::string::npos);
}

TEST(GpuDetectTest, NothingAtAllMeansNoGpus) {
  GpuDetection d = detect_gpus(probe({}, false));
  EXPECT_EQ(d.detected_by, "none");
  EXPECT_TRUE(d.gpus.empty());
}

TEST(GpuDetectTest, GpusFlagDeclaresFakeGpusOrNone) {
  Result<GpuDetection> four = gpus_from_flag("0,1,2,3");
  ASSERT_TRUE(four.ok()) << four.status().message();
  EXPECT_EQ(four->detected_by, "--gpus");
  EXPECT_EQ(indices(four->gpus), (std::vector<int>{0, 1, 2, 3}));
  Result<GpuDetection> none = gpus_from_flag("none");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->gpus.empty());
}

TEST(GpuDetectTest, GpusFlagRefusesWhatIsNotAListOfIndices) {
  for (const char* bad : {"0,,1", "-1", "a", "0,0", "1024", "0;1", "GPU-x"}) {
    Result<GpuDetection> r = gpus_from_flag(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_NE(r.status().message().find("--gpus"), std::string::npos) << bad;
  }
}

TEST(GpuDetectTest, ParseGpuIndices) {
  EXPECT_EQ(parse_gpu_indices(" 0, 2 ,3"), (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(parse_gpu_indices(""), std::vector<int>{});
  EXPECT_FALSE(parse_gpu_indices("0,"));
  EXPECT_FALSE(parse_gpu_indices("all"));
  EXPECT_FALSE(parse_gpu_indices("99999"));
}

// The dlopen path against a fake libnvidia-ml (tests/fakes/fake_nvml.cpp),
// so that it is exercised where there is no GPU.
TEST(GpuDetectTest, QueryNvmlReadsEveryDeviceThroughTheLibrary) {
  Result<std::vector<NodeGpu>> gpus = query_nvml(LIGHTNING_FAKE_NVML);
  ASSERT_TRUE(gpus.ok()) << gpus.status().message();
  ASSERT_EQ(gpus->size(), 2u);
  EXPECT_EQ((*gpus)[1].index, 1);
  EXPECT_EQ((*gpus)[1].model, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ((*gpus)[1].memory_bytes, 85520809984);
  EXPECT_EQ((*gpus)[1].uuid, "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
}

TEST(GpuDetectTest, QueryNvmlSaysWhyWhenTheDriverOrLibraryIsMissing) {
  Result<std::vector<NodeGpu>> none = query_nvml("/nonexistent/libnvidia-ml.so.1");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("NVML not loaded"), std::string::npos);
  setenv("FAKE_NVML_FAIL_INIT", "1", 1);
  Result<std::vector<NodeGpu>> no_driver = query_nvml(LIGHTNING_FAKE_NVML);
  unsetenv("FAKE_NVML_FAIL_INIT");
  ASSERT_FALSE(no_driver.ok());
  EXPECT_NE(no_driver.status().message().find("nvmlInit_v2 failed: Driver Not Loaded"),
            std::string::npos)
      << no_driver.status().message();
}

TEST(GpuDetectTest, QueryNvmlLeavesOutADeviceItMayNotUse) {
  setenv("FAKE_NVML_HIDE_1", "1", 1);
  Result<std::vector<NodeGpu>> gpus = query_nvml(LIGHTNING_FAKE_NVML);
  unsetenv("FAKE_NVML_HIDE_1");
  ASSERT_TRUE(gpus.ok());
  ASSERT_EQ(gpus->size(), 1u);
  EXPECT_EQ((*gpus)[0].index, 0);
}

// The real thing: needs an NVIDIA driver (issue 11 point 8).
TEST(GpuDetectTest, NvmlFindsTheMachinesGpus_CUDA) {
  Result<std::vector<NodeGpu>> gpus = query_nvml();
  if (!gpus.ok()) GTEST_SKIP() << "no NVIDIA GPU or driver here: " << gpus.status().message();
  if (gpus->empty()) GTEST_SKIP() << "NVML loaded but reports no GPU";
  for (const NodeGpu& g : *gpus) {
    EXPECT_FALSE(g.model.empty()) << "GPU " << g.index;
    EXPECT_GT(g.memory_bytes, 0) << "GPU " << g.index;
    EXPECT_EQ(g.uuid.rfind("GPU-", 0), 0u) << g.uuid;
    std::printf("GPU %d: %s, %lld MiB, %s\n", g.index, g.model.c_str(),
                static_cast<long long>(g.memory_bytes >> 20), g.uuid.c_str());  // NOLINT
  }
  GpuDetection d = detect_gpus();
  EXPECT_EQ(d.detected_by, "nvml");
}

}  // namespace
}  // namespace lightning::node
