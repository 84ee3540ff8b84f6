// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The pure parts of ScriptWork's output handling (components/script/src/output.hpp).
#include "output.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lightning::components::script {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> split(LineSplitter& s, const std::vector<std::string>& chunks,
                               bool finish = true) {
  std::vector<std::string> lines;
  auto add = [&](std::string_view l) { lines.emplace_back(l); };
  for (const auto& c : chunks) s.feed(c, add);
  if (finish) s.finish(add);
  return lines;
}

TEST(LineSplitterTest, LinesSplitAcrossChunksComeOutWhole) {
  LineSplitter s;
  EXPECT_EQ(split(s, {"he", "llo\nwo", "rld\n\nlast"}),
            (std::vector<std::string>{"hello", "world", "", "last"}));
  EXPECT_EQ(s.pending(), 0U);
}

TEST(LineSplitterTest, AnUnfinishedLineWaitsForTheNextChunkOrTheEnd) {
  LineSplitter s;
  EXPECT_EQ(split(s, {"abc"}, /*finish=*/false), std::vector<std::string>{});
  EXPECT_EQ(s.pending(), 3U);
  EXPECT_EQ(split(s, {"def\n"}, false), std::vector<std::string>{"abcdef"});
}

TEST(LineSplitterTest, ALineLongerThanTheLimitIsCutIntoPiecesAndMemoryStaysBounded) {
  LineSplitter s(4);
  EXPECT_EQ(split(s, {"abcdefghij\nxy"}), (std::vector<std::string>{"abcd", "efgh", "ij", "xy"}));
  LineSplitter t(4);
  // Exactly the limit, its newline in the next chunk: no empty line after it.
  EXPECT_EQ(split(t, {"abcd", "\nef", "gh", "ijk\n"}),
            (std::vector<std::string>{"abcd", "efgh", "ijk"}));
  LineSplitter u(4);
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i) {
    u.feed("xxxxxxx", [&](std::string_view l) { lines.emplace_back(l); });
    EXPECT_LE(u.pending(), 4U);
  }
  EXPECT_EQ(lines.size(), 1749U);  // the last 4 bytes wait: more may follow
  EXPECT_EQ(u.pending(), 4U);
}

TEST(OutputTailTest, KeepsTheLastLinesUpToTheLineLimit) {
  OutputTail tail(3, 1000);
  for (const char* l : {"a", "b", "c", "d", "e"}) tail.add_line(l);
  EXPECT_EQ(tail.text(), "c\nd\ne");
  EXPECT_EQ(tail.lines(), 3U);
  EXPECT_EQ(tail.bytes(), tail.text().size());
}

TEST(OutputTailTest, KeepsTheLastBytesUpToTheByteLimitCountingNewlines) {
  OutputTail tail(50, 10);
  tail.add_line("1234");
  tail.add_line("5678");  // "1234\n5678": 9 bytes
  EXPECT_EQ(tail.text(), "1234\n5678");
  tail.add_line("9");  // 11 bytes: the first line goes
  EXPECT_EQ(tail.text(), "5678\n9");
  EXPECT_EQ(tail.bytes(), 6U);
}

TEST(OutputTailTest, ALineLongerThanTheLimitKeepsItsEnd) {
  OutputTail tail(50, 10);
  tail.add_line("first");
  tail.add_line("0123456789abcdef");
  EXPECT_EQ(tail.text(), "6789abcdef");
  EXPECT_EQ(tail.bytes(), 10U);
}

TEST(OutputTailTest, ReportsChangesOnceAndEmptyLinesCount) {
  OutputTail tail(2, 100);
  EXPECT_FALSE(tail.take_changed());
  tail.add_line("");
  tail.add_line("x");
  EXPECT_TRUE(tail.take_changed());
  EXPECT_FALSE(tail.take_changed());
  EXPECT_EQ(tail.text(), "\nx");
}

TEST(ThrottleTest, SaysDueAtMostOncePerInterval) {
  Throttle t(milliseconds(250));
  const auto t0 = Throttle::TimePoint() + std::chrono::hours(1);
  EXPECT_EQ(t.wait(t0), milliseconds(0));
  EXPECT_TRUE(t.due(t0));
  EXPECT_FALSE(t.due(t0 + milliseconds(100)));
  EXPECT_EQ(t.wait(t0 + milliseconds(100)), milliseconds(150));
  EXPECT_FALSE(t.due(t0 + milliseconds(249)));
  EXPECT_TRUE(t.due(t0 + milliseconds(250)));
  EXPECT_EQ(t.wait(t0 + milliseconds(1000)), milliseconds(0));
}

}  // namespace
}  // namespace lightning::components::script
