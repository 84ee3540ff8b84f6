// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorkStatus and WorkOptions as values.
#include "lightning/status.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "lightning/work.hpp"

namespace unit_core {
namespace {

using lightning::Json;
using lightning::WorkOptions;
using lightning::WorkStage;
using lightning::WorkStatus;

TEST(WorkStageTest, EveryStageHasItsWireName) {
  EXPECT_EQ(lightning::to_string(WorkStage::kNotStarted), "not_started");
  EXPECT_EQ(lightning::to_string(WorkStage::kPending), "pending");
  EXPECT_EQ(lightning::to_string(WorkStage::kRunning), "running");
  EXPECT_EQ(lightning::to_string(WorkStage::kSucceeded), "succeeded");
  EXPECT_EQ(lightning::to_string(WorkStage::kFailed), "failed");
  EXPECT_EQ(lightning::to_string(WorkStage::kStopped), "stopped");
}

TEST(WorkStatusTest, DefaultStatusIsNotStartedAndNotDone) {
  WorkStatus s;
  EXPECT_EQ(s.stage, WorkStage::kNotStarted);
  EXPECT_FALSE(s.is_done());
  EXPECT_FALSE(s.is_pending());
  EXPECT_EQ(s.call_id, 0u);
}

TEST(WorkStatusTest, DoneMeansSucceededFailedOrStopped) {
  WorkStatus s;
  for (auto stage : {WorkStage::kSucceeded, WorkStage::kFailed, WorkStage::kStopped}) {
    s.stage = stage;
    EXPECT_TRUE(s.is_done()) << lightning::to_string(stage);
  }
  for (auto stage : {WorkStage::kNotStarted, WorkStage::kPending, WorkStage::kRunning}) {
    s.stage = stage;
    EXPECT_FALSE(s.is_done()) << lightning::to_string(stage);
  }
}

TEST(WorkStatusTest, ToJsonOmitsEmptyOptionalFields) {
  WorkStatus s;
  s.stage = WorkStage::kRunning;
  s.timestamp_us = 5;
  s.call_id = 2;
  s.attempt = 1;
  EXPECT_EQ(s.to_json(),
            (Json{{"stage", "running"}, {"timestamp_us", 5}, {"call_id", 2}, {"attempt", 1}}));
}

TEST(WorkStatusTest, ToJsonIncludesFailureDetails) {
  WorkStatus s;
  s.stage = WorkStage::kFailed;
  s.reason = "signal";
  s.message = "killed";
  s.signal = 9;
  s.exit_code = 137;
  const Json j = s.to_json();
  EXPECT_EQ(j.at("stage"), "failed");
  EXPECT_EQ(j.at("reason"), "signal");
  EXPECT_EQ(j.at("message"), "killed");
  EXPECT_EQ(j.at("signal"), 9);
  EXPECT_EQ(j.at("exit_code"), 137);
}

TEST(WorkOptionsTest, DefaultsMatchTheDocumentation) {
  WorkOptions o;
  EXPECT_FALSE(o.parallel());
  EXPECT_TRUE(o.cache_calls());
  EXPECT_EQ(o.retries(), 0);
  EXPECT_EQ(o.timeout(), std::chrono::milliseconds(0));
  EXPECT_TRUE(o.raise_exception());
  EXPECT_TRUE(o.env().empty());
}

TEST(WorkOptionsTest, FluentSettersChainAndShowInJson) {
  auto o = WorkOptions()
               .parallel(true)
               .cache_calls(false)
               .retries(2)
               .retry_backoff(std::chrono::milliseconds(7))
               .timeout(std::chrono::seconds(1))
               .raise_exception(false)
               .env({{"A", "1"}});
  const Json j = o.to_json();
  EXPECT_EQ(j.at("parallel"), true);
  EXPECT_EQ(j.at("cache_calls"), false);
  EXPECT_EQ(j.at("retries"), 2);
  EXPECT_EQ(j.at("retry_backoff_ms"), 7);
  EXPECT_EQ(j.at("timeout_ms"), 1000);
  EXPECT_EQ(j.at("raise_exception"), false);
  EXPECT_EQ(j.at("env"), (Json{{"A", "1"}}));
}

}  // namespace
}  // namespace unit_core
