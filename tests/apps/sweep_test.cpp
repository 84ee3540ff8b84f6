// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// apps/sweep.cpp end to end: real Fashion-MNIST (Debian's
// dataset-fashion-mnist), real TrainWorks in their own processes, created by
// the flow as CPU slots free up. A short sweep on a subset of the data.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../integration/support.hpp"

namespace lightning::integration {
namespace {

const char* kSource = "/usr/share/datasets/fashion-mnist";

TEST(SweepAppTest, FourTrialsTwoAtATimeReportTheBestWithItsCheckpoint) {
  if (!std::filesystem::exists(std::string(kSource) + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed (scripts/install-deps.sh)";
  }
  TempDir dir;
  const AppRun run = run_app(LIGHTNING_SWEEP_APP, dir,
                             {"--lr", "1e-3,1e-2", "--width", "2,4", "--epochs", "1",
                              "--batch-size", "64", "--train-limit", "640", "--test-limit", "256",
                              "--parallel", "2", "--data-cache", LIGHTNING_SWEEP_TEST_CACHE},
                             {"--quiet-works"}, milliseconds(120000));
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& vars = run.root_vars();
  const Json& trials = vars.at("trials");
  ASSERT_EQ(trials.size(), 4u) << trials.dump(2);
  double best_accuracy = -1;
  for (const Json& t : trials) {
    EXPECT_EQ(t.at("status"), "succeeded") << t.dump();
    ASSERT_TRUE(t.contains("val_accuracy")) << t.dump();
    best_accuracy = std::max(best_accuracy, t.at("val_accuracy").get<double>());
    // Each trial trained its own configuration: 640 images / 64 = 10 steps.
    const Json& work = run.work(t.at("trial").get<std::string>()).at("vars");
    EXPECT_EQ(work.at("step"), 10) << work.dump();
  }
  const Json& best = vars.at("best");
  EXPECT_DOUBLE_EQ(best.at("val_accuracy").get<double>(), best_accuracy) << best.dump();
  // An untrained 10-class model is right ~10% of the time.
  EXPECT_GT(best_accuracy, 0.2) << trials.dump(2);
  // The best trial's checkpoint is a committed Path to a file on disk.
  const Json& ckpt = best.at("checkpoint");
  ASSERT_FALSE(ckpt.at("manifest").get<std::string>().empty()) << ckpt.dump();
  const std::string file = run.run_dir + "/files/" + ckpt.at("origin").get<std::string>() + "/" +
                           ckpt.at("$path").get<std::string>();
  EXPECT_TRUE(std::filesystem::is_regular_file(file)) << file;
  EXPECT_TRUE(contains(run.err, "best of 4 trials")) << run.err;
}

TEST(SweepAppTest, ABadOptionFailsTheAppNamingIt) {
  TempDir dir;
  const AppRun run = run_app(LIGHTNING_SWEEP_APP, dir, {"--lr", "-1"}, {"--quiet-works"},
                             milliseconds(60000));
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  EXPECT_NE(run.status.exit_code, 0) << run.describe();
  EXPECT_TRUE(contains(run.err, "--lr")) << run.err;
}

}  // namespace
}  // namespace lightning::integration
