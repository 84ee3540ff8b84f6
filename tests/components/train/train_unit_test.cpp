// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// TrainWork's pure parts: call args -> TrainConfig, checkpoint files (names,
// atomic save, latest, pruning, load with shape checks), CPU threads, the
// allocator tuning.
#include <gtest/gtest.h>
#include <malloc.h>

#include <filesystem>
#include <fstream>
#include <lightning/components/train.hpp>
#include <string>
#include <vector>

#include "../../../components/train/src/checkpoint.hpp"
#include "../../common/temp_dir.hpp"

namespace lightning::components {
namespace {

namespace fs = std::filesystem;
using lightning::testing::TempDir;

torch::nn::Sequential mlp(int64_t hidden) {
  return torch::nn::Sequential(torch::nn::Linear(4, hidden), torch::nn::ReLU(),
                               torch::nn::Linear(hidden, 3), torch::nn::BatchNorm1d(3));
}

TEST(TrainConfigTest, ReadsEveryKeyOverTheDefaultsAndKeepsTheArgs) {
  TrainConfig defaults;
  defaults.batch_size = 7;
  const auto c = TrainConfig::from_json(
      {{"epochs", 3}, {"lr", 0.5}, {"max_steps", 9}, {"report_every", 2}, {"eval_every", 4},
       {"checkpoint_every", 5}, {"keep_last", 1}, {"seed", 42}, {"threads", 2},
       {"device", "cpu"}, {"resume", false}, {"width", 32}},
      defaults);
  EXPECT_EQ(c.epochs, 3);
  EXPECT_EQ(c.batch_size, 7);
  EXPECT_DOUBLE_EQ(c.lr, 0.5);
  EXPECT_EQ(c.max_steps, 9);
  EXPECT_EQ(c.report_every, 2);
  EXPECT_EQ(c.eval_every, 4);
  EXPECT_EQ(c.checkpoint_every, 5);
  EXPECT_EQ(c.keep_last, 1);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.device, "cpu");
  EXPECT_FALSE(c.resume);
  EXPECT_EQ(c.args.at("width"), 32);
}

TEST(TrainConfigTest, RefusesWrongTypesAndValuesNamingTheKey) {
  auto message = [](const lightning::Json& args) {
    try {
      TrainConfig::from_json(args);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(message({{"batch_size", 0}}), "TrainWork: batch_size must be >= 1, got 0");
  EXPECT_NE(message({{"epochs", "two"}}).find("\"epochs\" has the wrong type"), std::string::npos);
  EXPECT_NE(message({{"lr", -1.0}}).find("lr must be a finite number > 0"), std::string::npos);
  EXPECT_NE(message({{"keep_last", 0}}).find("keep_last must be >= 1"), std::string::npos);
  EXPECT_NE(message({{"device", "tpu"}}).find("device must be"), std::string::npos);
  EXPECT_NE(message(lightning::Json::array()).find("must be a JSON object"), std::string::npos);
}

TEST(CheckpointTest, NamesSortByStepAndOtherNamesAreIgnored) {
  EXPECT_EQ(checkpoint_name(300), "step-000000000300.pt");
  EXPECT_EQ(checkpoint_step_of("step-000000000300.pt"), 300);
  EXPECT_FALSE(checkpoint_step_of(".tmp-12-step-000000000300.pt"));
  EXPECT_FALSE(checkpoint_step_of("step-00000000030x.pt"));
  EXPECT_FALSE(checkpoint_step_of("step-000000000300.pt.bak"));
}

TEST(CheckpointTest, SaveThenLoadRestoresWeightsOptimizerStateAndRng) {
  TempDir dir;
  torch::manual_seed(1);
  auto a = mlp(8);
  torch::optim::Adam opt_a(a->parameters(), torch::optim::AdamOptions(0.1));
  // One step so that Adam has state (exp_avg) to save.
  auto loss = a->forward(torch::randn({5, 4})).sum();
  loss.backward();
  opt_a.step();
  const auto rng_before = torch::rand({3});
  torch::manual_seed(2);
  const fs::path file = save_checkpoint(dir.path(), *a, opt_a, {17, 2, 0.25});
  EXPECT_EQ(file.filename(), "step-000000000017.pt");
  const auto expected_next = torch::rand({3});

  torch::manual_seed(99);
  auto b = mlp(8);
  torch::optim::Adam opt_b(b->parameters(), torch::optim::AdamOptions(0.1));
  const auto meta = load_checkpoint(file, *b, opt_b, torch::kCPU);
  EXPECT_EQ(meta.step, 17);
  EXPECT_EQ(meta.epoch, 2);
  EXPECT_DOUBLE_EQ(meta.val_loss, 0.25);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  auto ba = a->named_buffers(), bb = b->named_buffers();
  for (const auto& p : ba) EXPECT_TRUE(torch::equal(p.value(), bb[p.key()])) << p.key();
  EXPECT_EQ(opt_b.state().size(), opt_a.state().size());
  EXPECT_TRUE(torch::equal(torch::rand({3}), expected_next)) << "RNG state not restored";
  (void)rng_before;
  EXPECT_EQ(load_model(file, *mlp(8)), 17);
}

TEST(CheckpointTest, AModelOfAnotherShapeIsRefusedNamingTheParameterAndBothShapesAndIsUnchanged) {
  TempDir dir;
  auto a = mlp(8);
  torch::optim::SGD opt_a(a->parameters(), torch::optim::SGDOptions(0.1));
  const fs::path file = save_checkpoint(dir.path(), *a, opt_a, {5, 0, 0});
  auto b = mlp(16);
  const auto before = b->named_parameters()["0.weight"].clone();
  torch::optim::SGD opt_b(b->parameters(), torch::optim::SGDOptions(0.1));
  try {
    load_checkpoint(file, *b, opt_b, torch::kCPU);
    FAIL() << "loaded a checkpoint of another shape";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("parameter '0.weight' is [8, 4] in the checkpoint but "
                                         "[16, 4] in the model"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(before, b->named_parameters()["0.weight"])) << "partly loaded";
  // A model with a module the checkpoint lacks.
  auto c = torch::nn::Sequential(torch::nn::Linear(4, 8), torch::nn::ReLU(), torch::nn::Linear(8, 3),
                                 torch::nn::BatchNorm1d(3), torch::nn::Linear(3, 3));
  EXPECT_THROW(
      {
        try {
          load_model(file, *c);
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("module '4' is in the model but not in the checkpoint"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      std::runtime_error);
}

TEST(CheckpointTest, AFileThatIsNotACheckpointGivesAClearError) {
  TempDir dir;
  const fs::path file = fs::path(dir.path()) / "step-000000000001.pt";
  std::ofstream(file) << "not a zip archive";
  auto m = mlp(8);
  try {
    load_model(file, *m);
    FAIL() << "loaded garbage";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be read"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("resume"), std::string::npos) << e.what();
  }
}

TEST(CheckpointTest, LatestIgnoresTemporariesAndPruneKeepsTheLastN) {
  TempDir dir;
  auto m = mlp(2);
  torch::optim::SGD opt(m->parameters(), torch::optim::SGDOptions(0.1));
  for (int64_t s : {10, 30, 20}) save_checkpoint(dir.path(), *m, opt, {s, 0, 0});
  // A writer killed mid-save leaves a temporary under another name (pid 1
  // is alive: its temporary stays; one of a dead pid is removed).
  std::ofstream(fs::path(dir.path()) / ".tmp-1-step-000000000099.pt") << "half";
  std::ofstream(fs::path(dir.path()) / ".tmp-999999999-step-000000000098.pt") << "half";
  EXPECT_EQ(latest_checkpoint(dir.path())->filename(), "step-000000000030.pt");
  prune_checkpoints(dir.path(), 2);
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "step-000000000010.pt"));
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "step-000000000020.pt"));
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "step-000000000030.pt"));
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / ".tmp-1-step-000000000099.pt"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / ".tmp-999999999-step-000000000098.pt"));
}

