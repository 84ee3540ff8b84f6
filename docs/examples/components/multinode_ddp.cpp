// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Data-parallel training of a small CNN on Fashion-MNIST with a MultiNode gang
// over Gloo on CPU (docs/components/multinode.md). Each rank trains on its
// shard (DistributedRandomSampler), gradients are averaged with an
// all-reduce, rank 0 checkpoints into a Drive after every epoch, and after a
// restart every rank resumes from that checkpoint.
//
//   build/ci/examples/doc_multinode_ddp -- '{"nproc": 2, "epochs": 1}'
//
// App argument (JSON, all optional): nproc (2), epochs (1), train_samples
// (all 60,000), test_samples (all 10,000), batch (128 per rank), lr (1e-3),
// max_restarts (1). Needs Debian's dataset-fashion-mnist package.
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <lightning/components/distributed.hpp>
#include <lightning/components/multinode.hpp>
#include <lightning/lightning.hpp>
#include <stdexcept>
#include <string>
#include <thread>

namespace mn = lightning::components;
namespace fs = std::filesystem;
using lightning::Json;
using lightning::State;

namespace {

// --- The data: kept apart so it can move to the data component (components/data).
const fs::path kPackageDir = "/usr/share/datasets/fashion-mnist";

// Gunzips Debian's IDX files into `dir` once (libtorch's MNIST reader wants
// them uncompressed); returns `dir`. One rank per machine calls it; a
// temporary file renamed into place means a crash never leaves a
// half-written file behind.
fs::path unpack_fashion_mnist(const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const fs::path out = dir / name;
    if (fs::exists(out)) continue;
    const fs::path in = kPackageDir / (std::string(name) + ".gz");
    gzFile gz = gzopen(in.c_str(), "rb");
    if (gz == nullptr) {
      throw std::runtime_error("cannot open " + in.string() +
                               ": install Debian's dataset-fashion-mnist package");
    }
    const fs::path tmp = out.string() + ".tmp" + std::to_string(::getpid());
    std::ofstream file(tmp, std::ios::binary);
    char buffer[1 << 16];
    int n = 0;
    while ((n = gzread(gz, buffer, sizeof(buffer))) > 0) file.write(buffer, n);
    const bool failed = n < 0;
    gzclose(gz);
    file.close();
    if (failed || !file) throw std::runtime_error("corrupt gzip file " + in.string());
    fs::rename(tmp, out);
  }
  return dir;
}

// Images [N, 1, 28, 28] normalised as FIELD-NOTES says, and labels [N].
std::pair<torch::Tensor, torch::Tensor> load(const fs::path& dir, bool train, int64_t limit) {
  torch::data::datasets::MNIST mnist(dir.string(), train
                                                       ? torch::data::datasets::MNIST::Mode::kTrain
                                                       : torch::data::datasets::MNIST::Mode::kTest);
  int64_t n = mnist.images().size(0);
  if (limit > 0 && limit < n) n = limit;
  return {(mnist.images().narrow(0, 0, n) - 0.2860) / 0.3530, mnist.targets().narrow(0, 0, n)};
}

// --- The model: 2 conv layers (16, 32 channels) + FC 128 (FIELD-NOTES).
struct Cnn : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  Cnn() {
    conv1 =
        register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 3).padding(1)));
    conv2 =
        register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)));
    fc1 = register_module("fc1", torch::nn::Linear(32 * 7 * 7, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1(x)), 2);
    x = torch::max_pool2d(torch::relu(conv2(x)), 2);
    return fc2(torch::relu(fc1(x.flatten(1))));
  }
};

}  // namespace

struct DdpWork : lightning::Work {
  State<int> epoch{this, "epoch", 0};
  State<double> loss{this, "loss", 0.0};
  State<double> accuracy{this, "accuracy", 0.0};            // on the test subset, rank 0
  State<double> samples_per_s{this, "samples_per_s", 0.0};  // this rank's
  State<double> train_s{this, "train_s", 0.0};
  State<int> resumed_from_epoch{this, "resumed_from_epoch", -1};
  State<double> checksum{this, "checksum", 0.0};

