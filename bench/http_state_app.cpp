// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Benchmark app for the HTTP API (bench/http.sh): 100 works (or argv[1]), each
// with a few state fields, each called once; the app then idles until it is
// stopped (POST /api/v1/app/stop or Ctrl-C), so `wrk` can load GET /api/v1/state.
#include <lightning/lightning.hpp>
#include <string>
#include <vector>

namespace {

using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

struct Trainer : Work {
  State<double> loss{this, "loss", 1.0};
  State<int> epoch{this, "epoch", 0};
  State<std::string> url{this, "url", ""};
  void run(const Json& args) override {
    const int i = args.value("i", 0);
    loss = 1.0 / (1 + i);
    epoch = i;
    url = "http://127.0.0.1:" + std::to_string(8000 + i);
  }
};

struct Root : Flow {
  std::vector<Trainer*> trainers;
  Root() {
    const auto& args = lightning::app_args();
    const int n = args.empty() ? 100 : std::stoi(args[0]);
    for (int i = 0; i < n; ++i) {
      trainers.push_back(&add_work<Trainer>("w" + std::to_string(i), WorkOptions().parallel(true)));
    }
  }
  void run() override {
    for (size_t i = 0; i < trainers.size(); ++i) {
      trainers[i]->call({{"i", static_cast<int>(i)}});
    }
  }
};

}  // namespace

LIGHTNING_APP(Root)
