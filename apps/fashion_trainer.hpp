// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The trainer both apps use (apps/sweep.cpp, apps/train_serve.cpp): the
// Fashion-MNIST CNN of the call's width, trained on the data work's Path and
// evaluated on the test split. lightning-run follows this quoted include.
#pragma once

#include <cstdint>
#include <filesystem>
#include <lightning/components/data.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>

/// Trains fashion_mnist_cnn(width) on the training split and evaluates it on
/// the test split at each epoch's end (val_accuracy, val_loss). Call args, on
/// top of TrainConfig's: "data" (the FashionMnist work's Path), "width"
/// (channels of the first conv), "train_limit" and "test_limit" (first N
/// images of each split; 0 or absent: all).
struct FashionTrainer : lightning::components::TrainWork {
  lightning::components::TrainConfig default_config() const override {
    lightning::components::TrainConfig c;
    c.report_every = 20;
    return c;
  }
  lightning::components::TrainModel make_model(
      const lightning::components::TrainConfig& c) override {
    return lightning::components::fashion_mnist_cnn(c.args.at("width").get<int64_t>());
  }
  lightning::components::TrainData make_train_data(
      const lightning::components::TrainConfig& c) override {
    return lightning::components::load_fashion_mnist(
        data_dir(c), lightning::components::Split::kTrain, c.args.value("train_limit", 0));
  }
  lightning::components::TrainData make_val_data(
      const lightning::components::TrainConfig& c) override {
    return lightning::components::load_fashion_mnist(
        data_dir(c), lightning::components::Split::kTest, c.args.value("test_limit", 0));
  }

 private:
  static std::filesystem::path data_dir(const lightning::components::TrainConfig& c) {
    return c.args.at("data").get<lightning::Path>().local();
  }
};
