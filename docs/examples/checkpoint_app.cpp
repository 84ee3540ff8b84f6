// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Saving a checkpoint when a work is stopped: the trainer checks
// lightning::stop_requested() once per epoch, writes its checkpoint and
// returns. Stop it with Ctrl-C (or let the flow stop the app after 3 epochs).
#include <chrono>
#include <fstream>
#include <iostream>
#include <lightning/lightning.hpp>
#include <thread>

struct Trainer : lightning::Work {
  lightning::State<int> epoch{this, "epoch", 0};
  lightning::State<int> checkpointed_epoch{this, "checkpointed_epoch", -1};

  void run(const lightning::Json& args) override {
    const std::string path = lightning::run_dir() + "/trainer.ckpt";
    int start = 0;
    std::ifstream(path) >> start;  // resume where the last checkpoint left off
    for (int e = start; e < args.at("epochs").get<int>(); ++e) {
      if (lightning::stop_requested()) {
        std::ofstream(path) << e;  // keep the checkpoint within the grace period
        checkpointed_epoch = e;
        std::cout << "stop requested: checkpoint saved at epoch " << e << std::endl;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // one epoch of training
      epoch = e + 1;
    }
  }
};

struct Root : lightning::Flow {
  Trainer& trainer = add_work<Trainer>(
      "trainer", lightning::WorkOptions().parallel(true).grace_period(std::chrono::seconds(30)));

  void run() override {
    trainer.call({{"epochs", 100}});
    if (trainer.epoch >= 3) stop("enough for today");
  }
};

LIGHTNING_APP(Root)
