// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// bench/serve.sh's app: two ServeWorks serving one TorchScript file, "batched"
// (max_batch_size MAX, max_queue_delay_us DELAY) and "direct" (max_batch_size
// 1: the server's own cost per request, without the batching wait). Each
// writes its URL to MARKER_DIR/<name>.url; the app ends when MARKER_DIR/done
// appears. App args: MODEL_FILE MARKER_DIR MAX DELAY THREADS.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <lightning/components/serve.hpp>
#include <lightning/lightning.hpp>
#include <string>

namespace fs = std::filesystem;
using lightning::Json;

namespace {
std::string arg(size_t i) {
  const auto& a = lightning::app_args();
  return i < a.size() ? a[i] : std::string();
}
}  // namespace

struct Root : lightning::Flow {
  lightning::components::ServeWork& batched = add_work<lightning::components::ServeWork>(
      "batched", lightning::WorkOptions().parallel(true));
  lightning::components::ServeWork& direct =
      add_work<lightning::components::ServeWork>("direct", lightning::WorkOptions().parallel(true));

  Json config(int64_t max, int64_t delay) const {
    return {{"model", fs::absolute(arg(0)).string()},
            {"model_name", "fashion"},
            {"max_batch_size", max},
            {"max_queue_delay_us", delay},
            {"threads", std::stoi(arg(4))},
            {"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 1, 28, 28}}}}},
            {"outputs", {{{"name", "logits"}, {"datatype", "FP32"}, {"shape", {-1, 10}}}}}};
  }

  void run() override {
    schedule_in(std::chrono::milliseconds(50));
    if (fs::exists(fs::path(arg(1)) / "done")) {
      stop();
      return;
    }
    batched.call(config(std::stoll(arg(2)), std::stoll(arg(3))));
    direct.call(config(1, 0));
    for (const lightning::Work* w :
         {static_cast<lightning::Work*>(&batched), static_cast<lightning::Work*>(&direct)}) {
      const auto file = fs::path(arg(1)) / (w->name() + ".url");
      if (!w->url().empty() && !fs::exists(file)) {
        std::ofstream(file.string() + ".tmp") << w->url();
        fs::rename(file.string() + ".tmp", file);
      }
    }
  }
};

LIGHTNING_APP(Root)
