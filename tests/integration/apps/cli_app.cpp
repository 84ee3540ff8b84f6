// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for the `lightning` CLI and the live works table (cli_test.cpp).
// Usage: cli_app [flags] -- <scenario>
//   forever: work `printer` prints "tick N" and sets its `count` every 20 ms, for
//            ever; work `quick` succeeds at once. Runs until stopped.
//   short:   work `printer` prints "line 1" .. "line 5" 20 ms apart and
//            succeeds; then the app stops.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "app_support.hpp"

namespace {

using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

struct Forever : Work {
  State<int> count{this, "count", 0};
  void run(const Json&) override {
    for (int i = 1;; ++i) {
      count = i;
      std::printf("tick %d\n", i);
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
};

struct Quick : Work {
  void run(const Json&) override {}
};

struct ForeverRoot : Flow {
  Forever& printer = add_work<Forever>("printer", WorkOptions().parallel(true));
  Quick& quick = add_work<Quick>("quick", WorkOptions().parallel(true));
  void run() override {
    printer.call();
    quick.call();
  }
};

struct Lines : Work {
  void run(const Json&) override {
    for (int i = 1; i <= 5; ++i) {
      std::printf("line %d\n", i);
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
};

struct ShortRoot : Flow {
  Lines& printer = add_work<Lines>("printer");
  void run() override {
    if (printer.call().has_succeeded()) stop("printed");
  }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"forever", integ_app::scenario<ForeverRoot>()},
                                  {"short", integ_app::scenario<ShortRoot>()}});
}
