// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app with its own main(): run_app() chooses the root flow from the
// first app argument (choosing the root at run time), one scenario each:
//   stalled        keeps its progress in a plain member: one call, then nothing
//                  can run the flow again (the controller warns; --idle-timeout fails it)
//   polling        polls with schedule_in() for ~1.5 s, then stops: never stalled
//   stop_then_set  run() calls stop(), then sets a State field (which must not happen)
//   fail_then_set  the same with fail()
//   configured     the flow's constructor sets a work's State field; the work sees it
//   steered        waits for `go`, a field writable over the HTTP API: an operator's
//                  input, so never stalled; stops once it is set
#include <chrono>
#include <cstdio>
#include <lightning/lightning.hpp>
#include <memory>
#include <string>

namespace {

struct Step : lightning::Work {
  void run(const lightning::Json&) override {}
};

/// Configured through a State field, not through its constructor.
struct Scaler : lightning::Work {
  lightning::State<int> factor{this, "factor", 1};
  lightning::State<int> result{this, "result", 0};
  void run(const lightning::Json& args) override { result = factor * args.at("x").get<int>(); }
};

struct Configured : lightning::Flow {
  Scaler& scaler = add_work<Scaler>("scaler");
  Configured() { scaler.factor = 3; }  // reaches the work's process before its first call
  void run() override {
    if (scaler.call({{"x", 2}}).has_succeeded()) stop("scaled");
  }
};

/// Ported from Python as is: progress in a plain member, so after the first
/// call succeeds nothing changes in State and the flow never runs again.
struct Stalled : lightning::Flow {
  Step& step = add_work<Step>("step");
  int done_steps = 0;  // the bug: a plain member, not a State field
  void run() override {
    if (done_steps >= 3) {
      stop("all steps done");
    }
    if (step.call({{"step", done_steps}}).has_succeeded()) ++done_steps;
  }
};

/// Waits for something outside the app the right way: schedule_in().
struct Polling : lightning::Flow {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  void run() override {
    if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(1500)) {
      stop("polled long enough");
    }
    schedule_in(std::chrono::milliseconds(100));
  }
};

/// stop() or fail() ends run(): the assignment after it never happens.
struct EndThenSet : lightning::Flow {
  explicit EndThenSet(bool failing) : failing(failing) {}
  bool failing;
  lightning::State<int> after_end{this, "after_end", 0};
  lightning::State<int> before_end{this, "before_end", 0};
  void run() override {
    before_end = 1;
    if (failing) {
      fail("failed on purpose");
    } else {
      stop("stopped on purpose");
    }
    after_end = 1;
  }
};

/// Steered from outside: POST /api/v1/state sets `go`. Nothing inside the app
/// can run the flow again, and that is waiting, not a stall.
struct Steered : lightning::Flow {
  lightning::State<bool> go{this, "go", false, lightning::External::kWritable};
  void run() override {
    if (go) stop("steered over the HTTP API");
  }
};

std::unique_ptr<lightning::Flow> choose_root() {
  const auto& args = lightning::app_args();
  const std::string scenario = args.empty() ? "" : args[0];
  if (scenario == "stalled") return std::make_unique<Stalled>();
  if (scenario == "polling") return std::make_unique<Polling>();
  if (scenario == "stop_then_set") return std::make_unique<EndThenSet>(false);
  if (scenario == "fail_then_set") return std::make_unique<EndThenSet>(true);
  if (scenario == "configured") return std::make_unique<Configured>();
  if (scenario == "steered") return std::make_unique<Steered>();
  return nullptr;  // run_app reports it and exits 1
}

}  // namespace

int main(int argc, char** argv) { return lightning::run_app(argc, argv, choose_root); }
