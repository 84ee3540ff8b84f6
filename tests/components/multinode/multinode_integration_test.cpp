// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// MultiNode with real processes: apps/gang_app.cpp runs a gang of works
// forked from the zygote, talking to each other over Gloo (c10d TCPStore +
// ProcessGroupGloo on loopback) and to the controller over gRPC.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/support.hpp"

namespace {

using lightning::integration::AppRun;
using lightning::integration::contains;
using lightning::integration::Json;
using lightning::integration::TempDir;
using lightning::integration::wait_process_gone;
using std::chrono::milliseconds;

AppRun run_gang(const TempDir& dir, const Json& config) {
  return lightning::integration::run_app(LIGHTNING_GANG_APP, dir, {config.dump()});
}

const Json& member(const AppRun& run, int rank) {
  return run.state().at("flows").at("gang").at("works").at("rank" + std::to_string(rank));
}

const Json& gang_vars(const AppRun& run) { return run.state().at("flows").at("gang").at("vars"); }

// Every member's process is gone once the app has exited. A member whose pid
// is 0 never ran its call: the gang was stopped (a peer failed first) before
// its process got there, so its call must have ended stopped.
void expect_no_member_left(const AppRun& run, int world) {
  int ran = 0;
  for (int rank = 0; rank < world; ++rank) {
    const int pid = member(run, rank).at("vars").at("pid").get<int>();
    if (pid == 0) {
      EXPECT_EQ(member(run, rank).at("status").at("stage"), "stopped") << "rank " << rank;
      continue;
    }
    ++ran;
    EXPECT_TRUE(wait_process_gone(pid, milliseconds(5000))) << "rank " << rank << " pid " << pid;
  }
  EXPECT_GT(ran, 0);
}

TEST(MultiNodeAppTest, EachMemberGetsTheTorchrunEnvironmentAndARestartGetsAFreshPort) {
  TempDir dir;
  // 2 node groups x 2 processes; rank 3 fails once, so the gang restarts once.
  const AppRun run = run_gang(
      dir, {{"mode", "env"}, {"nnodes", 2}, {"nproc", 2}, {"max_restarts", 1}, {"fail_rank", 3}});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& vars = gang_vars(run);
  EXPECT_EQ(vars.at("phase"), "succeeded");
  EXPECT_EQ(vars.at("restart_count"), 1);
  EXPECT_EQ(vars.at("world_size"), 4);
  const int port = vars.at("master_port").get<int>();
  ASSERT_GT(port, 0);
  // The failure that caused the restart names the member and its old port.
  const std::string error = vars.at("error").get<std::string>();
  EXPECT_TRUE(contains(
      error, "rank 3 (root.gang.rank3) failed: exception: std::runtime_error: injected failure"))
      << error;
  EXPECT_FALSE(contains(error, "MASTER_PORT=" + std::to_string(port) + ")")) << error;
  for (int rank = 0; rank < 4; ++rank) {
    const Json& env = member(run, rank).at("vars").at("env");
    SCOPED_TRACE("rank " + std::to_string(rank) + ": " + env.dump());
    EXPECT_EQ(env.at("RANK"), std::to_string(rank));
    EXPECT_EQ(env.at("LOCAL_RANK"), std::to_string(rank % 2));
    EXPECT_EQ(env.at("GROUP_RANK"), std::to_string(rank / 2));
    EXPECT_EQ(env.at("WORLD_SIZE"), "4");
    EXPECT_EQ(env.at("LOCAL_WORLD_SIZE"), "2");
    EXPECT_EQ(env.at("GROUP_WORLD_SIZE"), "2");
    EXPECT_EQ(env.at("MASTER_ADDR"), "127.0.0.1");
    EXPECT_EQ(env.at("MASTER_PORT"), std::to_string(port));
    EXPECT_EQ(env.at("TORCHELASTIC_RESTART_COUNT"), "1");
    EXPECT_EQ(member(run, rank).at("status").at("stage"), "succeeded");
  }
  expect_no_member_left(run, 4);
}

TEST(MultiNodeAppTest, ThreeRanksOverGlooEndWithIdenticalWeights) {
  TempDir dir;
  const AppRun run =
      run_gang(dir, {{"mode", "train"}, {"nproc", 3}, {"steps", 12}, {"drive", "ckpt"}});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const double reference = member(run, 0).at("vars").at("checksum").get<double>();
  EXPECT_NE(reference, 0.0);
  for (int rank = 0; rank < 3; ++rank) {
    const Json& v = member(run, rank).at("vars");
    EXPECT_EQ(v.at("steps"), 12) << "rank " << rank;
    // Bitwise: the same averaged gradients applied to the same weights.
    EXPECT_EQ(v.at("checksum").get<double>(), reference) << "rank " << rank;
    EXPECT_EQ(v.at("resumed_from"), -1);
  }
  expect_no_member_left(run, 3);
}

TEST(MultiNodeAppTest, AMemberKilledWithSigkillRestartsTheGangFromTheLastCheckpoint) {
  const Json base = {{"mode", "train"}, {"nproc", 2},      {"steps", 12},
                     {"ckpt_every", 4}, {"drive", "ckpt"}, {"max_restarts", 2}};
  TempDir clean_dir;
  const AppRun clean = run_gang(clean_dir, base);
  ASSERT_EQ(clean.status.exit_code, 0) << clean.describe();

  Json killed_config = base;
  killed_config["kill_rank"] = 1;
  killed_config["kill_step"] = 6;  // after the checkpoint of step 4, before the one of step 8
  TempDir dir;
  const AppRun run = run_gang(dir, killed_config);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& vars = gang_vars(run);
  EXPECT_EQ(vars.at("restart_count"), 1);
  EXPECT_TRUE(contains(vars.at("error").get<std::string>(),
                       "rank 1 (root.gang.rank1) failed: "
                       "signal"))
      << vars.at("error");
  for (int rank = 0; rank < 2; ++rank) {
    const Json& v = member(run, rank).at("vars");
    EXPECT_EQ(v.at("resumed_from"), 4) << "rank " << rank;
    EXPECT_EQ(v.at("steps"), 12) << "rank " << rank;
    // Resumed from the checkpoint (weights, momentum, step), the run ends
    // where the uninterrupted one does.
    EXPECT_DOUBLE_EQ(v.at("checksum").get<double>(),
                     member(clean, rank).at("vars").at("checksum").get<double>())
        << "rank " << rank;
  }
  expect_no_member_left(run, 2);
}

TEST(MultiNodeAppTest, MaxRestartsExceededFailsTheFlowWithTheMembersMessage) {
  TempDir dir;
  const AppRun run = run_gang(dir, {{"mode", "env"},
                                    {"nproc", 2},
                                    {"max_restarts", 1},
                                    {"fail_rank", 1},
                                    {"fail_restarts", 99}});
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  const Json& vars = gang_vars(run);
  EXPECT_EQ(vars.at("phase"), "failed");
  EXPECT_EQ(vars.at("restart_count"), 1);
  const std::string error = vars.at("error").get<std::string>();
  EXPECT_TRUE(contains(error,
                       "rank 1 (root.gang.rank1) failed: exception: "
                       "std::runtime_error: injected failure on rank 1"))
      << error;
  EXPECT_TRUE(contains(run.out + run.err, "injected failure on rank 1")) << run.describe();
  expect_no_member_left(run, 2);
}

TEST(MultiNodeAppTest, StopMembersStopsEveryMemberMidTraining) {
  TempDir dir;
  const AppRun run = run_gang(dir, {{"mode", "train"},
                                    {"nproc", 2},
                                    {"steps", 1000000},
                                    {"drive", "ckpt"},
                                    {"stop_at_step", 3}});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_TRUE(contains(run.out + run.err, "gang stopped")) << run.describe();
  EXPECT_EQ(gang_vars(run).at("phase"), "stopped");
  for (int rank = 0; rank < 2; ++rank) {
    const Json& m = member(run, rank);
    EXPECT_EQ(m.at("status").at("stage"), "stopped") << "rank " << rank;
    EXPECT_LT(m.at("vars").at("steps").get<int>(), 1000000) << "rank " << rank;
  }
  expect_no_member_left(run, 2);
}

#ifdef LIGHTNING_DDP_EXAMPLE
// The doc page's example on real Fashion-MNIST (a subset, one epoch): two ranks train,
// end with the same weights, and the model learned something.
TEST(MultiNodeAppTest, TheDocExampleTrainsFashionMnistOnTwoRanks) {
  TempDir dir;
  const AppRun run = lightning::integration::run_app(
      LIGHTNING_DDP_EXAMPLE, dir,
      {R"({"nproc": 2, "epochs": 1, "train_samples": 1024, "test_samples": 500, "batch": 32})"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& r0 = member(run, 0).at("vars");
  const Json& r1 = member(run, 1).at("vars");
  EXPECT_EQ(r0.at("epoch"), 1);
  EXPECT_EQ(r0.at("checksum").get<double>(), r1.at("checksum").get<double>());
  EXPECT_GT(r0.at("accuracy").get<double>(), 0.3);  // chance is 0.1
  EXPECT_TRUE(contains(run.out, "\"ranks\": 2")) << run.out;
}
#endif

}  // namespace
