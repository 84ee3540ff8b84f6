// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// apps/sweep: a hyperparameter sweep of the Fashion-MNIST CNN (learning rate x
// width). One TrainWork per configuration, created as CPU slots free up (at
// most --parallel at once, each with its share of the CPUs); their loss and
// accuracy curves stream to the dashboard as they train; at the end the best
// configuration and its checkpoint Path are in the state (`best`) and in the
// app's closing message. docs/components/sweep.md.
//
//   lightning-run apps/sweep.cpp -- --lr 1e-3,3e-3 --width 8,16 --epochs 1
//   build/ci/bin/sweep -- --lr 1e-3 --width 4,8 --train-limit 2000 --test-limit 500
#include <lightning/components/data.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "fashion_trainer.hpp"

namespace lc = lightning::components;

namespace {

/// The sweep's command line (the app args after `--`). Throws CLI::Error
/// subclasses on a bad value (the app then fails with CLI11's message).
struct SweepOptions {
  std::vector<double> lrs{1e-3, 3e-3};
  std::vector<int64_t> widths{8, 16};
  int64_t epochs = 1;
  int64_t batch_size = 128;
  int64_t train_limit = 0;  // 0: all 60,000 training images
  int64_t test_limit = 0;   // 0: all 10,000 test images
  int parallel = 0;         // 0: one trial per CPU in the affinity mask
  std::string data_cache;   // "": the machine's (FashionMnist's default)

  static SweepOptions parse(const std::vector<std::string>& args) {
    SweepOptions o;
    CLI::App cli{"Fashion-MNIST sweep over learning rate x CNN width", "sweep"};
    cli.add_option("--lr", o.lrs, "learning rates (comma-separated)")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    cli.add_option("--width", o.widths, "CNN widths: channels of the first conv (comma-separated)")
        ->delimiter(',')
        ->check(CLI::Range(int64_t{1}, int64_t{512}));
    cli.add_option("--epochs", o.epochs, "epochs per trial")->check(CLI::Range(1, 1000));
    cli.add_option("--batch-size", o.batch_size, "examples per step")->check(CLI::Range(1, 65536));
    cli.add_option("--train-limit", o.train_limit, "use the first N training images (0: all)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--test-limit", o.test_limit, "use the first N test images (0: all)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--parallel", o.parallel, "trials at once (0: one per CPU)")
        ->check(CLI::Range(0, 1024));
    cli.add_option("--data-cache", o.data_cache,
                   "where the unpacked data is kept (default: the machine's data cache)");
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11's order
    cli.parse(reversed);
    return o;
  }
};

struct Trial {
  double lr;
  int64_t width;
  std::string name;
};

std::vector<Trial> grid(const SweepOptions& o) {
  std::vector<Trial> trials;
  for (double lr : o.lrs) {
    for (int64_t width : o.widths) {
      trials.push_back(Trial{lr, width, "trial_" + std::to_string(trials.size())});
    }
  }
  return trials;
}

}  // namespace

struct Sweep : lightning::Flow {
  lc::FashionMnist& data = add_work<lc::FashionMnist>("data");
  /// The best finished trial: {"trial", "lr", "width", "val_accuracy", "val_loss", "checkpoint"}.
  lightning::State<lightning::Json> best{this, "best", lightning::Json::object()};
  /// Every trial: its configuration and, once done, its outcome.
  lightning::State<lightning::Json> trials{this, "trials", lightning::Json::array()};

  SweepOptions options = SweepOptions::parse(lightning::app_args());
  std::vector<Trial> configs = grid(options);
  int parallel = options.parallel > 0
                     ? options.parallel
                     : std::max(1, std::min<int>(lc::cpus_in_affinity_mask(),
                                                 static_cast<int>(configs.size())));
  int threads_each = std::max(1, lc::cpus_in_affinity_mask() / parallel);

  void run() override {
    lightning::Json data_args = lightning::Json::object();
    if (!options.data_cache.empty()) data_args["cache_dir"] = options.data_cache;
    if (!data.call(data_args).has_succeeded()) return;
    lightning::Json table = lightning::Json::array();
    int active = 0;
    bool all_done = true;
    for (const Trial& t : configs) {
      FashionTrainer* trainer = find(t.name);
      if (trainer == nullptr && active < parallel) {
        // A free CPU slot: start the next configuration. A failed trial fails
        // only itself (raise_exception(false)); the sweep reports it.
        trainer = &add_work<FashionTrainer>(
            t.name, lightning::WorkOptions().parallel(true).raise_exception(false));
      }
      lightning::Json row{{"trial", t.name}, {"lr", t.lr}, {"width", t.width}};
      if (trainer == nullptr) {
        row["status"] = "waiting";
        all_done = false;
        table.push_back(std::move(row));
        continue;
      }
      const lightning::WorkStatus st = trainer->call({{"data", data.dir.get()},
                                                      {"lr", t.lr},
                                                      {"width", t.width},
                                                      {"epochs", options.epochs},
                                                      {"batch_size", options.batch_size},
                                                      {"train_limit", options.train_limit},
                                                      {"test_limit", options.test_limit},
                                                      {"threads", threads_each}});
      row["status"] = std::string(lightning::to_string(st.stage));
      if (st.has_succeeded()) {
        row["val_accuracy"] = trainer->val_accuracy.get();
        row["val_loss"] = trainer->val_loss.get();
        row["checkpoint"] = trainer->checkpoint.get();
      } else if (st.is_done()) {  // failed or stopped: reported, not retried
        row["error"] = st.message;
      } else {
        ++active;
        all_done = false;
      }
      table.push_back(std::move(row));
    }
    trials = table;
    if (!all_done) return;
    choose_best(table);
  }

 private:
  FashionTrainer* find(const std::string& name) {
    for (lightning::Work* w : works()) {
      if (w->name() == name) return static_cast<FashionTrainer*>(w);
    }
    return nullptr;
  }

  void choose_best(const lightning::Json& table) {
    const lightning::Json* winner = nullptr;
    for (const lightning::Json& row : table) {
      if (!row.contains("val_accuracy")) continue;
      if (winner == nullptr || row["val_accuracy"] > (*winner)["val_accuracy"]) winner = &row;
    }
    if (winner == nullptr) {
      fail("every trial of the sweep failed; see `trials` in the state for their errors");
    }
    best = *winner;
    std::ostringstream msg;
    msg << "best of " << table.size() << " trials: " << (*winner)["trial"].get<std::string>()
        << " (lr " << (*winner)["lr"].get<double>() << ", width "
        << (*winner)["width"].get<int64_t>() << ") val_accuracy "
        << (*winner)["val_accuracy"].get<double>() << ", checkpoint "
        << (*winner)["checkpoint"].get<lightning::Path>().relative() << " of "
        << (*winner)["trial"].get<std::string>();
    stop(msg.str());
  }
};

LIGHTNING_APP(Sweep)
