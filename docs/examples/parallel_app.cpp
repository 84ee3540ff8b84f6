// Two parallel works and a blocking one. Parallel calls return at once; the
// flow watches their progress arrive and then calls the evaluator, which blocks.
//   lightning-run docs/examples/parallel_app.cpp
#include <lightning/lightning.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

using lightning::Json;
using lightning::State;
using lightning::WorkOptions;

struct Trainer : lightning::Work {
  State<int> epoch{this, "epoch", 0};
  State<double> loss{this, "loss", 1.0};

  void run(const Json& args) override {
    const double lr = args.at("lr").get<double>();
    for (int e = 1; e <= args.at("epochs").get<int>(); ++e) {
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      loss = loss * (1.0 - lr);
      epoch = e;
    }
  }
};

struct Evaluator : lightning::Work {
  State<std::string> report{this, "report", ""};

  void run(const Json& args) override {
    report = "best run: " + args.at("best").get<std::string>() + ", loss " +
             std::to_string(args.at("loss").get<double>());
  }
};

struct Root : lightning::Flow {
  Trainer& fast = add_work<Trainer>("fast", WorkOptions().parallel(true));
  Trainer& slow = add_work<Trainer>("slow", WorkOptions().parallel(true));
  Evaluator& evaluator = add_work<Evaluator>("evaluator");  // blocking (the default)
  int last_printed = -1;  // plain member: flow-local bookkeeping, changing it causes no run

  void run() override {
    const auto a = fast.call({{"lr", 0.5}, {"epochs", 3}});
    const auto b = slow.call({{"lr", 0.2}, {"epochs", 6}});
    if (fast.epoch + slow.epoch != last_printed) {
      last_printed = fast.epoch + slow.epoch;
      std::cout << "fast " << lightning::to_string(a.stage) << " epoch " << fast.epoch
                << " | slow " << lightning::to_string(b.stage) << " epoch " << slow.epoch
                << std::endl;
    }
    if (!a.has_succeeded() || !b.has_succeeded()) return;  // runs again on the next change

    const bool fast_wins = fast.loss.get() < slow.loss.get();
    evaluator.call({{"best", fast_wins ? "fast" : "slow"},
                    {"loss", fast_wins ? fast.loss.get() : slow.loss.get()}});
    // Reached only once the evaluator's call succeeded.
    std::cout << evaluator.report.get() << std::endl;
    stop();
  }
};

LIGHTNING_APP(Root)
