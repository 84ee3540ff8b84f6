// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The app of multinode_integration_test.cpp: a MultiNode gang of GangWork.
// One app argument, a JSON object:
//   {"mode": "env"|"train", "nnodes": 1, "nproc": 2, "max_restarts": 0, ...}
// env:   each member records its environment; "fail_rank" throws while the
//        restart count is below "fail_restarts" (default 1).
// train: data-parallel SGD of a tiny MLP on synthetic data over Gloo for
//        "steps" steps; rank 0 checkpoints every "ckpt_every" steps into the
//        Drive "drive"; on restart 0, "kill_rank" SIGKILLs itself after step
//        "kill_step". Every member reports a checksum of its parameters.
//        With "stop_at_step", the flow stops the gang when rank 0 is there.
// The app succeeds when the gang does and fails with the gang's error.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <lightning/components/distributed.hpp>
#include <lightning/components/multinode.hpp>
#include <lightning/lightning.hpp>
#include <map>
#include <stdexcept>
#include <string>

namespace mn = lightning::components;
using lightning::Json;
using lightning::State;

namespace {

const char* const kTorchrunNames[] = {
    "RANK",        "LOCAL_RANK",       "GROUP_RANK",
    "WORLD_SIZE",  "LOCAL_WORLD_SIZE", "GROUP_WORLD_SIZE",
    "MASTER_ADDR", "MASTER_PORT",      "TORCHELASTIC_RESTART_COUNT"};

struct Mlp : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  Mlp() {
    fc1 = register_module("fc1", torch::nn::Linear(8, 16));
    fc2 = register_module("fc2", torch::nn::Linear(16, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc2(torch::relu(fc1(x))); }
};

}  // namespace

struct GangWork : lightning::Work {
  State<std::map<std::string, std::string>> env{this, "env", {}};
  State<int> pid{this, "pid", 0};
  State<int> steps{this, "steps", 0};
  State<int> resumed_from{this, "resumed_from", -1};  // the checkpoint's step; -1: none
  State<double> checksum{this, "checksum", 0.0};

  void run(const Json& args) override {
    torch::set_num_threads(1);
    pid = static_cast<int>(::getpid());
    std::map<std::string, std::string> seen;
    for (const char* name : kTorchrunNames) {
      if (const char* value = std::getenv(name)) seen[name] = value;
    }
    env = seen;
    const mn::TorchrunEnv te = mn::TorchrunEnv::from_environment();
    if (args.at("restart_count").get<int>() != te.restart_count) {
      throw std::runtime_error("args restart_count differs from TORCHELASTIC_RESTART_COUNT");
    }
    if (args.at("mode") == "env") {
      if (args.contains("fail_rank") && args.at("fail_rank").get<int>() == te.rank &&
          te.restart_count < args.value("fail_restarts", 1)) {
        throw std::runtime_error("injected failure on rank " + std::to_string(te.rank) +
                                 " (MASTER_PORT=" + std::to_string(te.master_port) + ")");
      }
      return;
    }
    train(args, te);
  }

 private:
  void train(const Json& args, const mn::TorchrunEnv& te) {
    mn::ProcessGroupOptions options;
    options.timeout = std::chrono::seconds(20);
    auto group = mn::init_process_group(te, options);
    torch::manual_seed(te.rank);  // different starts: broadcast_parameters must align them
    auto model = std::make_shared<Mlp>();
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
    const lightning::Drive drive(args.at("drive").get<std::string>());
    int start = 0;
    if (drive.contains("ckpt.pt")) {
      torch::serialize::InputArchive archive;
      archive.load_from(drive.get("ckpt.pt").string());
      model->load(archive);
      optimizer.load(archive);
      torch::Tensor step;
      archive.read("step", step);
      start = static_cast<int>(step.item<int64_t>());
      resumed_from = start;
    }
    mn::broadcast_parameters(*model, *group);

    torch::manual_seed(1234);  // the same data set on every rank
    const int64_t n = 512;
    const torch::Tensor x = torch::randn({n, 8});
    const torch::Tensor y = (x.sum(1) > 0).to(torch::kLong);
    const int batch = 16;
    const int total = args.at("steps").get<int>();
    const int ckpt_every = args.value("ckpt_every", 4);
    for (int step = start; step < total; ++step) {
      // Global batch `step` of batch * world samples; this rank takes its slice.
      const int64_t offset = (int64_t{step} * batch * te.world_size + int64_t{te.rank} * batch) % n;
      const auto xb = x.narrow(0, offset, batch);
      const auto yb = y.narrow(0, offset, batch);
      optimizer.zero_grad();
      torch::nn::functional::cross_entropy(model->forward(xb), yb).backward();
      mn::allreduce_gradients(*model, *group);
      optimizer.step();
      steps = step + 1;
      if (te.rank == 0 && (step + 1) % ckpt_every == 0) {
        const auto file = lightning::files_dir() / ("ckpt-" + std::to_string(step + 1) + ".pt");
        torch::serialize::OutputArchive archive;
        model->save(archive);
        optimizer.save(archive);
        archive.write("step", torch::tensor(int64_t{step + 1}));
        archive.save_to(file.string());
        drive.put(file, "ckpt.pt");
        std::filesystem::remove(file);
      }
      if (te.restart_count == 0 && args.value("kill_rank", -1) == te.rank &&
          args.value("kill_step", -1) == step + 1) {
        ::kill(::getpid(), SIGKILL);
      }
    }
    checksum = mn::parameter_checksum(*model);
    group->barrier();
  }
};

struct Root : lightning::Flow {
  using Gang = mn::MultiNode<GangWork>;
  Json config =
      lightning::app_args().empty() ? Json::object() : Json::parse(lightning::app_args().at(0));
  Gang& gang = add_flow<Gang>("gang");

  Root() {
    gang.configure(
        mn::MultiNodeOptions()
            .nnodes(config.value("nnodes", 1))
            .nproc_per_node(config.value("nproc", 2))
            .max_restarts(config.value("max_restarts", 0))
            .args(config)
            .member_options(lightning::WorkOptions().grace_period(std::chrono::milliseconds(500))));
  }

  void run() override {
    gang.run();
    // "stop_at_step": the flow stops the gang once rank 0 has done that many
    // steps, and the app ends once every member's call is stopped.
    if (config.contains("stop_at_step") &&
        gang.member(0).steps.get() >= config.at("stop_at_step").get<int>()) {
      if (!gang.is_done()) gang.stop_members();
      bool all_stopped = true;
      for (auto* m : gang.members()) all_stopped = all_stopped && m->status().has_stopped();
      if (all_stopped) stop("gang stopped");
    }
    if (gang.has_succeeded()) stop("gang succeeded");
    if (gang.has_failed()) fail("gang failed: " + gang.error.get());
  }
};

LIGHTNING_APP(Root)
