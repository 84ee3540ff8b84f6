// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// TrainWork's overhead against a plain libtorch loop (bench/train_overhead.sh,
// docs/benchmarks.md): the same model (the Fashion-MNIST CNN, or an MLP),
// data (Fashion-MNIST, ImageDataset), optimizer (Adam 1e-3), batch size,
// shuffle and threads; training throughput in samples/s, evaluation and
// checkpoints excluded.
//
//   bench_train_overhead --plain MODEL STEPS THREADS [torch-only]
//       the plain loop in this process; "torch-only": at::set_num_threads
//       alone, leaving OpenBLAS's threads as they were at load
//   bench_train_overhead --run-dir DIR -- MODEL STEPS THREADS
//       the same training as a TrainWork in an app
// MODEL: cnn or mlp. Prints one JSON line. Needs the data prepared once:
// it runs FashionMnist first (machine cache) in both modes.
#include <lightning/components/data.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>
#include <sys/resource.h>
#include <xmmintrin.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

namespace lc = lightning::components;

namespace {
torch::nn::Sequential make_model(const std::string& name) {
  if (name == "mlp") {
    return torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 512),
                                 torch::nn::ReLU(), torch::nn::Linear(512, 512), torch::nn::ReLU(),
                                 torch::nn::Linear(512, 10));
  }
  return lc::fashion_mnist_cnn();
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// A plain libtorch loop: DataLoader over the same dataset (random sampler,
/// batch 128), Adam, the loss read every 50 steps.
int plain(const std::string& model_name, int64_t steps, int threads, bool torch_only,
          bool manual = false) {
  const std::filesystem::path dir = "/tmp/lightning-bench-train-data";
  lc::prepare_fashion_mnist(lc::kFashionMnistPackageDir, lc::default_data_cache_dir(), dir);
  if (torch_only) {
    at::set_num_threads(threads);
  } else {
    lc::set_cpu_threads(threads);
  }
  std::fprintf(stderr, "diag: mxcsr=0x%x at_threads=%d interop=%d mkldnn=%d\n", _mm_getcsr(),
               at::get_num_threads(), at::get_num_interop_threads(),
               static_cast<int>(at::globalContext().userEnabledMkldnn()));
  torch::manual_seed(0);
  auto model = make_model(model_name);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  auto data = lc::load_fashion_mnist(dir, lc::Split::kTrain);
  int64_t s = 0, samples = 0;
  double last_loss = 0;
  if (manual) {  // TrainWork's batching (randperm + get_batch), without TrainWork
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t n = static_cast<int64_t>(*data.size());
    auto perm = torch::randperm(n, torch::kLong);
    std::vector<size_t> idx;
    for (; s < steps; ++s) {
      const int64_t lo = (s * 128) % (n - 128);
      idx.assign(perm.data_ptr<int64_t>() + lo, perm.data_ptr<int64_t>() + lo + 128);
      auto batch = data.get_batch(idx);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(batch.data), batch.target);
      loss.backward();
      opt.step();
      samples += 128;
      if ((s + 1) % 50 == 0) last_loss = loss.item<double>();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    std::printf("{\"mode\": \"manual\", \"samples_per_s\": %.1f, \"samples_per_cpu_s\": %.1f, \"loss\": %.4f}\n",
                static_cast<double>(samples) / secs, static_cast<double>(samples) / cpu, last_loss);
    return 0;
  }
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(data), torch::data::DataLoaderOptions().batch_size(128));
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  while (s < steps) {
    for (auto& batch : *loader) {
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(batch.data), batch.target);
      loss.backward();
      opt.step();
      samples += batch.data.size(0);
      if (++s % 50 == 0) last_loss = loss.item<double>();
      if (s == steps) break;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  std::printf("{\"mode\": \"plain%s\", \"model\": \"%s\", \"steps\": %lld, \"threads\": %d, "
              "\"samples_per_s\": %.1f, \"samples_per_cpu_s\": %.1f, \"cpu_per_wall\": %.2f, "
              "\"loss\": %.4f}\n",
              torch_only ? "-torch-threads-only" : "", model_name.c_str(),
              static_cast<long long>(steps), threads, static_cast<double>(samples) / secs,
              static_cast<double>(samples) / cpu, cpu / secs, last_loss);
  return 0;
}
}  // namespace

struct BenchTrainer : lc::TrainWork {
  lc::TrainModel make_model(const lc::TrainConfig& c) override {
    return ::make_model(c.args.at("model").get<std::string>());
  }
  lc::TrainData make_train_data(const lc::TrainConfig& c) override {
    return lc::load_fashion_mnist(c.args.at("data").get<lightning::Path>().local(), lc::Split::kTrain);
  }
};

/// The plain loop, run inside a work's process (forked from the pre-started
/// process): separates the cost of the loop from that of the process.
struct PlainInWork : lightning::Work {
  void run(const lightning::Json& args) override {
    plain(args.at("model"), args.at("steps"), args.at("threads"), false);
  }
};

struct Root : lightning::Flow {
  lc::FashionMnist& data = add_work<lc::FashionMnist>("data");
  BenchTrainer& train = add_work<BenchTrainer>("train");
  PlainInWork& plain_work = add_work<PlainInWork>("plain");
  void run() override {
    if (!data.call().has_succeeded()) return;
    const auto& a = lightning::app_args();
    if (a.size() > 3 && a[3] == "plain-in-work") {
      if (plain_work.call({{"model", a.at(0)}, {"steps", std::stoll(a.at(1))}, {"threads", std::stoi(a.at(2))}})
              .has_succeeded()) {
        stop();
      }
      return;
    }
    const lightning::Json args{{"data", data.dir.get()},      {"model", a.at(0)},
                               {"max_steps", std::stoll(a.at(1))}, {"epochs", 1000},
                               {"threads", std::stoi(a.at(2))}, {"batch_size", 128},
                               {"report_every", 50},          {"checkpoint_every", 1000000}};
    if (train.call(args).has_succeeded()) stop();
  }
};

int main(int argc, char** argv) {
  if (argc >= 5 && std::strcmp(argv[1], "--plain") == 0) {
    return plain(argv[2], std::stoll(argv[3]), std::stoi(argv[4]),
                 argc >= 6 && std::strcmp(argv[5], "torch-only") == 0,
                 argc >= 6 && std::strcmp(argv[5], "manual") == 0);
  }
  return lightning::run_app(argc, argv, [] { return std::unique_ptr<lightning::Flow>(new Root); });
}
