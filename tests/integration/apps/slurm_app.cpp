// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for `--cluster slurm` (slurm_app_test.cpp): two works asking for
// one GPU each run at once on the allocation's lightning-worker; each records
// the CUDA_VISIBLE_DEVICES, SLURM_JOB_ID and SLURMD_NODENAME it saw. The app
// stops once both have succeeded.
// With the app argument `preempt`: one work, `trainer` (no retries), whose
// first attempt writes <run dir>/trainer.running and runs until it is told to
// stop (the test sends the job's steps SIGTERM, as Slurm does before the time
// limit or on pre-emption); each attempt records the Slurm job it ran in. The
// app stops once the trainer has succeeded.
// With `misfit`: one work asking for 8 GPUs, more than any node of the
// allocation has: it must fail once the allocation's workers have joined.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
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

struct Trainer : lightning::Work {
  lightning::State<int> attempts{this, "attempts", 0};
  lightning::State<std::string> jobs{this, "jobs", ""};
  void run(const lightning::Json&) override {
    attempts = attempts.get() + 1;
    jobs = jobs.get() + (jobs.get().empty() ? "" : ",") + env_or_empty("SLURM_JOB_ID");
    const std::string running = lightning::run_dir() + "/trainer.running";
    if (std::ifstream(running).good()) return;  // the attempt after the requeue
    std::ofstream(running) << env_or_empty("SLURM_JOB_ID") << "\n";
    while (!lightning::stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // Stopped by its node's drain: a checkpoint would be saved here.
  }
};

struct PreemptRoot : lightning::Flow {
  Trainer& trainer = add_work<Trainer>("trainer");  // no retries: a failure would end the app
  void run() override {
    if (trainer.call().has_succeeded()) stop("the trainer succeeded");
  }
};

struct MisfitRoot : lightning::Flow {
  GpuWork& huge = add_work<GpuWork>(
      "huge", lightning::WorkOptions().parallel(true).compute(lightning::Compute().gpus(8)));
  void run() override { huge.call(); }
};

}  // namespace

// `-- preempt` runs PreemptRoot, `-- misfit` MisfitRoot; no argument, Root.
int main(int argc, char** argv) {
  return lightning::run_app(argc, argv, []() -> std::unique_ptr<lightning::Flow> {
    const auto& args = lightning::app_args();
    if (!args.empty() && args[0] == "preempt") return std::make_unique<PreemptRoot>();
    if (!args.empty() && args[0] == "misfit") return std::make_unique<MisfitRoot>();
    return std::make_unique<Root>();
  });
}
