// The smallest complete app: a flow calls a work that counts in its own process.
//   lightning-run examples/hello_counter.cpp
#include <lightning/lightning.hpp>

#include <iostream>

struct Counter : lightning::Work {
  lightning::State<int> count{this, "count", 0};
  void run(const lightning::Json& args) override {
    for (int i = 0; i < args.at("n").get<int>(); ++i) count = count + 1;
    std::cout << "counted to " << count << std::endl;
  }
};

struct Root : lightning::Flow {
  Counter& counter = add_work<Counter>("counter", lightning::WorkOptions().parallel(true));
  lightning::State<bool> done{this, "done", false};
  void run() override {
    if (counter.call({{"n", 10}}).has_succeeded()) {
      std::cout << "the flow sees count = " << counter.count << std::endl;
      done = true;
      stop();
    }
  }
};

LIGHTNING_APP(Root)
