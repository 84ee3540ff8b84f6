// A first app: a flow calls one work, reads its state and status, and stops.
//   lightning-run docs/examples/first_app.cpp
#include <lightning/lightning.hpp>

#include <chrono>
#include <iostream>
#include <thread>

// A Work does the work, in its own process. Its State fields travel to the flow.
struct Trainer : lightning::Work {
  lightning::State<int> epoch{this, "epoch", 0};
  lightning::State<double> loss{this, "loss", 1.0};

  void run(const lightning::Json& args) override {
    const int epochs = args.at("epochs").get<int>();
    for (int e = 1; e <= epochs; ++e) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // stands in for training
      loss = loss * 0.5;
      epoch = e;
      std::cout << "epoch " << e << " loss " << loss << std::endl;
    }
  }
};

// A Flow orchestrates. The controller calls run() again whenever state changed.
struct Root : lightning::Flow {
  Trainer& trainer = add_work<Trainer>("trainer");
  lightning::State<double> final_loss{this, "final_loss", 0.0};

  void run() override {
    // Blocking (the default): run() ends here until the call is done, and the
    // controller runs it again when the call's status changes.
    const lightning::WorkStatus st = trainer.call({{"epochs", 5}});
    std::cout << "trainer " << lightning::to_string(st.stage) << " after " << trainer.epoch
              << " epochs, loss " << trainer.loss << std::endl;
    final_loss = trainer.loss.get();
    stop("trained");
  }
};

LIGHTNING_APP(Root)
