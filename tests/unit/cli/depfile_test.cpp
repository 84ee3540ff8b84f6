// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Makefile depfiles as clang and gcc write them with -MD/-MMD, and the stamp
// lines that say whether a PCH's inputs changed.
#include "depfile.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/temp_dir.hpp"

namespace unit_cli {
namespace {

using lightning::cli::parse_depfile;
using lightning::cli::stamp_lines;
using lightning::cli::stamp_lines_match;
using Paths = std::vector<std::string>;

TEST(DepfileTest, PrerequisitesComeInOrderWithoutTheTarget) {
  EXPECT_EQ(parse_depfile("app.o: app.cpp /usr/include/a.hpp b.hpp\n"),
            (Paths{"app.cpp", "/usr/include/a.hpp", "b.hpp"}));
}

TEST(DepfileTest, LineContinuationsJoinOneRule) {
  EXPECT_EQ(parse_depfile("app.o: app.cpp \\\n  a.hpp \\\n  b.hpp\n"),
            (Paths{"app.cpp", "a.hpp", "b.hpp"}));
}

TEST(DepfileTest, WindowsLineEndingsAfterABackslashContinueTheRule) {
  EXPECT_EQ(parse_depfile("app.o: app.cpp \\\r\n a.hpp\r\n"), (Paths{"app.cpp", "a.hpp"}));
}

TEST(DepfileTest, EscapedSpaceHashAndBackslashAreUnescaped) {
  EXPECT_EQ(parse_depfile("app.o: my\\ dir/a.hpp b\\#1.hpp c\\\\d.hpp\n"),
            (Paths{"my dir/a.hpp", "b#1.hpp", "c\\d.hpp"}));
}

TEST(DepfileTest, DoubledDollarIsOneDollar) {
  EXPECT_EQ(parse_depfile("app.o: cost$$.hpp\n"), (Paths{"cost$.hpp"}));
}

TEST(DepfileTest, PhonyTargetsFromMpAddNothing) {
  EXPECT_EQ(parse_depfile("app.o: app.cpp a.hpp\n\na.hpp:\n"), (Paths{"app.cpp", "a.hpp"}));
}

TEST(DepfileTest, ColonInsideAPathIsNotTheTargetSeparator) {
  EXPECT_EQ(parse_depfile("app.o: C:/x/a.hpp\n"), (Paths{"C:/x/a.hpp"}));
}

TEST(DepfileTest, EmptyOrTargetOnlyTextHasNoPrerequisites) {
  EXPECT_TRUE(parse_depfile("").empty());
  EXPECT_TRUE(parse_depfile("app.o:\n").empty());
}

TEST(StampLinesTest, MatchUntilAFileChangesSizeOrIsRemoved) {
  lightning::testing::TempDir dir;
  const std::string a = dir / "a.hpp";
  std::ofstream(a) << "int a;\n";
  const std::string lines = stamp_lines({a});
  EXPECT_TRUE(stamp_lines_match(lines));

  std::ofstream(a, std::ios::app) << "int b;\n";
  EXPECT_FALSE(stamp_lines_match(lines)) << "a grown file must not match";

  const std::string again = stamp_lines({a});
  EXPECT_TRUE(stamp_lines_match(again));
  std::remove(a.c_str());
  EXPECT_FALSE(stamp_lines_match(again)) << "a removed file must not match";
}

TEST(StampLinesTest, NoLinesOrAMalformedLineNeverMatch) {
  EXPECT_FALSE(stamp_lines_match(""));
  EXPECT_FALSE(stamp_lines_match("garbage\n"));
}

}  // namespace
}  // namespace unit_cli
