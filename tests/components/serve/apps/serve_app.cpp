// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The app serve_test.cpp runs. App args: SCENARIO MARKER_DIR.
//
//   script  A Maker work writes a TorchScript model (y = x * 2 + offset, with
//           x FP32 [-1, 2]; version 1: offset 0) made in C++ with
//           torch::jit::Module::define. Two ServeWorks serve it: "serve"
//           (defaults but max_queue_delay_us 2000) and "small" (max_queue_size
//           1, max_queue_delay_us 1 s, max_body_bytes 4096: for 503 and 413).
//           When MARKER_DIR/swap appears the Maker writes version 2 (offset
//           100) and the flow assigns it to serve.model; when MARKER_DIR/bad
//           appears, a file that is no model. Ends when MARKER_DIR/done appears.
//   module  A TrainWork trains a Linear(4, 3) on synthetic data for 3 steps;
//           a ServeWork subclass builds the same module and loads the
//           checkpoint (x FP32 [-1, 4] -> y FP32 [-1, 3]). The flow writes the
//           module's weights to MARKER_DIR/weights.json so the test can check
//           the outputs. Ends when MARKER_DIR/done appears.
// Each ServeWork's URL goes to MARKER_DIR/<work name>.url once published, and
// serve's model_error to MARKER_DIR/model_error when it is set.
#include <torch/script.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <lightning/components/serve.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>
#include <string>

namespace lc = lightning::components;
namespace fs = std::filesystem;
using lightning::Json;

namespace {
std::string app_arg(size_t i) {
  const auto& a = lightning::app_args();
  return i < a.size() ? a[i] : std::string();
}
fs::path marker(const std::string& name) { return fs::path(app_arg(1)) / name; }
void write_marker(const std::string& name, const std::string& text) {
  const auto tmp = marker(name + ".tmp");
  std::ofstream(tmp) << text;
  fs::rename(tmp, marker(name));
}
}  // namespace

/// Writes the TorchScript model (or, with "garbage", a file that is not one).
struct Maker : lightning::Work {
  lightning::State<lightning::Path> file{this, "file"};
  void run(const Json& args) override {
    const int version = args.at("version").get<int>();
    lightning::Path p("model-" + std::to_string(version) + ".pt");
    if (args.value("garbage", false)) {
      std::ofstream(p.local()) << "this is not a TorchScript file\n";
    } else {
      torch::jit::Module m("Doubler");
      m.register_attribute("training", c10::BoolType::get(), true);
      m.register_parameter("scale", torch::full({2}, 2.0), false);
      m.register_buffer("offset", torch::full({2}, version == 1 ? 0.0 : 100.0));
      m.define("def forward(self, x):\n  return x * self.scale + self.offset\n");
      m.save(p.local().string());
    }
    file = p;
  }
};

lc::TrainModel linear() { return torch::nn::Linear(4, 3); }

class Synthetic : public torch::data::datasets::Dataset<Synthetic> {
 public:
  torch::data::Example<> get(size_t i) override {
    torch::manual_seed(static_cast<uint64_t>(i));
    return {torch::randn({4}), torch::tensor(static_cast<int64_t>(i % 3))};
  }
  torch::optional<size_t> size() const override { return 64; }
};

struct Trainer : lc::TrainWork {
  lc::TrainModel make_model(const lc::TrainConfig&) override { return linear(); }
  lc::TrainData make_train_data(const lc::TrainConfig&) override { return Synthetic(); }
};

struct ModuleServe : lc::ServeWork {
  lc::TrainModel make_model(const lc::ServeConfig&) override { return linear(); }
};

/// Writes the checkpoint's weights where the test can read them.
struct WeightsReader : lightning::Work {
  void run(const Json& args) override {
    auto m = linear();
    lc::load_model(args.at("ckpt").get<lightning::Path>().local(), m.module());
    auto* l = dynamic_cast<torch::nn::LinearImpl*>(&m.module());
    Json w = Json::array(), b = Json::array();
    for (int64_t r = 0; r < 3; ++r) {
      Json row = Json::array();
      for (int64_t c = 0; c < 4; ++c) row.push_back(l->weight[r][c].item<double>());
      w.push_back(row);
      b.push_back(l->bias[r].item<double>());
    }
    write_marker("weights.json", Json{{"weight", w}, {"bias", b}}.dump());
  }
};

const Json kDoublerIo = {{"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 2}}}}},
                         {"outputs", {{{"name", "y"}, {"datatype", "FP32"}, {"shape", {-1, 2}}}}},
                         {"model_name", "doubler"}};

struct Root : lightning::Flow {
  std::string scenario = app_arg(0);
  Maker& maker = add_work<Maker>("maker");
  lc::ServeWork& serve = add_work<lc::ServeWork>("serve", lightning::WorkOptions().parallel(true));
  lc::ServeWork& small = add_work<lc::ServeWork>("small", lightning::WorkOptions().parallel(true));
  Trainer& train = add_work<Trainer>("train");
  WeightsReader& weights = add_work<WeightsReader>("weights");
  ModuleServe& module_serve =
      add_work<ModuleServe>("module_serve", lightning::WorkOptions().parallel(true));
  int model_made = 1;
  Json small_args;

  void publish(const lightning::Work& w) {
    if (!w.url().empty() && !fs::exists(marker(w.name() + ".url")))
      write_marker(w.name() + ".url", w.url());
  }

  void run() override {
    schedule_in(std::chrono::milliseconds(20));  // the markers are files: look again soon
    if (fs::exists(marker("done"))) {
      stop();
      return;
    }
    if (scenario == "script") {
      if (!maker.call({{"version", 1}}).has_succeeded()) return;
      if (serve.model.get().empty()) serve.model = maker.file.get();
      Json a = kDoublerIo;
      a["max_queue_delay_us"] = 2000;
      serve.call(a);
      if (small_args.is_null()) {  // the first model, once: the same call every run
        small_args = kDoublerIo;
        small_args["max_queue_size"] = 1;
        small_args["max_queue_delay_us"] = 1000000;
        small_args["max_body_bytes"] = 4096;
        small_args["model"] = maker.file.get();
      }
      small.call(small_args);
      publish(serve);
      publish(small);
      if (fs::exists(marker("swap")) && model_made == 1) {
        if (!maker.call({{"version", 2}}).has_succeeded()) return;
        serve.model = maker.file.get();
        model_made = 2;
      }
      if (fs::exists(marker("bad")) && model_made == 2) {
        if (!maker.call({{"version", 3}, {"garbage", true}}).has_succeeded()) return;
        serve.model = maker.file.get();
        model_made = 3;
      }
      if (!serve.model_error.get().empty() && !fs::exists(marker("model_error"))) {
        write_marker("model_error", serve.model_error.get());
      }
    } else if (scenario == "module") {
      if (!train
               .call({{"max_steps", 3},
                      {"batch_size", 8},
                      {"threads", 1},
                      {"seed", 1},
                      {"checkpoint_every", 3}})
               .has_succeeded()) {
        return;
      }
      if (!weights.call({{"ckpt", train.checkpoint.get()}}).has_succeeded()) return;
      module_serve.model = train.checkpoint.get();
      module_serve.call({{"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 4}}}}},
                         {"outputs", {{{"name", "y"}, {"datatype", "FP32"}, {"shape", {-1, 3}}}}},
                         {"model_name", "linear"}});
      publish(module_serve);
    } else {
      fail("unknown scenario '" + scenario + "'");
    }
  }
};

LIGHTNING_APP(Root)
