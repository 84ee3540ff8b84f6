// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/compute.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace lightning {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(ComputeTest, TheFluentFormKeepsUnitsCpusInMillicoresAndMemoryInBytes) {
  const Compute c = Compute().gpus(1).cpus(4).memory_gb(16).accelerator("H100");
  EXPECT_EQ(c.gpus(), 1);
  EXPECT_EQ(c.milli_cpus(), 4000);
  EXPECT_DOUBLE_EQ(c.cpus(), 4.0);
  EXPECT_EQ(c.memory_bytes(), int64_t{16} << 30);
  EXPECT_EQ(c.accelerator(), "H100");
  EXPECT_EQ(Compute().cpus(0.25).milli_cpus(), 250);
  EXPECT_EQ(Compute().memory_mb(512).memory_bytes(), int64_t{512} << 20);
  EXPECT_EQ(c.describe(), "1 GPU (H100), 4 CPUs, 16 GiB");
  EXPECT_EQ(Compute().describe(), "nothing");
}

TEST(ComputeTest, NothingAskedIsEmptyAndChargesOneCpu) {
  EXPECT_TRUE(Compute().is_empty());
  EXPECT_EQ(Compute().charged_milli_cpus(), 1000);
  EXPECT_EQ(Compute().cpus(0.5).charged_milli_cpus(), 500);
  EXPECT_EQ(Compute().accelerator("A100").gpus(), 1) << "an accelerator alone asks for one GPU";
}

TEST(ComputeTest, PresetsHaveTheDocumentedSizes) {
  EXPECT_EQ(Compute::preset("cpu-small"), Compute().cpus(1).memory_gb(2));
  EXPECT_EQ(Compute::cpu_large(), Compute().cpus(8).memory_gb(32));
  EXPECT_EQ(Compute::gpu(), Compute().gpus(1).cpus(4).memory_gb(16));
  EXPECT_EQ(Compute::gpu_multi(), Compute().gpus(4).cpus(16).memory_gb(64));
  EXPECT_EQ(error_of([] { Compute::preset("gpu-huge"); }),
            "Compute::preset(\"gpu-huge\"): no such preset; known presets: cpu-small, cpu-large, "
            "gpu, gpu-multi");
}

TEST(ComputeTest, BadValuesThrowNamingTheAllowedRange) {
  EXPECT_EQ(error_of([] { Compute().gpus(-1); }),
            "Compute::gpus(-1): must be >= 0 (0 = none) and at most 1024");
  EXPECT_EQ(error_of([] { Compute().cpus(0.0001); }),
            "Compute::cpus(0.0001): must be 0 (not given) or from 0.001 (one millicore) to 100000 "
            "logical CPUs");
  EXPECT_NE(error_of([] { Compute().cpus(std::nan("")); }).find("must be 0"), std::string::npos);
  EXPECT_NE(error_of([] { Compute().memory_gb(-2); }).find("at most 1.04858e+06 GiB (1 PiB)"),
            std::string::npos);
  EXPECT_NE(error_of([] { Compute().accelerator("H100;rm -rf"); }).find("at most 64 characters"),
            std::string::npos);
}

TEST(ComputeTest, JsonRoundTripsAndRefusesUnknownOrBadFields) {
  const Compute c = Compute().gpus(2).cpus(1.5).memory_mb(300).accelerator("A100");
  EXPECT_EQ(c.to_json(), (Json{{"cpus", 1.5},
                               {"memory_bytes", int64_t{300} << 20},
                               {"gpus", 2},
                               {"accelerator", "A100"}}));
  EXPECT_EQ(Compute::from_json(c.to_json()), c);
  EXPECT_EQ(Compute::from_json(Json::object()), Compute());
  EXPECT_EQ(
      error_of([] {
        Compute::from_json(Json{{"gpu", 1}});
      }),
      "Compute::from_json: unknown field 'gpu'; known: cpus, memory_bytes, gpus, accelerator");
  EXPECT_EQ(error_of([] {
              Compute::from_json(Json{{"gpus", "1"}});
            }),
            "Compute::from_json: gpus must be an integer");
  EXPECT_NE(error_of([] {
              Compute::from_json(Json{{"gpus", 5000000000LL}});
            }).find("at most 1024"),
            std::string::npos);
  EXPECT_NE(error_of([] { Compute::from_json(Json::array()); }).find("expected an object"),
            std::string::npos);
}

}  // namespace
}  // namespace lightning
