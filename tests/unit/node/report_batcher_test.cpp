// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/report_batcher.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lightning::node {
namespace {

struct Recorder {
  std::vector<v1::WorkerReport> sent;
  int flush_requests = 0;
  ReportBatcher batcher{[this](v1::WorkerReport r) { sent.push_back(std::move(r)); },
                        [this] { ++flush_requests; }, 3, 1000};
};

v1::WorkerReport ended(uint64_t id) {
  v1::WorkerReport r;
  r.mutable_ended()->set_process_id(id);
  r.mutable_ended()->set_exit_code(0);
  return r;
}

TEST(ReportBatcherTest, LinesThatPileUpGoOutAsOneMessageOnFlush) {
  Recorder r;
  r.batcher.add_line(7, 2, false, "a");
  r.batcher.add_line(7, 2, false, "b");
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(r.flush_requests, 1);  // once per batch, not per line
  r.batcher.flush();
  ASSERT_EQ(r.sent.size(), 1u);
  const v1::ProcessOutput& o = r.sent[0].output();
  EXPECT_EQ(o.process_id(), 7u);
  EXPECT_EQ(o.attempt(), 2u);
  EXPECT_FALSE(o.is_stderr());
  ASSERT_EQ(o.lines_size(), 2);
  EXPECT_EQ(o.lines(0), "a");
  EXPECT_EQ(o.lines(1), "b");
}

TEST(ReportBatcherTest, AnotherStreamOrProcessStartsANewBatchInOrder) {
  Recorder r;
  r.batcher.add_line(1, 1, false, "out1");
  r.batcher.add_line(1, 1, true, "err1");
  r.batcher.add_line(2, 1, true, "err2");
  r.batcher.add_line(1, 1, false, "out2");
  r.batcher.flush();
  ASSERT_EQ(r.sent.size(), 4u);
  EXPECT_EQ(r.sent[0].output().lines(0), "out1");
  EXPECT_EQ(r.sent[1].output().lines(0), "err1");
  EXPECT_TRUE(r.sent[1].output().is_stderr());
  EXPECT_EQ(r.sent[2].output().process_id(), 2u);
  EXPECT_EQ(r.sent[3].output().lines(0), "out2");
}

TEST(ReportBatcherTest, EndedComesAfterTheLastLine) {
  Recorder r;
  r.batcher.add_line(1, 1, false, "last words");
  r.batcher.send(ended(1));
  ASSERT_EQ(r.sent.size(), 2u);
  EXPECT_TRUE(r.sent[0].has_output());
  EXPECT_TRUE(r.sent[1].has_ended());
  r.batcher.flush();  // the flush the loop runs later finds nothing
  EXPECT_EQ(r.sent.size(), 2u);
}

TEST(ReportBatcherTest, ABatchIsCutAtMaxLinesAndMaxBytesWithoutLosingALine) {
  Recorder r;
  for (int i = 0; i < 7; ++i) r.batcher.add_line(1, 1, false, std::to_string(i));
  r.batcher.add_line(1, 1, false, std::string(990, 'x'));  // over max_bytes with what is there
  r.batcher.flush();
  std::vector<std::string> all;
  for (const auto& rep : r.sent) {
    EXPECT_LE(rep.output().lines_size(), 3);
    for (const auto& l : rep.output().lines()) all.push_back(l);
  }
  ASSERT_EQ(all.size(), 8u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], std::to_string(i));
  EXPECT_EQ(all[7].size(), 990u);
}

}  // namespace
}  // namespace lightning::node
