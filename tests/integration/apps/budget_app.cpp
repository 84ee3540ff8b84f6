// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for the budget and failure-cause drills (budget_test.cpp): wide
// fan-outs under a small open-files limit, a work whose process never
// connects, a work killed from outside, and a work that prints and then fails.
// Usage: budget_app [flags] -- <scenario> [args...]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "app_support.hpp"

namespace {

using integ_app::arg;
using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

// ------------------------------------------------------------ fan-out

/// result = 2 * x.
struct Doubler : Work {
  State<int> result{this, "result", 0};
  void run(const Json& args) override { result = 2 * args.at("x").get<int>(); }
};

/// `fan_out <n>`: n parallel works, each called once; stops when all have
/// succeeded, fails at the first failure. Records how many succeeded and the
/// first status it saw waiting for file descriptors (the reason must be visible).
struct FanOutRoot : Flow {
  std::vector<Doubler*> works;
  State<int> succeeded{this, "succeeded", 0};
  State<Json> waiting_seen{this, "waiting_seen", Json()};

  FanOutRoot() {
    const int n = std::stoi(arg(1));
    for (int i = 0; i < n; ++i) {
      works.push_back(&add_work<Doubler>("w" + std::to_string(i), WorkOptions().parallel(true)));
    }
  }

  void run() override {
    int done = 0;
    for (size_t i = 0; i < works.size(); ++i) {
      const auto s = works[i]->call({{"x", static_cast<int>(i)}});
      if (s.has_failed()) return fail(works[i]->name() + " failed: " + s.message);
      if (s.reason == lightning::reason::kWaitingForResources && waiting_seen->is_null() &&
          s.message.find("file descriptors") != std::string::npos) {
        waiting_seen = s.to_json();
      }
      if (s.has_succeeded() && works[i]->result.get() == 2 * static_cast<int>(i)) ++done;
    }
    if (done != succeeded.get()) succeeded = done;
    if (done == static_cast<int>(works.size())) stop("all " + std::to_string(done) + " succeeded");
  }
};

// ------------------------------------------------------------ never connects

/// Its process blocks in the constructor (before it can say Hello) when
/// BLOCK_BEFORE_HELLO is set, as WorkOptions::env sets it in the work's
/// process only (the controller's copy is built without it).
struct NeverConnects : Work {
  NeverConnects() {
    if (std::getenv("BLOCK_BEFORE_HELLO") != nullptr) {
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  void run(const Json&) override {}
};

/// `never_connects [own_ms]`: calls a work that never connects; the app
/// fails (raise_exception). With own_ms, the work's own start_timeout is set.
struct NeverConnectsRoot : Flow {
  NeverConnects& stuck = add_work<NeverConnects>("stuck", options());
  static WorkOptions options() {
    WorkOptions o = WorkOptions().env({{"BLOCK_BEFORE_HELLO", "1"}});
    if (!arg(1).empty()) o.start_timeout(std::chrono::milliseconds(std::stoi(arg(1))));
    return o;
  }
  void run() override { stuck.call(); }
};

// ------------------------------------------------------------ killed from outside

/// Prints "pid=P" and stays in its call for 30 s (the test kills it).
struct Waiter : Work {
  void run(const Json&) override {
    std::cout << "pid=" << getpid() << std::endl;
    std::this_thread::sleep_for(std::chrono::seconds(30));
  }
};

/// `killed`: records the victim's final status and stops.
struct KilledRoot : Flow {
  Waiter& victim = add_work<Waiter>("victim", WorkOptions().parallel(true).raise_exception(false));
  State<Json> seen{this, "seen", Json()};
  void run() override {
    const auto s = victim.call();
    if (s.is_done()) {
      seen = s.to_json();
      stop("victim done");
    }
  }
};

// ------------------------------------------------------------ output before failure

/// Prints `lines` numbered lines on stdout, then exits with code 3.
struct Talker : Work {
  void run(const Json& args) override {
    for (int i = 1; i <= args.at("lines").get<int>(); ++i) std::cout << "line " << i << "\n";
    std::cout.flush();
    std::exit(3);
  }
};

/// `talk_then_fail <lines>`: the app fails with the work.
struct TalkRoot : Flow {
  Talker& talker = add_work<Talker>("talker");
  void run() override { talker.call({{"lines", std::stoi(arg(1))}}); }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"fan_out", integ_app::scenario<FanOutRoot>()},
                                  {"never_connects", integ_app::scenario<NeverConnectsRoot>()},
                                  {"killed", integ_app::scenario<KilledRoot>()},
                                  {"talk_then_fail", integ_app::scenario<TalkRoot>()}});
}
