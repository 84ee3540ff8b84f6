// Common mistakes, next to the right way. Only the right way runs; the wrong
// ones compile (that is what makes them easy to miss) but are never called.
//   lightning-run docs/examples/mistakes_app.cpp
#include <lightning/lightning.hpp>

#include <iostream>
#include <stdexcept>

using lightning::Json;
using lightning::State;

struct Trainer : lightning::Work {
  State<int> epoch{this, "epoch", 0};
  State<int> best_epoch{this, "best_epoch", 0};

  void run(const Json& args) override {
    for (int e = 1; e <= args.at("epochs").get<int>(); ++e) epoch = e;
    best_epoch = epoch;  // copies the value, like best_epoch = epoch.get()
  }
};

struct Root : lightning::Flow {
  Trainer& trainer = add_work<Trainer>("trainer");

  // Wrong: runs Trainer::run in the controller, on the flow's thread, blocking
  // the event loop, and not in the trainer's process.
  void wrong_direct_run() { trainer.run({{"epochs", 3}}); }

  // Wrong: the blocking call ends run() by throwing lightning::FlowBlocked,
  // which is not a std::exception; catch (...) swallows it and the flow goes
  // on as if the call were done.
  void wrong_catch_all() {
    try {
      trainer.call({{"epochs", 3}});
    } catch (...) {
    }
    std::cout << "epoch " << trainer.epoch << " (probably 0: the call is still running)\n";
  }

  // Right: catch std::exception (FlowBlocked passes through) and use call().
  void run() override {
    try {
      trainer.call({{"epochs", 3}});
    } catch (const std::exception& e) {
      std::cout << "flow code threw: " << e.what() << "\n";
    }
    std::cout << "epoch " << trainer.epoch << ", best " << trainer.best_epoch << std::endl;
    stop();
  }
};

LIGHTNING_APP(Root)
