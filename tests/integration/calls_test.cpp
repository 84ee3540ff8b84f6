// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Work calls end to end (apps/calls_app.cpp): caching, blocking vs parallel
// calls, state sync in both directions, works created inside run().
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "support.hpp"

namespace lightning::integration {
namespace {

AppRun run_calls(const TempDir& dir, const std::string& scenario) {
  return run_app(LIGHTNING_CALLS_APP, dir, {scenario});
}

TEST(CacheCallsTest, CachedCallWithSameArgsRunsOnceAcrossFlowRuns) {
  TempDir dir;
  AppRun run = run_calls(dir, "cache");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  EXPECT_EQ(run.root_vars().at("rounds"), 3) << run.describe();
  EXPECT_EQ(run.work("cached").at("vars").at("runs"), 1) << run.describe();
  EXPECT_EQ(run.root_vars().at("cached_call_ids"), Json::array({1, 1, 1})) << run.describe();
  EXPECT_EQ(run.work("cached").at("status").at("stage"), "succeeded");
}

TEST(CacheCallsTest, UncachedCallWithSameArgsRunsAgainInEachLaterFlowRun) {
  TempDir dir;
  AppRun run = run_calls(dir, "cache");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  EXPECT_EQ(run.work("uncached").at("vars").at("runs"), 3) << run.describe();
  EXPECT_EQ(run.root_vars().at("uncached_call_ids"), Json::array({1, 2, 3})) << run.describe();
  EXPECT_EQ(run.work("uncached").at("status").at("call_id"), 3);
}

TEST(BlockingCallTest, CodeAfterCallRunsOnlyOnceTheCallSucceeded) {
  TempDir dir;
  AppRun run = run_calls(dir, "blocking");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  const Json& vars = run.root_vars();

  EXPECT_EQ(vars.at("stage_after_first"), "succeeded") << run.describe();
  EXPECT_EQ(vars.at("first_finished_after_first"), true) << run.describe();
  EXPECT_EQ(vars.at("stage_after_second"), "succeeded") << run.describe();
  EXPECT_EQ(vars.at("runs_past_second"), 1) << run.describe();
  // The flow ran more than once: the first run(s) ended at a call in flight.
  EXPECT_GT(vars.at("runs").get<int>(), 1) << run.describe();
}

TEST(BlockingCallTest, NextBlockingWorkStartsOnlyAfterThePreviousOneFinished) {
  TempDir dir;
  AppRun run = run_calls(dir, "blocking");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const int64_t first_finished = run.work("first").at("vars").at("finished_ns");
  const int64_t second_started = run.work("second").at("vars").at("started_ns");
  ASSERT_GT(first_finished, 0) << run.describe();
  EXPECT_GT(second_started, first_finished) << run.describe();
}

TEST(ParallelCallTest, CodeAfterCallRunsWhileTheWorkIsStillRunning) {
  TempDir dir;
  AppRun run = run_calls(dir, "parallel");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  // The work can only finish after the flow wrote the go file, and the flow
  // writes it from code after call() once it sees the call running.
  EXPECT_EQ(run.root_vars().at("go_written"), true) << run.describe();
  EXPECT_EQ(run.work("gate").at("vars").at("saw_go"), true) << run.describe();
  EXPECT_EQ(run.work("gate").at("status").at("stage"), "succeeded") << run.describe();
  const Json& stages = run.root_vars().at("stages_after_call");
  ASSERT_FALSE(stages.empty());
  EXPECT_EQ(stages.back(), "succeeded") << run.describe();
  bool saw_running = false;
  for (const auto& s : stages) saw_running = saw_running || s == "running";
  EXPECT_TRUE(saw_running) << run.describe();
}

TEST(StateSyncTest, WorkReadsFieldsTheFlowSetAndTheFlowSeesWhatTheWorkWrote) {
  TempDir dir;
  AppRun run = run_calls(dir, "sync");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  const Json& vars = run.root_vars();

  // Round 1: input set before the work's process existed (sent in Welcome).
  EXPECT_EQ(vars.at("seen_output_1"), 42) << run.describe();
  // Round 2: input changed while the process was up (sent as a delta).
  EXPECT_EQ(vars.at("seen_output_2"), 100) << run.describe();
  EXPECT_EQ(run.work("echo").at("vars").at("inputs_seen"),
            Json::array({"round 1: input=21", "round 2: input=50"}))
      << run.describe();
}

TEST(StateSyncTest, VectorAndStructFieldsRoundTripBothWays) {
  TempDir dir;
  AppRun run = run_calls(dir, "sync");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  const Json& vars = run.root_vars();

  EXPECT_EQ(vars.at("seen_doubled"), Json::array({2, 4, 6, 8})) << run.describe();
  const Json expected_derived = {{"name", "RESNET"}, {"scale", 5.0}, {"tags", {"c", "b", "a"}}};
  EXPECT_EQ(vars.at("seen_derived"), expected_derived) << run.describe();
  EXPECT_EQ(run.work("echo").at("vars").at("config"),
            Json({{"name", "resnet"}, {"scale", 0.5}, {"tags", {"a", "b", "c"}}}));
}

TEST(StateSyncTest, FlowEndsUpWithTheLastOfManyQuickAssignments) {
  TempDir dir;
  AppRun run = run_calls(dir, "burst");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  // Read by the flow right after the call succeeded: every change the work
  // made before returning has arrived.
  EXPECT_EQ(run.root_vars().at("seen_counter"), 100000);
  Json last_ten = Json::array();
  for (int i = 99991; i <= 100000; ++i) last_ten.push_back(i);
  EXPECT_EQ(run.root_vars().at("seen_last_ten"), last_ten);
}

TEST(DynamicWorksTest, SweepOfEightWorksCreatedInsideRunAllSucceed) {
  TempDir dir;
  AppRun run = run_calls(dir, "sweep");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const Json& works = run.state().at("works");
  ASSERT_EQ(works.size(), 8u) << run.describe();
  std::set<int> pids;
  int expected_total = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string name = "trial_" + std::to_string(i);
    ASSERT_TRUE(works.contains(name)) << run.describe();
    EXPECT_EQ(works[name].at("status").at("stage"), "succeeded") << name;
    EXPECT_EQ(works[name].at("vars").at("result"), i * i + 1) << name;
    pids.insert(works[name].at("vars").at("pid").get<int>());
    expected_total += i * i + 1;
  }
  EXPECT_EQ(pids.size(), 8u) << "each work runs in a process of its own";
  EXPECT_EQ(run.root_vars().at("succeeded"), 8);
  EXPECT_EQ(run.root_vars().at("works_in_tree"), 8);
  EXPECT_EQ(run.root_vars().at("total"), expected_total);
}

TEST(WorkProcessTest, WorkSeesTheRunDirectoryAndAppArguments) {
  TempDir dir;
  AppRun run = run_calls(dir, "work_env");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const std::string expected_dir = std::filesystem::absolute(run.run_dir).string();
  EXPECT_EQ(run.root_vars().at("flow_run_dir"), expected_dir);
  const Json& vars = run.work("env").at("vars");
  EXPECT_EQ(vars.at("run_dir"), expected_dir);
  EXPECT_EQ(vars.at("app_args"), Json::array({"work_env"}));
}

}  // namespace
}  // namespace lightning::integration
