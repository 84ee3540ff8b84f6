// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for lightning-worker (worker_node_test.cpp): the binary the fake
// controller serves with FetchApp. Its work prints, when it is built in a work
// process, the environment the worker gave it, on stdout and stderr, so the
// test sees both the environment and the worker's output relay. With
// WORKER_APP_IGNORE_SIGTERM set (through LaunchWorkRequest.env) it ignores
// SIGTERM, so only the SIGKILL at the end of a grace period ends it.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <lightning/lightning.hpp>

namespace worker_app {

struct EnvWork : lightning::Work {
  EnvWork() {
    const char* gpus = std::getenv("CUDA_VISIBLE_DEVICES");
    const char* cache = std::getenv("LIGHTNING_CACHE_DIR");
    std::printf("CUDA_VISIBLE_DEVICES=%s\n", gpus != nullptr ? gpus : "(unset)");
    std::printf("LIGHTNING_CACHE_DIR=%s\n", cache != nullptr ? cache : "(unset)");
    std::fflush(stdout);
    std::fprintf(stderr, "env work built\n");
    if (std::getenv("WORKER_APP_IGNORE_SIGTERM") != nullptr) std::signal(SIGTERM, SIG_IGN);
  }
  void run(const lightning::Json&) override {}
};

struct Root : lightning::Flow {
  EnvWork& env = add_work<EnvWork>("env");
  void run() override { stop(); }
};

}  // namespace worker_app

LIGHTNING_APP(worker_app::Root)
