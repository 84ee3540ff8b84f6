// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Work output end to end (apps/lifecycle_app.cpp, scenario `chatty`): what a
// work prints lands in <run_dir>/logs/<work path>.log and is echoed to the
// app's own stdout/stderr with a "[<work path>] " prefix.
#include <gtest/gtest.h>

#include "support.hpp"

namespace lightning::integration {
namespace {

const std::vector<std::string> kStdoutLines = {"chatty: hello on stdout", "chatty: printf line 2"};
const std::vector<std::string> kStderrLines = {"chatty: hello on stderr", "chatty: fprintf line 2"};

TEST(WorkLogsTest, WorkOutputLandsInItsLogFile) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_LIFECYCLE_APP, dir, {"chatty"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();

  const std::string log = run.work_log("root.chatty");
  for (const auto& line : kStdoutLines) EXPECT_TRUE(has_line(log, line)) << line << "\n" << log;
  for (const auto& line : kStderrLines) EXPECT_TRUE(has_line(log, line)) << line << "\n" << log;
}

TEST(WorkLogsTest, WorkStdoutAndStderrAreEchoedWithTheWorkPathPrefix) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_LIFECYCLE_APP, dir, {"chatty"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();

  for (const auto& line : kStdoutLines) {
    EXPECT_TRUE(has_line(run.out, "[root.chatty] " + line)) << line << "\n" << run.describe();
    EXPECT_FALSE(contains(run.err, line)) << "a stdout line must not be echoed to stderr";
  }
  for (const auto& line : kStderrLines) {
    EXPECT_TRUE(has_line(run.err, "[root.chatty] " + line)) << line << "\n" << run.describe();
    EXPECT_FALSE(contains(run.out, line)) << "a stderr line must not be echoed to stdout";
  }
}

TEST(WorkLogsTest, QuietWorksKeepsOutputOffTheTerminalButInTheLogFile) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_LIFECYCLE_APP, dir, {"chatty"}, {"--quiet-works"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();

  // The work's own lines ("chatty: hello ..."), not the app's status lines
  // ("root.chatty: running").
  EXPECT_FALSE(contains(run.out, "chatty: hello")) << run.out;
  EXPECT_FALSE(contains(run.err, "chatty: hello")) << run.err;
  EXPECT_FALSE(contains(run.err, "chatty: printf")) << run.err;
  const std::string log = run.work_log("root.chatty");
  EXPECT_TRUE(has_line(log, "chatty: hello on stdout")) << log;
  EXPECT_TRUE(has_line(log, "chatty: hello on stderr")) << log;
}

TEST(WorkLogsTest, ControllerLogIsWrittenToTheRunDirectory) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_LIFECYCLE_APP, dir, {"chatty"}, {"--log-level", "debug"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();

  const std::string log = read_file(run.run_dir + "/controller.log");
  EXPECT_TRUE(contains(log, "controller listening on ")) << log;
  ASSERT_FALSE(run.final.is_discarded());
  EXPECT_TRUE(contains(log, run.final.at("run_id").get<std::string>())) << log;
}

}  // namespace
}  // namespace lightning::integration
