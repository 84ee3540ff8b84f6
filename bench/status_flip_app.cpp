// Benchmark app for the dashboard's latency (bench/dashboard_latency.mjs): the
// flow calls one work N times in a row (-- N, default 50); each call takes
// 20 ms, so every call's status goes pending -> running -> succeeded where a
// browser can see it. Runs until stopped.
#include <chrono>
#include <lightning/lightning.hpp>
#include <string>
#include <thread>

struct Step : lightning::Work {
  void run(const lightning::Json&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
};

struct Root : lightning::Flow {
  Step& step = add_work<Step>("step", lightning::WorkOptions().parallel(true));
  lightning::State<int> done{this, "done", 0};
  void run() override {
    const auto& args = lightning::app_args();
    const int calls = args.empty() ? 50 : std::stoi(args[0]);
    while (done < calls) {
      if (!step.call({{"i", done.get()}}).has_succeeded()) return;
      done = done + 1;
    }
  }
};

LIGHTNING_APP(Root)
