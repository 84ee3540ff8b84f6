// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// apps/train_serve: the project's main app. Prepares Fashion-MNIST, trains the
// CNN, evaluates it on the 10,000 test images, and, when its accuracy reaches
// the threshold, serves it over the Open Inference Protocol (KServe v2) behind
// the AutoScaler; then sends every test image through the served endpoint and
// reports the served accuracy, which must equal the offline one. The dashboard
// shows the loss curve (tab "Train") and the serving endpoint (tab "Serve").
// apps/README.md.
//
//   lightning-run apps/train_serve.cpp                     # ~2-3 min on 2 CPU cores
//   lightning-run apps/train_serve.cpp -- --keep-serving   # then serve until Ctrl-C
//   build/ci/bin/train_serve -- --epochs 1 --train-limit 2000 --test-limit 500 --threshold 0.5
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <lightning/components/autoscale.hpp>
#include <lightning/components/data.hpp>
#include <lightning/components/serve.hpp>
#include <lightning/components/serve/client.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fashion_trainer.hpp"

namespace lc = lightning::components;

namespace {

/// The app's command line (the args after `--`). Throws CLI::Error subclasses
/// on a bad value (the app then fails with CLI11's message).
struct TrainServeOptions {
  int64_t epochs = 5;
  int64_t width = 16;
  int64_t batch_size = 128;
  double lr = 2e-3;
  double threshold = 0.88;  // test accuracy the model must reach to be served, in [0, 1]
  int64_t train_limit = 0;  // 0: all 60,000 training images
  int64_t test_limit = 0;   // 0: all 10,000 test images
  int min_replicas = 1;
  int max_replicas = 2;
  int concurrency = 16;       // client connections sending the test images
  bool keep_serving = false;  // serve until stopped (Ctrl-C, `lightning stop`) after the evaluation
  std::string data_cache;     // "": the machine's (FashionMnist's default)

  static TrainServeOptions parse(const std::vector<std::string>& args) {
    TrainServeOptions o;
    CLI::App cli{
        "Fashion-MNIST: train the CNN, evaluate, serve it (KServe v2) behind the AutoScaler",
        "train_serve"};
    cli.add_option("--epochs", o.epochs, "training epochs")->check(CLI::Range(1, 1000));
    cli.add_option("--width", o.width, "CNN width: channels of the first conv")
        ->check(CLI::Range(int64_t{1}, int64_t{512}));
    cli.add_option("--batch-size", o.batch_size, "examples per step")->check(CLI::Range(1, 65536));
    cli.add_option("--lr", o.lr, "Adam learning rate")->check(CLI::PositiveNumber);
    cli.add_option("--threshold", o.threshold, "test accuracy needed to serve the model, in [0, 1]")
        ->check(CLI::Range(0.0, 1.0));
    cli.add_option("--train-limit", o.train_limit, "use the first N training images (0: all)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--test-limit", o.test_limit, "use the first N test images (0: all)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--min-replicas", o.min_replicas, "serving replicas at least")
        ->check(CLI::Range(1, 64));
    cli.add_option("--max-replicas", o.max_replicas, "serving replicas at most")
        ->check(CLI::Range(1, 64));
    cli.add_option("--concurrency", o.concurrency, "client connections sending the test images")
        ->check(CLI::Range(1, 1024));
    cli.add_flag("--keep-serving", o.keep_serving,
                 "after the evaluation, keep serving until the app is stopped");
    cli.add_option("--data-cache", o.data_cache,
                   "where the unpacked data is kept (default: the machine's data cache)");
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11's order
    cli.parse(reversed);
    if (o.max_replicas < o.min_replicas) {
      throw CLI::ValidationError("--max-replicas", "must be >= --min-replicas");
    }
    return o;
  }
};

/// The CNN's input and output as the served model declares them (KServe v2
/// model metadata): float images [n, 1, 28, 28] normalised as the data work
/// does, logits [n, 10].
lc::ServeConfig fashion_serve_config() {
  lc::ServeConfig c;
  c.model_name = "fashion-mnist";
  c.inputs = {{"input", "FP32", {-1, 1, 28, 28}}};
  c.outputs = {{"logits", "FP32", {-1, 10}}};
  return c;
}

}  // namespace

