// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for WorkOptions::compute in a local run (compute_test.cpp):
//   huge   a work asking for 1,000 CPUs: its call fails at once, the app fails
//   fits   a work asking for 1 CPU and 64 MiB: it runs, the app succeeds
#include <lightning/lightning.hpp>
#include <memory>
#include <string>

namespace {

struct Job : lightning::Work {
  lightning::State<bool> ran{this, "ran", false};
  void run(const lightning::Json&) override { ran = true; }
};

struct Root : lightning::Flow {
  explicit Root(const lightning::Compute& compute)
      : job(add_work<Job>("job", lightning::WorkOptions().compute(compute))) {}
  Job& job;
  void run() override {
    if (job.call().has_succeeded()) stop("the job ran");
  }
};

std::unique_ptr<lightning::Flow> choose_root() {
  const auto& args = lightning::app_args();
  const std::string scenario = args.empty() ? "" : args[0];
  if (scenario == "huge") return std::make_unique<Root>(lightning::Compute().cpus(1000));
  if (scenario == "fits") return std::make_unique<Root>(lightning::Compute().cpus(1).memory_mb(64));
  return nullptr;  // run_app reports it and exits 1
}

}  // namespace

int main(int argc, char** argv) { return lightning::run_app(argc, argv, choose_root); }
