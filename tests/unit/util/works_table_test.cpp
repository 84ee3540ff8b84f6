// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The works table that `lightning status` prints and an app draws live.
#include "util/works_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace unit_util {
namespace {

using lightning::util::format_duration;
using lightning::util::render_works_table;
using lightning::util::summarize_works;
using lightning::util::WorkRow;
using Lines = std::vector<std::string>;

WorkRow row(std::string path, std::string status, double duration_s, int attempt,
            std::string worker = "", std::string why = "") {
  WorkRow r;
  r.path = std::move(path);
  r.status = std::move(status);
  r.duration_s = duration_s;
  r.attempt = attempt;
  r.worker = std::move(worker);
  r.why = std::move(why);
  return r;
}

TEST(WorksTableTest, ColumnsArePaddedToTheWidestCell) {
  const std::vector<WorkRow> rows = {row("root.train", "running", 1.5, 1),
                                     row("root.sweep.trial_10", "pending", -1, 0)};
  EXPECT_EQ(render_works_table(rows), (Lines{"PATH                 STATUS   DURATION  ATTEMPT",
                                             "root.train           running  1.5s      1",
                                             "root.sweep.trial_10  pending  -         -"}));
}

TEST(WorksTableTest, WorkerAndWhyColumnsAppearOnlyWhenARowHasOne) {
  std::vector<WorkRow> rows = {row("root.a", "succeeded", 0.5, 1, "node1", ""),
                               row("root.big", "pending", -1, 0, "", "no worker has 8 GPUs")};
  EXPECT_EQ(render_works_table(rows),
            (Lines{"PATH      STATUS     DURATION  ATTEMPT  WORKER  WHY",
                   "root.a    succeeded  0.5s      1        node1",
                   "root.big  pending    -         -        -       no worker has 8 GPUs"}));
  rows[1].why.clear();
  EXPECT_EQ(render_works_table(rows)[0], "PATH      STATUS     DURATION  ATTEMPT  WORKER");
}

TEST(WorksTableTest, RowsOverTheLimitAreCountedAndLinesAreCutToTheWidth) {
  std::vector<WorkRow> rows;
  for (int i = 0; i < 5; ++i)
    rows.push_back(row("root.w" + std::to_string(i), "succeeded", 0.1, 1));
  const Lines lines = render_works_table(rows, 2, 12);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], "root.w0  suc");
  EXPECT_EQ(lines[3], "... and 3 mo");
  for (const auto& line : lines) EXPECT_LE(line.size(), 12u);
}

TEST(WorksTableTest, DurationsReadLikeAClock) {
  EXPECT_EQ(format_duration(-1), "-");
  EXPECT_EQ(format_duration(0.04), "0.0s");
  EXPECT_EQ(format_duration(12.34), "12.3s");
  EXPECT_EQ(format_duration(245), "4m05s");
  EXPECT_EQ(format_duration(7380), "2h03m");
}

TEST(WorksTableTest, TheSummaryCountsStatusesInTheOrderSeen) {
  EXPECT_EQ(summarize_works({row("a", "running", 1, 1), row("b", "succeeded", 1, 1),
                             row("c", "running", 1, 1)}),
            "3 works: 2 running, 1 succeeded");
  EXPECT_EQ(summarize_works({row("a", "failed", 1, 2)}), "1 work: 1 failed");
  EXPECT_EQ(summarize_works({}), "0 works");
}

}  // namespace
}  // namespace unit_util