/// Sends the test images through a served endpoint, one image per request,
/// over `concurrency` keep-alive connections at once (so the server batches
/// them dynamically), and counts how many it classifies right.
///
/// Call args: "url" (http://host:port), "model_name", "data" (the FashionMnist
/// Path), "limit" (first N test images; 0: all), "concurrency".
struct ServedEval : lightning::Work {
  lightning::State<int64_t> images{this, "images", 0};    ///< answered
  lightning::State<int64_t> correct{this, "correct", 0};  ///< predicted class == label
  lightning::State<int64_t> wrong{this, "wrong", 0};
  lightning::State<int64_t> failed{this, "failed", 0};  ///< requests without a 200 answer
  lightning::State<std::string> first_error{this, "first_error", ""};
  lightning::State<double> accuracy{this, "accuracy", 0.0};  ///< correct / images, in [0, 1]
  lightning::State<double> requests_per_s{this, "requests_per_s", 0.0};
  lightning::State<double> latency_p50_ms{this, "latency_p50_ms", 0.0};
  lightning::State<double> latency_p99_ms{this, "latency_p99_ms", 0.0};

  void run(const lightning::Json& args) override {
    const std::string url = args.at("url").get<std::string>();
    const lc::ImageDataset test = lc::load_fashion_mnist(
        args.at("data").get<lightning::Path>().local(), lc::Split::kTest, args.value("limit", 0));
    const torch::Tensor pixels = test.images().contiguous();
    const torch::Tensor labels = test.targets().contiguous();
    const int64_t n = pixels.size(0);
    const int concurrency = args.value("concurrency", 16);

    const std::string model = args.at("model_name").get<std::string>();
    // One image per request over KServe v2 with binary tensor data: input
    // "input" FP32 [1, 1, 28, 28], output "logits" FP32 [1, 10].
    const lc::InferenceClient url_check(url);  // a malformed url fails the call here

    std::atomic<int64_t> next{0}, n_correct{0}, n_wrong{0}, n_failed{0};
    std::mutex mu;
    std::string error;
    std::vector<double> latencies_ms;
    latencies_ms.reserve(static_cast<size_t>(n));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < concurrency; ++c) {
      clients.emplace_back([&] {
        lc::InferenceClient client(url);  // one keep-alive connection per thread
        std::vector<double> mine;
        for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
          const float* image = pixels[i].data_ptr<float>();
          const lc::oip::InferTensor input{
              "input", lc::oip::DataType::kFp32, {1, 1, 28, 28},
              std::string(reinterpret_cast<const char*>(image), 28 * 28 * sizeof(float))};
          const auto result = client.infer(model, {input});
          std::string what = result.error;
          if (result.ok() && (result.response.outputs.size() != 1 ||
                              result.response.outputs[0].data.size() != 10 * sizeof(float))) {
            what = "the answer does not hold 10 FP32 logits";
          }
          if (!what.empty()) {
            n_failed.fetch_add(1);
            std::lock_guard<std::mutex> lock(mu);
            if (error.empty()) error = what;
            if (result.status == 0) return;  // no server to talk to any more
            continue;
          }
          mine.push_back(result.latency_us / 1000.0);
          float logits[10];
          std::memcpy(logits, result.response.outputs[0].data.data(), sizeof logits);
          const int64_t predicted = std::max_element(logits, logits + 10) - logits;
          (predicted == labels[i].item<int64_t>() ? n_correct : n_wrong).fetch_add(1);
        }
        std::lock_guard<std::mutex> lock(mu);
        latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      });
    }
    for (std::thread& t : clients) t.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto percentile = [&](double p) {
      if (latencies_ms.empty()) return 0.0;
      return latencies_ms[std::min(
          latencies_ms.size() - 1,
          static_cast<size_t>(p * static_cast<double>(latencies_ms.size())))];
    };
    correct = n_correct.load();
    wrong = n_wrong.load();
    failed = n_failed.load() + std::max<int64_t>(0, n - n_correct - n_wrong - n_failed);
    images = correct.get() + wrong.get();
    first_error = error;
    accuracy = images.get() > 0
                   ? static_cast<double>(correct.get()) / static_cast<double>(images.get())
                   : 0.0;
    requests_per_s = static_cast<double>(latencies_ms.size()) / seconds;
    latency_p50_ms = percentile(0.50);
    latency_p99_ms = percentile(0.99);
    if (failed.get() > 0) {
      throw std::runtime_error(std::to_string(failed.get()) + " of " + std::to_string(n) +
                               " requests failed; the first: " + error);
    }
  }
};

