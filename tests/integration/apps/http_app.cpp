// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for the HTTP API (http_api_test.cpp). Runs until it is stopped
// (over HTTP, or by a signal). Usage: http_app [flags] -- <scenario>
//   idle:   a root field `greeting`, no works: the state does not change.
//   ticker: work `ticker` adds one to its `count` every 5 ms, for ever.
//   flood:  work `flood` replaces its 16 KiB `blob` every 2 ms (8 MB/s), for ever: more than
//           a reader that takes nothing can buffer, less than a reader that reads can take.
#include <chrono>
#include <string>
#include <thread>

#include "app_support.hpp"

namespace {

using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

struct Idle : Flow {
  State<std::string> greeting{this, "greeting", "hello"};
  void run() override {}
};

struct Ticker : Work {
  State<int> count{this, "count", 0};
  void run(const Json&) override {
    for (;;) {
      count = count.get() + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
};

struct TickerRoot : Flow {
  Ticker& ticker = add_work<Ticker>("ticker", WorkOptions().parallel(true));
  void run() override { ticker.call(); }
};

struct Flood : Work {
  State<std::string> blob{this, "blob", ""};
  void run(const Json&) override {
    for (int i = 0;; ++i) {
      blob = std::string(16 * 1024, static_cast<char>('a' + i % 26));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
};

struct FloodRoot : Flow {
  Flood& flood = add_work<Flood>("flood", WorkOptions().parallel(true));
  void run() override { flood.call(); }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"idle", integ_app::scenario<Idle>()},
                                  {"ticker", integ_app::scenario<TickerRoot>()},
                                  {"flood", integ_app::scenario<FloodRoot>()}});
}
