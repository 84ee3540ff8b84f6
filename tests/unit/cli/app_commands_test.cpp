// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the `lightning` subcommands make of the API's answers, and choosing
// the app when none runs.
#include "app_commands.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/temp_dir.hpp"
#include "errors.hpp"

namespace unit_cli {
namespace {

using lightning::cli::CliError;
using nlohmann::json;

TEST(AppCommandsTest, ComponentRowsWalkFlowsDepthFirst) {
  const json body = json::parse(R"({"version": 7, "root": {
    "path": "root", "name": "root", "kind": "flow",
    "works": [{"path": "root.train", "name": "train", "kind": "work", "status": "running",
               "attempt": 2, "duration_s": 1.5, "started_at": 1764470000.1, "ended_at": null}],
    "flows": [{"path": "root.sweep", "name": "sweep", "kind": "flow", "flows": [],
               "works": [{"path": "root.sweep.t1", "name": "t1", "kind": "work",
                          "status": "pending", "attempt": 0, "duration_s": null}]}]}})");
  const auto rows = lightning::cli::rows_from_components(body);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].path, "root.train");
  EXPECT_EQ(rows[0].status, "running");
  EXPECT_EQ(rows[0].attempt, 2);
  EXPECT_DOUBLE_EQ(rows[0].duration_s, 1.5);
  EXPECT_EQ(rows[1].path, "root.sweep.t1");
  EXPECT_LT(rows[1].duration_s, 0);  // null: none
  EXPECT_TRUE(lightning::cli::rows_from_components(json::parse("[1,2]")).empty());
}

TEST(AppCommandsTest, ComponentRowsSayOnWhichWorkerEachWorkRanAndWhyOneWaitsOrFailed) {
  const json body = json::parse(R"J({"version": 9, "root": {
    "path": "root", "name": "root", "kind": "flow", "flows": [], "works": [
      {"path": "root.a", "kind": "work", "status": "succeeded", "reason": "", "message": "",
       "worker": "node1", "gpus": [0]},
      {"path": "root.big", "kind": "work", "status": "pending",
       "reason": "waiting_for_resources", "message": "no worker has 8 GPUs (largest: 2)",
       "worker": null, "gpus": []},
      {"path": "root.bad", "kind": "work", "status": "failed", "reason": "exception",
       "message": "bad input\nline two of the trace", "worker": "node2"},
      {"path": "root.gone", "kind": "work", "status": "failed", "reason": "worker_lost",
       "message": ""},
      {"path": "root.halt", "kind": "work", "status": "stopped", "reason": "stopped",
       "message": "stopped by the flow"}]}})J");
  const auto rows = lightning::cli::rows_from_components(body);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].worker, "node1");
  EXPECT_EQ(rows[0].why, "");
  EXPECT_EQ(rows[1].worker, "");
  EXPECT_EQ(rows[1].why, "no worker has 8 GPUs (largest: 2)");
  EXPECT_EQ(rows[2].why, "bad input");  // the first line only
  EXPECT_EQ(rows[3].why, "worker_lost");
  EXPECT_EQ(rows[4].why, "");
}

TEST(AppCommandsTest, StatusSaysWhereTheWorksRunOnAClusterAndNothingForALocalRun) {
  using lightning::cli::cluster_lines;
  EXPECT_TRUE(cluster_lines(json::parse(R"({"workers": [{"id": "local", "local": true,
                                                          "works": ["root.a"]}]})"))
                  .empty());
  const json slurm = json::parse(R"({"cluster": {"engine": "slurm", "state": "RUNNING",
      "info": "Slurm job 13 RUNNING on vm", "requeued_from": ["12"]},
      "workers": [{"id": "vm", "local": false, "draining": false, "works": ["root.a", "root.b"]},
                  {"id": "vm2", "local": false, "draining": true, "works": []}]})");
  EXPECT_EQ(cluster_lines(slurm),
            (std::vector<std::string>{"cluster  Slurm job 13 RUNNING on vm (requeued from 12)",
                                      "workers  2: vm (2 works) vm2 (0 works, draining)"}));
  const auto none = cluster_lines(json::parse(R"({"workers": []})"));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_NE(none[0].find("none has joined yet"), std::string::npos) << none[0];
  EXPECT_TRUE(cluster_lines(json::parse("[1]")).empty()) << "a body it cannot read: nothing";
}

TEST(AppCommandsTest, StateRowsTimeARunningWorkFromWhenItStarted) {
  const json body = json::parse(R"({"version": 3, "state": {"vars": {},
    "works": {"train": {"vars": {}, "status": {"stage": "running", "timestamp_us": 1000000,
                                               "call_id": 1, "attempt": 1}}},
    "flows": {"sub": {"vars": {}, "flows": {}, "works": {"w": {"vars": {},
      "status": {"stage": "succeeded", "timestamp_us": 5, "call_id": 1, "attempt": 1}}}}}}})");
  const auto rows = lightning::cli::rows_from_state(body, 3500000);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].path, "root.train");
  EXPECT_DOUBLE_EQ(rows[0].duration_s, 2.5);
  EXPECT_EQ(rows[1].path, "root.sub.w");
  EXPECT_EQ(rows[1].status, "succeeded");
  EXPECT_LT(rows[1].duration_s, 0);
}

TEST(AppCommandsTest, APatchIsOneLinePerOp) {
  const json patch = json::parse(
      R"([{"op":"replace","path":"/works/t/vars/loss","value":0.25},{"op":"remove","path":"/x"}])");
  EXPECT_EQ(lightning::cli::describe_patch("43", patch),
            (std::vector<std::string>{"v43 replace /works/t/vars/loss 0.25", "v43 remove /x"}));
  EXPECT_TRUE(lightning::cli::describe_patch("1", json::object()).empty());
}

TEST(AppCommandsTest, AWorkPathIsPercentEncodedInTheUrl) {
  EXPECT_EQ(lightning::cli::work_path_segment("root.train_1"), "root.train_1");
  EXPECT_EQ(lightning::cli::work_path_segment("root/../x y"), "root%2F..%2Fx%20y");
  EXPECT_THROW(lightning::cli::work_path_segment(""), CliError);
}

TEST(AppCommandsTest, NoRunningAppIsExitCode3NamingTheDirectory) {
  lightning::testing::TempDir dir;
  try {
    lightning::cli::select_app({"", "", dir.path()});
    ADD_FAILURE() << "an app was found";
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find("no running app started from " + dir.path()),
              std::string::npos)
        << e.what();
  }
  // A URL needs no run dir.
  const auto target = lightning::cli::select_app({"http://127.0.0.1:9", "", dir.path()});
  EXPECT_EQ(target.client.url().port, 9);
  EXPECT_TRUE(target.run_dir.empty());
}

}  // namespace
}  // namespace unit_cli
