// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app: how work calls behave (caching, blocking vs parallel, state sync,
// works created inside run()). Usage: calls_app [flags] -- <scenario>.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>
#include <vector>

#include "app_support.hpp"

namespace {

using integ_app::monotonic_ns;
using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

// ------------------------------------------------------------------ cache

/// Counts how often its body ran (the process stays up between calls).
struct CountingWork : Work {
  State<int> runs{this, "runs", 0};
  void run(const Json&) override { runs = runs + 1; }
};

/// Calls two works with the same args in three rounds; a round ends when the
/// flow has seen both calls done. The rounds are separate Flow::run()s.
struct CacheRoot : Flow {
  CountingWork& cached = add_work<CountingWork>("cached");
  CountingWork& uncached = add_work<CountingWork>("uncached", WorkOptions().cache_calls(false));
  State<int> rounds{this, "rounds", 0};
  State<std::vector<uint64_t>> cached_call_ids{this, "cached_call_ids", {}};
  State<std::vector<uint64_t>> uncached_call_ids{this, "uncached_call_ids", {}};

  void run() override {
    const auto a = cached.call({{"x", 1}});
    const auto b = uncached.call({{"x", 1}});
    // Both works are blocking: here both calls are done.
    cached_call_ids.update([&](auto& v) { v.push_back(a.call_id); });
    uncached_call_ids.update([&](auto& v) { v.push_back(b.call_id); });
    rounds = rounds + 1;  // a state change: the controller runs the flow again
    if (rounds == 3) stop();
  }
};

// ------------------------------------------------------------------ blocking

/// Records when its body started and finished (CLOCK_MONOTONIC).
struct StampWork : Work {
  State<int64_t> started_ns{this, "started_ns", 0};
  State<int64_t> finished_ns{this, "finished_ns", 0};
  State<bool> finished{this, "finished", false};
  void run(const Json&) override {
    started_ns = monotonic_ns();
    finished = true;
    finished_ns = monotonic_ns();
  }
};

struct BlockingRoot : Flow {
  StampWork& first = add_work<StampWork>("first");
  StampWork& second = add_work<StampWork>("second");
  // What the code right after each call() saw, the first time it ran.
  State<std::string> stage_after_first{this, "stage_after_first", ""};
  State<bool> first_finished_after_first{this, "first_finished_after_first", false};
  State<std::string> stage_after_second{this, "stage_after_second", ""};
  State<int> runs{this, "runs", 0};
  State<int> runs_past_second{this, "runs_past_second", 0};
  int runs_ = 0;  // not State: counting every run in State would itself cause runs

  void run() override {
    ++runs_;
    const auto a = first.call();
    if (stage_after_first.get().empty()) {
      stage_after_first = std::string(lightning::to_string(a.stage));
      first_finished_after_first = first.finished.get();
    }
    const auto b = second.call();
    if (stage_after_second.get().empty()) {
      stage_after_second = std::string(lightning::to_string(b.stage));
    }
    runs_past_second = runs_past_second + 1;
    runs = runs_;
    stop();
  }
};

// ------------------------------------------------------------------ parallel

/// Finishes only once the file named in args["go"] exists (which the flow
/// creates from code after call()); fails after 10 s without it.
struct GateWork : Work {
  State<bool> saw_go{this, "saw_go", false};
  void run(const Json& args) override {
    const std::string go = args.at("go").get<std::string>();
    if (!integ_app::wait_for_file(go, std::chrono::seconds(10))) {
      throw std::runtime_error("the flow never created " + go);
    }
    saw_go = true;
  }
};

struct ParallelRoot : Flow {
  GateWork& gate = add_work<GateWork>("gate", WorkOptions().parallel(true));
  State<std::vector<std::string>> stages_after_call{this, "stages_after_call", {}};
  State<bool> go_written{this, "go_written", false};

  void run() override {
    const std::string go = lightning::run_dir() + "/go";
    const auto st = gate.call({{"go", go}});
    const std::string stage(lightning::to_string(st.stage));
    if (stages_after_call->empty() || stages_after_call->back() != stage) {
      stages_after_call.update([&](auto& v) { v.push_back(stage); });
    }
    if (st.is_running() && !go_written) {
      integ_app::write_file(go, "go");
      go_written = true;
    }
    if (st.is_done()) stop();
  }
};

// ------------------------------------------------------------------ state sync

struct Config {
  std::string name;
  double scale = 1.0;
  std::vector<std::string> tags;
  bool operator==(const Config& o) const {
    return name == o.name && scale == o.scale && tags == o.tags;
  }
};
void to_json(Json& j, const Config& c) {
  j = Json{{"name", c.name}, {"scale", c.scale}, {"tags", c.tags}};
}
void from_json(const Json& j, Config& c) {
  j.at("name").get_to(c.name);
  j.at("scale").get_to(c.scale);
  j.at("tags").get_to(c.tags);
}

/// Reads the fields the flow set and writes derived values back.
struct EchoWork : Work {
  State<int> input{this, "input", 0};
  State<int> output{this, "output", 0};
  State<std::vector<int>> values{this, "values", {}};
  State<std::vector<int>> doubled{this, "doubled", {}};
  State<Config> config{this, "config", {}};
  State<Config> derived{this, "derived", {}};
  State<std::vector<std::string>> inputs_seen{this, "inputs_seen", {}};