/// Serves the trained CNN: the architecture from fashion_mnist_cnn(width), the
/// weights from the trainer's checkpoint (the call's "model" Path).
struct FashionServe : lc::ServeWork {
  lc::ServeConfig default_config() const override { return fashion_serve_config(); }
  lc::TrainModel make_model(const lc::ServeConfig& c) override {
    return lc::fashion_mnist_cnn(c.args.at("width").get<int64_t>());
  }
};

struct TrainServe : lightning::Flow {
  TrainServeOptions options = TrainServeOptions::parse(lightning::app_args());

  lc::FashionMnist& data = add_work<lc::FashionMnist>("data");
  FashionTrainer& train =
      add_work<FashionTrainer>("train", lightning::WorkOptions().parallel(true));
  lc::AutoScaler<FashionServe>& serve = add_flow<lc::AutoScaler<FashionServe>>("serve");
  ServedEval& evaluate = add_work<ServedEval>("evaluate", lightning::WorkOptions().parallel(true));

  /// The test accuracy of the trained model, offline (the trainer's last
  /// evaluation) and through the served endpoint, in [0, 1].
  lightning::State<double> offline_accuracy{this, "offline_accuracy", 0.0};
  lightning::State<double> served_accuracy{this, "served_accuracy", 0.0};
  /// The serving endpoint (the AutoScaler's balancer), once it listens.
  lightning::State<std::string> url{this, "url", ""};

  lightning::Layout configure_layout() const override {
    return {lightning::Tab::component("Train", train),
            lightning::Tab::url("Serve", serve.balancer())};
  }

  void run() override {
    lightning::Json data_args = lightning::Json::object();
    if (!options.data_cache.empty()) data_args["cache_dir"] = options.data_cache;
    if (!data.call(data_args).has_succeeded()) return;
    if (!train
             .call({{"data", data.dir.get()},
                    {"epochs", options.epochs},
                    {"width", options.width},
                    {"batch_size", options.batch_size},
                    {"lr", options.lr},
                    {"train_limit", options.train_limit},
                    {"test_limit", options.test_limit}})
             .has_succeeded()) {
      return;
    }
    offline_accuracy = train.val_accuracy.get();
    if (offline_accuracy < options.threshold) {
      std::ostringstream msg;
      msg << "test accuracy " << offline_accuracy.get() << " is below the threshold "
          << options.threshold << ": the model is not served (train longer: --epochs)";
      fail(msg.str());
    }
    if (!serving_configured_) {
      serve.options.min_replicas = options.min_replicas;
      serve.options.max_replicas = options.max_replicas;
      serve.options.replica_args = {{"model", train.checkpoint.get()}, {"width", options.width}};
      serving_configured_ = true;
    }
    serve.run();
    url = serve.url();
    if (serve.url().empty() || serve.ready_replicas() < 1) return;  // run() again when it changes
    const lightning::WorkStatus ev = evaluate.call({{"url", serve.url()},
                                                    {"model_name", "fashion-mnist"},
                                                    {"data", data.dir.get()},
                                                    {"limit", options.test_limit},
                                                    {"concurrency", options.concurrency}});
    if (!ev.has_succeeded()) return;
    served_accuracy = evaluate.accuracy.get();
    if (reported_) return;  // --keep-serving: serve until stopped
    reported_ = true;
    std::ostringstream msg;
    msg.precision(4);
    msg << "test accuracy " << offline_accuracy.get() << " offline, " << served_accuracy.get()
        << " served (" << evaluate.images.get() << " images through " << serve.url()
        << "/v2/models/fashion-mnist/infer, " << evaluate.requests_per_s.get()
        << " requests/s, p99 " << evaluate.latency_p99_ms.get() << " ms)";
    // The same model on the same images: the two may differ only by an image
    // whose top two logits are within float rounding of each other (a batch of
    // another size sums in another order): at most 1 in 1,000 images, and at
    // least 1. More is a serving bug.
    const double n = static_cast<double>(evaluate.images.get());
    const double gap_images = std::abs(served_accuracy.get() - offline_accuracy.get()) * n;
    if (gap_images > std::max(1.0, n / 1000.0) + 0.5) {
      fail(msg.str() + ": the served accuracy differs from the offline one");
    }
    std::printf("%s\n", msg.str().c_str());
    std::fflush(stdout);
    if (!options.keep_serving) stop(msg.str());
  }

 private:
  bool serving_configured_ = false;
  bool reported_ = false;
};

LIGHTNING_APP(TrainServe)