  void run(const Json& args) override {
    const auto env = mn::TorchrunEnv::from_environment();
    // The rank's share of the machine's cores (torchrun would set OMP_NUM_THREADS=1).
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    torch::set_num_threads(std::max(1, cores / env.local_world_size));
    auto group = mn::init_process_group(env);

    // One rank per machine unpacks; the others wait for it at the barrier.
    const fs::path data = fs::path(lightning::run_dir()) / "fashion-mnist";
    if (env.local_rank == 0) unpack_fashion_mnist(data);
    group->barrier();
    const auto [images, labels] = load(data, true, args.value("train_samples", 0));
    auto model = std::make_shared<Cnn>();
    torch::optim::Adam optimizer(model->parameters(),
                                 torch::optim::AdamOptions(args.value("lr", 1e-3)));
    // Checkpoints: rank 0 puts them into a Drive; every rank reads the latest
    // after a restart (on a cluster: a --shared-dir, or fetched over gRPC).
    const lightning::Drive drive("multinode-ddp");
    int first_epoch = 0;
    if (drive.contains("last.pt")) {
      torch::serialize::InputArchive archive;
      archive.load_from(drive.get("last.pt").string());
      model->load(archive);
      optimizer.load(archive);
      torch::Tensor e;
      archive.read("epoch", e);
      first_epoch = static_cast<int>(e.item<int64_t>());
      resumed_from_epoch = first_epoch;
    }
    mn::broadcast_parameters(*model, *group);

    const int epochs = args.value("epochs", 1);
    const size_t batch = args.value("batch", 128);
    torch::data::samplers::DistributedRandomSampler sampler(
        static_cast<size_t>(images.size(0)), static_cast<size_t>(env.world_size),
        static_cast<size_t>(env.rank), /*allow_duplicates=*/true);
    const auto start = std::chrono::steady_clock::now();
    int64_t seen = 0;
    for (int e = first_epoch; e < epochs && !lightning::stop_requested(); ++e) {
      sampler.set_epoch(static_cast<size_t>(e));
      sampler.reset();
      model->train();
      while (auto indices = sampler.next(batch)) {
        // Every rank must take part in every all-reduce: equal shard sizes
        // (allow_duplicates pads) give equal batch counts.
        const auto idx = torch::tensor(std::vector<int64_t>(indices->begin(), indices->end()));
        optimizer.zero_grad();
        auto out = model->forward(images.index_select(0, idx));
        auto l = torch::nn::functional::cross_entropy(out, labels.index_select(0, idx));
        l.backward();
        mn::allreduce_gradients(*model, *group);
        optimizer.step();
        loss = l.item<double>();
        seen += idx.size(0);
      }
      epoch = e + 1;
      if (env.rank == 0) {
        const fs::path file = lightning::files_dir() / ("epoch-" + std::to_string(e + 1) + ".pt");
        torch::serialize::OutputArchive archive;
        model->save(archive);
        optimizer.save(archive);
        archive.write("epoch", torch::tensor(int64_t{e + 1}));
        archive.save_to(file.string());
        drive.put(file, "last.pt");
        fs::remove(file);
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    train_s = seconds;
    samples_per_s = seconds > 0 ? static_cast<double>(seen) / seconds : 0.0;
    checksum = mn::parameter_checksum(*model);
    if (env.rank == 0) {
      const auto [test_images, test_labels] = load(data, false, args.value("test_samples", 0));
      torch::NoGradGuard no_grad;
      model->eval();
      const auto predicted = model->forward(test_images).argmax(1);
      accuracy = predicted.eq(test_labels).to(torch::kDouble).mean().item<double>();
    }
    group->barrier();
  }
};

struct Root : lightning::Flow {
  using Gang = mn::MultiNode<DdpWork>;
  Json config =
      lightning::app_args().empty() ? Json::object() : Json::parse(lightning::app_args().at(0));
  Gang& gang = add_flow<Gang>("gang");

  Root() {
    gang.configure(mn::MultiNodeOptions()
                       .nproc_per_node(config.value("nproc", 2))
                       .max_restarts(config.value("max_restarts", 1))
                       .args(config));
  }

  void run() override {
    gang.run();
    if (gang.has_failed()) fail(gang.error.get());
    if (!gang.has_succeeded()) return;
    double samples_per_s = 0;
    for (int rank = 0; rank < gang.options().nproc_per_node(); ++rank) {
      samples_per_s += gang.member(rank).samples_per_s.get();
    }
    auto& rank0 = gang.member(0);
    std::printf(
        "{\"ranks\": %d, \"epochs\": %d, \"train_s\": %.2f, \"samples_per_s\": %.0f, "
        "\"loss\": %.4f, \"test_accuracy\": %.4f, \"restarts\": %d}\n",
        gang.world_size.get(), rank0.epoch.get(), rank0.train_s.get(), samples_per_s,
        rank0.loss.get(), rank0.accuracy.get(), gang.restart_count.get());
    std::fflush(stdout);
    stop("trained");
  }
};

LIGHTNING_APP(Root)