  void run(const Json& args) override {
    inputs_seen.update([&](auto& v) {
      v.push_back("round " + std::to_string(args.at("round").get<int>()) +
                  ": input=" + std::to_string(input.get()));
    });
    output = input * 2;
    std::vector<int> d;
    for (int v : values.get()) d.push_back(2 * v);
    doubled = d;
    Config c = config.get();
    std::transform(c.name.begin(), c.name.end(), c.name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    c.scale *= 10;
    std::reverse(c.tags.begin(), c.tags.end());
    derived = c;
  }
};

/// Round 1: fields set before the work's process exists (they travel in the
/// Welcome). Round 2: fields changed after it is up (they travel as a delta,
/// applied before the next call).
struct SyncRoot : Flow {
  EchoWork& echo = add_work<EchoWork>("echo");
  State<int> seen_output_1{this, "seen_output_1", 0};
  State<int> seen_output_2{this, "seen_output_2", 0};
  State<std::vector<int>> seen_doubled{this, "seen_doubled", {}};
  State<Config> seen_derived{this, "seen_derived", {}};

  void run() override {
    if (echo.status().call_id == 0) {
      echo.input = 21;
      echo.values = std::vector<int>{1, 2, 3};
      echo.config = Config{"resnet", 0.5, {"a", "b", "c"}};
    }
    echo.call({{"round", 1}});
    if (seen_output_1 == 0) {
      seen_output_1 = echo.output.get();
      echo.input = 50;
      echo.values.update([](auto& v) { v.push_back(4); });
    }
    echo.call({{"round", 2}});
    seen_output_2 = echo.output.get();
    seen_doubled = echo.doubled.get();
    seen_derived = echo.derived.get();
    stop();
  }
};

// ------------------------------------------------------------------ sweep

struct Trial : Work {
  State<int> result{this, "result", -1};
  State<int> pid{this, "pid", 0};
  void run(const Json& args) override {
    pid = static_cast<int>(getpid());
    const int x = args.at("x").get<int>();
    result = x * x + 1;
  }
};

/// Creates its works inside run(): one per point of a sweep.
struct SweepRoot : Flow {
  static constexpr int kTrials = 8;
  State<int> succeeded{this, "succeeded", 0};
  State<int> total{this, "total", 0};
  State<int> works_in_tree{this, "works_in_tree", 0};

  void run() override {
    int done = 0, sum = 0;
    for (int i = 0; i < kTrials; ++i) {
      auto& t = add_work<Trial>("trial_" + std::to_string(i), WorkOptions().parallel(true));
      if (t.call({{"x", i}}).has_succeeded()) {
        ++done;
        sum += t.result;
      }
    }
    succeeded = done;
    works_in_tree = static_cast<int>(works().size());
    if (done == kTrials) {
      total = sum;
      stop();
    }
  }
};

// ------------------------------------------------------------------ burst

/// Assigns a field many times in a tight loop; the changes are coalesced on
/// the way, and the flow must end up with the last value.
struct BurstWork : Work {
  State<int> counter{this, "counter", 0};
  State<std::vector<int>> last_ten{this, "last_ten", {}};
  void run(const Json& args) override {
    const int n = args.at("n").get<int>();
    for (int i = 1; i <= n; ++i) {
      counter = i;
      if (i > n - 10) last_ten.update([&](auto& v) { v.push_back(i); });
    }
  }
};

struct BurstRoot : Flow {
  BurstWork& burst = add_work<BurstWork>("burst");
  State<int> seen_counter{this, "seen_counter", 0};
  State<std::vector<int>> seen_last_ten{this, "seen_last_ten", {}};
  void run() override {
    burst.call({{"n", 100000}});
    seen_counter = burst.counter.get();
    seen_last_ten = burst.last_ten.get();
    stop();
  }
};

// ------------------------------------------------------------------ what a work sees

struct EnvWork : Work {
  State<std::string> run_dir{this, "run_dir", "<unset>"};
  State<std::vector<std::string>> app_args{this, "app_args", {}};
  void run(const Json&) override {
    run_dir = lightning::run_dir();
    app_args = lightning::app_args();
  }
};

struct WorkEnvRoot : Flow {
  EnvWork& env = add_work<EnvWork>("env");
  State<std::string> flow_run_dir{this, "flow_run_dir", ""};
  void run() override {
    flow_run_dir = lightning::run_dir();
    env.call();
    stop();
  }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"cache", integ_app::scenario<CacheRoot>()},
                                  {"blocking", integ_app::scenario<BlockingRoot>()},
                                  {"parallel", integ_app::scenario<ParallelRoot>()},
                                  {"sync", integ_app::scenario<SyncRoot>()},
                                  {"sweep", integ_app::scenario<SweepRoot>()},
                                  {"burst", integ_app::scenario<BurstRoot>()},
                                  {"work_env", integ_app::scenario<WorkEnvRoot>()}});
}
