// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// apps/train_serve.cpp end to end on a subset of real Fashion-MNIST: a real
// TrainWork, real ServeWork replicas behind the AutoScaler's balancer (real
// HTTP, KServe v2 with binary tensors), and a real client work sending the
// test images through the served endpoint. The full run is README's first
// command, not a test.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "../integration/support.hpp"

namespace lightning::integration {
namespace {

const char* kSource = "/usr/share/datasets/fashion-mnist";

bool have_data() {
  return std::filesystem::exists(std::string(kSource) + "/train-images-idx3-ubyte.gz");
}

TEST(TrainServeAppTest, TrainsServesAndTheServedAccuracyEqualsTheOfflineOne) {
  if (!have_data()) {
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed (scripts/install-deps.sh)";
  }
  TempDir dir;
  const AppRun run =
      run_app(LIGHTNING_TRAIN_SERVE_APP, dir,
              {"--epochs", "1", "--width", "4", "--batch-size", "64", "--train-limit", "1280",
               "--test-limit", "400", "--threshold", "0.3", "--concurrency", "8", "--data-cache",
               LIGHTNING_TRAIN_SERVE_TEST_CACHE},
              {"--quiet-works"}, milliseconds(150000));
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& vars = run.root_vars();
  const double offline = vars.at("offline_accuracy").get<double>();
  const double served = vars.at("served_accuracy").get<double>();
  // Better than chance (10%) after 20 steps, and the model that was served.
  EXPECT_GT(offline, 0.3) << vars.dump();
  EXPECT_LE(std::abs(served - offline) * 400, 1.5) << vars.dump();
  const Json& eval = run.work("evaluate").at("vars");
  EXPECT_EQ(eval.at("images"), 400) << eval.dump();
  EXPECT_EQ(eval.at("failed"), 0) << eval.dump();
  const std::string url = vars.at("url").get<std::string>();
  EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  EXPECT_TRUE(contains(run.out + run.err, "served")) << run.describe();
  EXPECT_TRUE(contains(run.out + run.err, url + "/v2/models/fashion-mnist/infer"))
      << run.describe();
}

TEST(TrainServeAppTest, AModelBelowTheThresholdIsNotServedAndTheAppSaysWhy) {
  if (!have_data()) {
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed (scripts/install-deps.sh)";
  }
  TempDir dir;
  const AppRun run = run_app(LIGHTNING_TRAIN_SERVE_APP, dir,
                             {"--epochs", "1", "--width", "2", "--batch-size", "64",
                              "--train-limit", "128", "--test-limit", "200", "--threshold", "0.99",
                              "--data-cache", LIGHTNING_TRAIN_SERVE_TEST_CACHE},
                             {"--quiet-works"}, milliseconds(120000));
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  EXPECT_NE(run.status.exit_code, 0) << run.describe();
  EXPECT_TRUE(contains(run.err, "below the threshold 0.99")) << run.err;
  // Nothing was served: the evaluation never ran.
  EXPECT_EQ(run.work("evaluate").at("vars").at("images"), 0) << run.describe();
}

}  // namespace
}  // namespace lightning::integration
