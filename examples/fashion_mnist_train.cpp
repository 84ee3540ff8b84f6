// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Trains a small CNN on Fashion-MNIST (Debian's dataset-fashion-mnist) with
// TrainWork: data prepared once per machine, metrics live in the dashboard,
// checkpoints every 200 steps, resumable (docs/components/train.md).
//
//   build/ci/bin/fashion_mnist_train -- 2        # 2 epochs (~45 s on 2 cores)
//   build/ci/bin/fashion_mnist_train --resume RUN_DIR   # after a crash
#include <lightning/components/data.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>

#include <string>

namespace lc = lightning::components;

struct FashionTrainer : lc::TrainWork {
  lc::TrainConfig default_config() const override {
    lc::TrainConfig c;
    c.batch_size = 128;
    c.lr = 1e-3;
    c.checkpoint_every = 200;
    return c;
  }
  lc::TrainModel make_model(const lc::TrainConfig& c) override {
    return lc::fashion_mnist_cnn(c.args.value("width", 16));
  }
  lc::TrainData make_train_data(const lc::TrainConfig& c) override {
    return lc::load_fashion_mnist(c.args.at("data").get<lightning::Path>().local(), lc::Split::kTrain);
  }
  lc::TrainData make_val_data(const lc::TrainConfig& c) override {
    return lc::load_fashion_mnist(c.args.at("data").get<lightning::Path>().local(), lc::Split::kTest);
  }
};

struct Root : lightning::Flow {
  lc::FashionMnist& data = add_work<lc::FashionMnist>("data");
  FashionTrainer& train = add_work<FashionTrainer>("train");
  void run() override {
    if (!data.call().has_succeeded()) return;
    const int epochs = lightning::app_args().empty() ? 1 : std::stoi(lightning::app_args()[0]);
    if (train.call({{"data", data.dir.get()}, {"epochs", epochs}}).has_succeeded()) {
      stop("val_accuracy " + std::to_string(train.val_accuracy.get()) + ", checkpoint " +
           train.checkpoint->relative());
    }
  }
};

LIGHTNING_APP(Root)
