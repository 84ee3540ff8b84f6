// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for `--cluster slurm` (slurm_app_test.cpp): two works asking for
// one GPU each run at once on the allocation's lightning-worker; each records
// the CUDA_VISIBLE_DEVICES, SLURM_JOB_ID and SLURMD_NODENAME it saw. The app
// stops once both have succeeded.
#include <chrono>
#include <cstdlib>
#include <lightning/lightning.hpp>
#include <string>
#include <thread>

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

struct GpuWork : lightning::Work {
  lightning::State<std::string> cvd{this, "cvd", ""};
  lightning::State<std::string> job{this, "job", ""};
  lightning::State<std::string> node{this, "node", ""};
  void run(const lightning::Json&) override {
    cvd = env_or_empty("CUDA_VISIBLE_DEVICES");
    job = env_or_empty("SLURM_JOB_ID");
    node = env_or_empty("SLURMD_NODENAME");
    // Holds its GPU a little, so that the two works overlap.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
};

struct Root : lightning::Flow {
  GpuWork& a = add_work<GpuWork>(
      "a", lightning::WorkOptions().parallel(true).compute(lightning::Compute().gpus(1)));
  GpuWork& b = add_work<GpuWork>(
      "b", lightning::WorkOptions().parallel(true).compute(lightning::Compute().gpus(1)));
  void run() override {
    const bool a_done = a.call().has_succeeded();
    const bool b_done = b.call().has_succeeded();
    if (a_done && b_done) stop("both GPU works ran");
  }
};

}  // namespace

LIGHTNING_APP(Root)
