// A sweep: one work per learning rate, created inside run(), all in parallel.
//   lightning-run docs/examples/sweep_app.cpp -- 0.001 0.01 0.1
#include <lightning/lightning.hpp>

#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

using lightning::Json;
using lightning::State;
using lightning::WorkOptions;

struct Trial : lightning::Work {
  State<double> score{this, "score", 0.0};

  void run(const Json& args) override {
    const double lr = args.at("lr").get<double>();
    score = -std::pow(std::log10(lr) + 2.0, 2.0);  // best at lr = 0.01
  }
};

struct Sweep : lightning::Flow {
  std::vector<double> lrs;
  State<double> best_lr{this, "best_lr", 0.0};

  Sweep() {
    // The root flow is built in the controller after the command line is
    // parsed, so app_args() ("-- ..." on the command line) is ready here.
    for (const auto& a : lightning::app_args()) lrs.push_back(std::stod(a));
    if (lrs.empty()) lrs = {0.0001, 0.001, 0.003, 0.01, 0.03, 0.1};
  }

  void run() override {
    size_t done = 0;
    double best_score = -std::numeric_limits<double>::infinity();
    double best = 0;
    for (size_t i = 0; i < lrs.size(); ++i) {
      // Inside run(), add_work is get-or-create: the first run creates
      // trial_<i>, later runs get the same work back.
      auto& trial = add_work<Trial>("trial_" + std::to_string(i), WorkOptions().parallel(true));
      if (!trial.call({{"lr", lrs[i]}}).has_succeeded()) continue;
      ++done;
      if (trial.score > best_score) {
        best_score = trial.score;
        best = lrs[i];
      }
    }
    if (done < lrs.size()) return;
    best_lr = best;
    std::cout << works().size() << " trials done, best lr " << best << std::endl;
    stop();
  }
};

LIGHTNING_APP(Sweep)