TEST(ThreadsTest, SetCpuThreadsSetsLibtorchsThreadsAndDefaultsToTheAffinityMask) {
  EXPECT_EQ(set_cpu_threads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_EQ(set_cpu_threads(0), cpus_in_affinity_mask());
  EXPECT_EQ(at::get_num_threads(), cpus_in_affinity_mask());
}

// Each test is its own process (gtest_discover_tests), so the process-wide
// allocator settings stay in this one. With glibc's defaults (a fresh process:
// mmap threshold 128 KiB, trim threshold 128 KiB, both moving), the 16 MiB
// tensor is an mmap of its own, unmapped when freed and faulted in again at
// the next allocation.
TEST(AllocatorTest, AfterTuningA16MiBTensorComesFromTheHeapAndItsFreedMemoryIsKept) {
#ifndef __GLIBC__
  GTEST_SKIP() << "tunes glibc's allocator";
#else
  ASSERT_TRUE(tune_allocator_for_training());
  ASSERT_TRUE(tune_allocator_for_training());  // idempotent
  const struct mallinfo2 before = ::mallinfo2();
  struct mallinfo2 with {};
  {
    auto t = torch::ones({int64_t{4} << 20});  // 16 MiB of floats, touched
    ASSERT_EQ(t[7].item<float>(), 1.0F);
    with = ::mallinfo2();
    EXPECT_EQ(with.hblkhd, before.hblkhd) << "the tensor was mmapped on its own";
  }
  const struct mallinfo2 after = ::mallinfo2();
  EXPECT_GE(after.arena, with.arena) << "free() shrank the heap";
  EXPECT_GE(after.fordblks, size_t{16} << 20) << "the tensor's memory is not kept for reuse";
  EXPECT_TRUE(release_free_memory());  // malloc_trim(0): now it goes back
#endif
}

TEST(FashionMnistCnnTest, MapsABatchOfImagesToTenLogits) {
  auto cnn = fashion_mnist_cnn(4, 16);
  EXPECT_EQ(cnn->forward(torch::zeros({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
}

}  // namespace
}  // namespace lightning::components
