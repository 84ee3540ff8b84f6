// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The logs endpoint's pieces: its query (tail=, follow=), the generic query
// parser under it, and reading a log file's tail or the lines after an offset.
#include "http/log_routes.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.hpp"
#include "http/query.hpp"

namespace lightning::http {
namespace {

using lightning::testing::TempDir;

TEST(QueryTest, PairsAreSplitAndDecodedAndAFragmentIsIgnored) {
  auto q = parse_query("/x?a=1&b=x%20y+z&flag&&c=%2F#frag=1");
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(*q, (std::map<std::string, std::string>{
                    {"a", "1"}, {"b", "x y z"}, {"flag", ""}, {"c", "/"}}));
  EXPECT_TRUE(parse_query("/x")->empty());
}

TEST(QueryTest, MalformedQueriesAreErrorsNotCrashes) {
  for (const char* bad : {"/x?a=%4", "/x?a=%zz", "/x?a=%00", "/x?=1", "/x?a=1&a=2"}) {
    auto q = parse_query(bad);
    EXPECT_FALSE(q.ok()) << bad;
    if (!q.ok()) EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  std::string many = "/x?";
  for (size_t i = 0; i <= kMaxQueryParams; ++i) many += "p" + std::to_string(i) + "=1&";
  EXPECT_FALSE(parse_query(many).ok());
}

TEST(LogQueryTest, DefaultsAreTheLast100LinesWithoutFollowing) {
  auto q = parse_log_query("/api/v1/works/root.a/logs");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->tail, 100u);
  EXPECT_FALSE(q->follow);
  q = parse_log_query("/api/v1/works/root.a/logs?tail=0&follow=true");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->tail, 0u);
  EXPECT_TRUE(q->follow);
  EXPECT_EQ(parse_log_query("/l?tail=10000")->tail, 10000u);
}

TEST(LogQueryTest, BadTailFollowOrUnknownParameterIsInvalid) {
  for (const char* bad : {"/l?tail=10001", "/l?tail=-1", "/l?tail=", "/l?tail=1e3",
                          "/l?tail=99999999999999999999", "/l?follow=yes", "/l?since=3"}) {
    EXPECT_FALSE(parse_log_query(bad).ok()) << bad;
  }
}

class LogFileTest : public ::testing::Test {
 protected:
  void write(const std::string& text) { std::ofstream(file_, std::ios::binary) << text; }
  TempDir dir_;
  std::string file_ = dir_ / "root.w.log";
};

TEST_F(LogFileTest, TailGivesTheLastLinesWithTheirEndOffsets) {
  write("one\ntwo\nthree\n");
  auto tail = read_log_tail(file_, 2, 1 << 20);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->lines, (std::vector<std::string>{"two", "three"}));
  EXPECT_EQ(tail->ends, (std::vector<uint64_t>{8, 14}));
  EXPECT_TRUE(tail->truncated);
  EXPECT_EQ(tail->size, 14u);
  tail = read_log_tail(file_, 3, 1 << 20);
  EXPECT_EQ(tail->lines.size(), 3u);
  EXPECT_FALSE(tail->truncated);
}

TEST_F(LogFileTest, TailOfALongFileReadsBackwardsPastOneWindow) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + "\n";
  write(text);
  auto tail = read_log_tail(file_, 10000, 4 << 20);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->lines.size(), 10000u);
  EXPECT_EQ(tail->lines.front(), "line 10000");
  EXPECT_EQ(tail->lines.back(), "line 19999");
  EXPECT_EQ(tail->ends.back(), text.size());
  EXPECT_TRUE(tail->truncated);
}

TEST_F(LogFileTest, ByteCapDropsThePartialFirstLineAndSaysTruncated) {
  write("aaaaaaaaaa\nbb\ncc\n");
  auto tail = read_log_tail(file_, 100, 8);  // the last 8 bytes: "a\nbb\ncc\n"
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->lines, (std::vector<std::string>{"bb", "cc"}));
  EXPECT_TRUE(tail->truncated);
}

TEST_F(LogFileTest, MissingFileHasNoLines) {
  auto tail = read_log_tail(dir_ / "none.log", 10, 1 << 20);
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(tail->lines.empty());
  EXPECT_FALSE(tail->truncated);
}

TEST_F(LogFileTest, ReadFromAnOffsetGivesTheLinesAfterItAndRefusesOnePastTheEnd) {
  write("one\ntwo\nthree\n");
  auto from = read_log_from(file_, 4, 1 << 20);
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->lines, (std::vector<std::string>{"two", "three"}));
  EXPECT_EQ(from->ends, (std::vector<uint64_t>{8, 14}));
  EXPECT_TRUE(read_log_from(file_, 14, 1 << 20)->lines.empty());
  EXPECT_FALSE(read_log_from(file_, 15, 1 << 20).ok());
}

}  // namespace
}  // namespace lightning::http
