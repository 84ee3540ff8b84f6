// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The app train_test.cpp runs: Fashion-MNIST prepared by FashionMnist, a tiny
// MLP trained by a TrainWork on a 2,000-image subset, and one scenario per
// run, chosen by the first app arg:
//   report    train, then a second work loads the committed checkpoint Path
//   kill      the dataset holds at batch 25 of the first attempt (the test
//             kills the work's process there); retries(1) resumes
//   stop      the dataset holds at batch 25 until the stop request; the flow
//             stops the work once it reports step 24 (the stop lands before
//             or during the hold), then calls it again
//   throw     the dataset throws at batch 25 of the first attempt; the flow
//             sees the failure and calls again
//   mismatch  train hidden=64, then call the same work with hidden=32
//   hold      the dataset holds at batch 25 of the first attempt until the
//             test kills the whole app (then --resume)
// App args: SCENARIO SOURCE_DIR CACHE_DIR MARKER_DIR.
// "First attempt": until MARKER_DIR/held exists (made when it holds or throws).
#include <lightning/components/data.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace lc = lightning::components;
namespace fs = std::filesystem;

namespace {
std::string app_arg(size_t i) {
  const auto& a = lightning::app_args();
  return i < a.size() ? a[i] : std::string();
}

torch::nn::Sequential mlp(int64_t hidden) {
  return torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(28 * 28, hidden),
                               torch::nn::ReLU(), torch::nn::Linear(hidden, 10));
}

/// Fashion-MNIST subset that misbehaves once, at batch `trigger` of a call.
class FaultyData : public torch::data::datasets::BatchDataset<FaultyData, torch::data::Example<>> {
 public:
  FaultyData(lc::ImageDataset inner, std::string mode, int64_t trigger, fs::path marker)
      : inner_(std::move(inner)), mode_(std::move(mode)), trigger_(trigger), marker_(std::move(marker)) {}

  torch::data::Example<> get_batch(torch::ArrayRef<size_t> indices) override {
    if (++calls_ == trigger_ && !mode_.empty() && !fs::exists(marker_)) {
      std::ofstream(marker_) << "held\n";
      if (mode_ == "throw") {
        throw std::runtime_error("test dataset: cannot read batch " + std::to_string(calls_) +
                                 " (injected fault)");
      }
      std::printf("dataset holds at batch %lld\n", static_cast<long long>(calls_));
      std::fflush(stdout);
      // Waits for what the scenario does next: a kill -9 or a stop request.
      while (!lightning::stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return inner_.get_batch(indices);
  }
  torch::optional<size_t> size() const override { return inner_.size(); }

 private:
  lc::ImageDataset inner_;
  std::string mode_;
  int64_t trigger_;
  fs::path marker_;
  int64_t calls_ = 0;
};
}  // namespace

struct Trainer : lc::TrainWork {
  lc::TrainModel make_model(const lc::TrainConfig& c) override {
    return mlp(c.args.value("hidden", 64));
  }
  lc::TrainData make_train_data(const lc::TrainConfig& c) override {
    const auto dir = c.args.at("data").get<lightning::Path>().local();
    return FaultyData(lc::load_fashion_mnist(dir, lc::Split::kTrain, 2000),
                      c.args.value("fault", std::string()), 25,
                      fs::path(c.args.value("marker_dir", std::string("."))) / "held");
  }
  lc::TrainData make_val_data(const lc::TrainConfig& c) override {
    const auto dir = c.args.at("data").get<lightning::Path>().local();
    return lc::load_fashion_mnist(dir, lc::Split::kTest, 500);
  }
};

/// Loads a checkpoint Path made by the trainer, in its own process.
struct Reader : lightning::Work {
  lightning::State<int64_t> loaded_step{this, "loaded_step", -1};
  void run(const lightning::Json& args) override {
    auto model = mlp(64);
    loaded_step = lc::load_model(args.at("ckpt").get<lightning::Path>().local(), *model);
  }
};

struct Root : lightning::Flow {
  std::string scenario = app_arg(0);
  lc::FashionMnist& data = add_work<lc::FashionMnist>("data");
  Trainer& train = add_work<Trainer>(
      "train", lightning::WorkOptions()
                   .parallel(true)
                   .raise_exception(scenario != "throw" && scenario != "mismatch")
                   .retries(scenario == "kill" ? 1 : 0)
                   .retry_backoff(std::chrono::milliseconds(0)));
  Reader& reader = add_work<Reader>("reader");
  lightning::State<std::string> failure{this, "failure", ""};
  lightning::State<int64_t> step_when_stopped{this, "step_when_stopped", -1};
  int phase = 0;

  lightning::Json train_args(int call) const {
    lightning::Json a{{"data", data.dir.get()},   {"epochs", 1},           {"batch_size", 32},
                      {"report_every", 1},        {"checkpoint_every", 10}, {"eval_every", 10},
                      {"marker_dir", app_arg(3)}, {"threads", 1},          {"call", call}};
    if (scenario == "kill" || scenario == "hold") a["fault"] = "hold";
    if (scenario == "stop" && call == 1) a["fault"] = "hold";
    if (scenario == "throw") a["fault"] = "throw";
    if (scenario == "mismatch") {
      a["max_steps"] = 10;
      a["hidden"] = call == 1 ? 64 : 32;
    }
    return a;
  }

  void run() override {
    if (!data.call({{"source_dir", app_arg(1)}, {"cache_dir", app_arg(2)}}).has_succeeded()) return;
    if (scenario == "report") {
      if (!train.call(train_args(1)).has_succeeded()) return;
      if (reader.call({{"ckpt", train.checkpoint.get()}}).has_succeeded()) stop();
    } else if (scenario == "kill" || scenario == "hold") {
      if (train.call(train_args(1)).has_succeeded()) stop();
    } else if (scenario == "stop") {
      if (phase == 0) {
        const auto st = train.call(train_args(1));
        // Step 24 is the last before the hold at batch 25: the stop arrives there.
        if (st.is_running() && train.step.get() >= 24) {
          step_when_stopped = train.step.get();
          phase = 1;
          train.stop();
        }
        return;
      }
      if (train.call(train_args(2)).has_succeeded()) stop();
    } else if (scenario == "throw" || scenario == "mismatch") {
      if (phase == 0) {
        const auto st = train.call(train_args(1));
        if (scenario == "throw" && st.has_failed()) {
          failure = st.message;
          phase = 1;
        } else if (scenario == "mismatch" && st.has_succeeded()) {
          phase = 1;
        } else {
          return;
        }
      }
      const auto st = train.call(train_args(2));
      if (scenario == "mismatch" && st.has_failed()) {
        failure = st.message;
        stop();
      }
      if (st.has_succeeded()) stop();
    } else {
      fail("unknown scenario '" + scenario + "'");
    }
  }
};

LIGHTNING_APP(Root)
