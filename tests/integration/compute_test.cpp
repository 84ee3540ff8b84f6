// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorkOptions::compute in a local run (apps/compute_app.cpp): a work asking
// for more CPUs than this machine has fails its first call at once with a
// message naming what it asked, what the machine has and what to do, instead
// of hanging; one that fits runs. Real app, real work processes. About 1 s.
#include <gtest/gtest.h>

#include <string>

#include "support.hpp"

namespace lightning::integration {
namespace {

constexpr const char* kFix = "run it on a cluster (--cluster slurm) or lower WorkOptions::compute";

TEST(ComputeTest, AWorkAskingForMoreCpusThanTheMachineHasFailsAtOnceSayingWhy) {
  TempDir dir;
  const AppRun run =
      run_app(LIGHTNING_COMPUTE_APP, dir, {"huge"}, {"--quiet-works"}, milliseconds(20000));
  ASSERT_FALSE(run.status.timed_out) << "hung instead of failing:\n" << run.describe();
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  // At once: no start timeout (30 s), no waiting for resources.
  EXPECT_LT(run.status.took, milliseconds(10000)) << run.describe();
  const Json& status = run.work("job").at("status");
  EXPECT_EQ(status.at("stage"), "failed") << run.describe();
  EXPECT_EQ(status.at("reason"), "start_failed") << run.describe();
  const std::string message = status.at("message").get<std::string>();
  EXPECT_TRUE(contains(message, "asks for 1000 CPUs; this machine has ")) << message;
  EXPECT_TRUE(contains(message, "sched_getaffinity")) << message;
  EXPECT_TRUE(contains(message, kFix)) << message;
  EXPECT_TRUE(contains(run.err, "asks for 1000 CPUs")) << run.describe();
  EXPECT_EQ(run.work("job").at("vars").at("ran"), false) << "no process ran the work";
}

TEST(ComputeTest, AWorkAskingForWhatTheMachineHasRuns) {
  TempDir dir;
  const AppRun run = run_app(LIGHTNING_COMPUTE_APP, dir, {"fits"}, {"--quiet-works"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(run.work("job").at("status").at("stage"), "succeeded") << run.describe();
  EXPECT_EQ(run.work("job").at("vars").at("ran"), true) << run.describe();
}

}  // namespace
}  // namespace lightning::integration
