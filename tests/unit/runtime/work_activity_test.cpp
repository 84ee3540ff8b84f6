// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/work_activity.hpp"

#include <gtest/gtest.h>

#include "lightning/work.hpp"

namespace lightning::runtime {
namespace {

struct NoopWork : Work {
  void run(const Json&) override {}
};

WorkStatus status(WorkStage stage, uint64_t call_id, int64_t at_us) {
  WorkStatus s;
  s.stage = stage;
  s.call_id = call_id;
  s.timestamp_us = at_us;
  s.attempt = 1;
  return s;
}

class WorkActivityTest : public ::testing::Test {
 protected:
  int64_t now_us_ = 10'000'000;
  WorkActivity activity_{[this] { return now_us_; }};
  NoopWork work_;
};

TEST_F(WorkActivityTest, NothingIsKnownBeforeAnything) {
  EXPECT_EQ(activity_.find(work_), nullptr);
  EXPECT_FALSE(activity_.duration_s(work_).has_value());
}

TEST_F(WorkActivityTest, RunningCallLastsUntilNowAndADoneOneUntilItsEnd) {
  activity_.on_call_status(work_, status(WorkStage::kPending, 1, 1'000'000), true);
  EXPECT_FALSE(activity_.duration_s(work_).has_value());
  activity_.on_call_status(work_, status(WorkStage::kRunning, 1, 8'000'000), true);
  EXPECT_DOUBLE_EQ(*activity_.duration_s(work_), 2.0);
  activity_.on_call_status(work_, status(WorkStage::kSucceeded, 1, 9'500'000), true);
  now_us_ += 60'000'000;
  EXPECT_DOUBLE_EQ(*activity_.duration_s(work_), 1.5);
  EXPECT_EQ(activity_.find(work_)->started_us, 8'000'000);
  EXPECT_EQ(activity_.find(work_)->ended_us, 9'500'000);
}

TEST_F(WorkActivityTest, ANewCallForgetsThePreviousTimesAndOtherCallsAreIgnored) {
  activity_.on_call_status(work_, status(WorkStage::kRunning, 1, 1'000'000), true);
  activity_.on_call_status(work_, status(WorkStage::kSucceeded, 1, 2'000'000), true);
  activity_.on_call_status(work_, status(WorkStage::kRunning, 7, 3'000'000), false);
  EXPECT_EQ(activity_.find(work_)->call_id, 1u);
  activity_.on_call_status(work_, status(WorkStage::kPending, 2, 4'000'000), true);
  EXPECT_FALSE(activity_.find(work_)->started_us.has_value());
  EXPECT_FALSE(activity_.find(work_)->ended_us.has_value());
}

TEST_F(WorkActivityTest, ProcessIsAliveFromItsStartUntilThatPidExits) {
  activity_.on_process_started(work_, 100);
  EXPECT_EQ(activity_.find(work_)->pid, 100);
  EXPECT_TRUE(activity_.find(work_)->alive);
  activity_.on_process_started(work_, 200);  // a restart
  activity_.on_process_exited(work_, 100);   // the old one's late exit
  EXPECT_TRUE(activity_.find(work_)->alive);
  activity_.on_process_exited(work_, 200);
  EXPECT_FALSE(activity_.find(work_)->alive);
  EXPECT_EQ(activity_.find(work_)->pid, 200);
}

}  // namespace
}  // namespace lightning::runtime
