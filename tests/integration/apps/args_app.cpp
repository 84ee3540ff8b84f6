// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app: a plain LIGHTNING_APP that records its app arguments and run
// directory in its state, and prints the arguments one per line.
#include <iostream>
#include <lightning/lightning.hpp>
#include <string>
#include <vector>

namespace {

struct Root : lightning::Flow {
  lightning::State<std::vector<std::string>> args{this, "args", {}};
  lightning::State<std::string> run_dir{this, "run_dir", ""};
  void run() override {
    args = lightning::app_args();
    run_dir = lightning::run_dir();
    for (const auto& a : lightning::app_args()) std::cout << "arg: " << a << "\n";
    std::cout.flush();
    stop();
  }
};

}  // namespace

LIGHTNING_APP(Root)
