// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// An app's own command line (apps/args_app.cpp, a plain LIGHTNING_APP): app
// arguments after "--", flags, and the exit codes for bad ones.
#include <gtest/gtest.h>

#include <filesystem>

#include "support.hpp"

namespace lightning::integration {
namespace {

TEST(AppCommandLineTest, ArgumentsAfterDoubleDashReachAppArgs) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_ARGS_APP, dir, {"alpha", "two words", "--not-a-flag", "--", ""});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  EXPECT_EQ(run.root_vars().at("args"),
            Json::array({"alpha", "two words", "--not-a-flag", "--", ""}))
      << run.describe();
  EXPECT_TRUE(has_line(run.out, "arg: two words")) << run.out;
  EXPECT_EQ(run.root_vars().at("run_dir"), std::filesystem::absolute(run.run_dir).string());
}

TEST(AppCommandLineTest, NoArgumentsGiveEmptyAppArgs) {
  TempDir dir;
  AppProcess app(LIGHTNING_ARGS_APP, {"--run-dir", dir / "run"}, dir.path());
  const ExitStatus st = app.wait();
  ASSERT_EQ(st.exit_code, 0) << st << app.stderr_text();
  const Json final = read_json(dir / "run/state.json");
  ASSERT_FALSE(final.is_discarded());
  EXPECT_EQ(final.at("state").at("vars").at("args"), Json::array());
}

TEST(AppCommandLineTest, UnknownFlagExitsWithTwoAndPrintsUsage) {
  TempDir dir;
  AppProcess app(LIGHTNING_ARGS_APP, {"--run-dir", dir / "run", "--bogus"}, dir.path());
  const ExitStatus st = app.wait();
  const std::string err = app.stderr_text();

  EXPECT_EQ(st.exit_code, 2) << st << err;
  EXPECT_TRUE(contains(err, "unknown flag '--bogus'")) << err;
  EXPECT_TRUE(contains(err, "usage:")) << err;
  EXPECT_TRUE(contains(err, "--run-dir")) << err;
  EXPECT_FALSE(file_exists(dir / "run/state.json")) << "the app must not have run";
}

TEST(AppCommandLineTest, FlagWithoutItsValueExitsWithTwo) {
  TempDir dir;
  AppProcess app(LIGHTNING_ARGS_APP, {"--run-dir"}, dir.path());
  const ExitStatus st = app.wait();
  const std::string err = app.stderr_text();

  EXPECT_EQ(st.exit_code, 2) << st << err;
  EXPECT_TRUE(contains(err, "--run-dir needs a value")) << err;
}

TEST(AppCommandLineTest, UnknownLogLevelExitsWithTwo) {
  TempDir dir;
  AppProcess app(LIGHTNING_ARGS_APP, {"--run-dir", dir / "run", "--log-level", "loud"}, dir.path());
  const ExitStatus st = app.wait();
  const std::string err = app.stderr_text();

  EXPECT_EQ(st.exit_code, 2) << st << err;
  EXPECT_TRUE(contains(err, "unknown log level 'loud'")) << err;
}

TEST(AppCommandLineTest, HelpPrintsUsageAndExitsWithZero) {
  TempDir dir;
  AppProcess app(LIGHTNING_ARGS_APP, {"--help"}, dir.path());
  const ExitStatus st = app.wait();

  EXPECT_EQ(st.exit_code, 0) << st;
  EXPECT_TRUE(contains(app.stdout_text(), "usage:")) << app.stdout_text();
  EXPECT_TRUE(contains(app.stdout_text(), "--quiet-works")) << app.stdout_text();
}

TEST(AppCommandLineTest, RootFlowThatCannotBeConstructedExitsWithOne) {
  TempDir dir;
  // failures_app throws from its root factory for an unknown scenario.
  AppRun run = run_app(LIGHTNING_FAILURES_APP, dir, {"no_such_scenario"});

  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "could not construct the root flow")) << run.err;
  EXPECT_TRUE(contains(run.err, "unknown scenario 'no_such_scenario'")) << run.err;
}

TEST(AppCommandLineTest, ListenAddressThatCannotBeBoundFailsTheApp) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_ARGS_APP, dir, {}, {"--listen", "203.0.113.1:1"});

  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "203.0.113.1:1")) << run.err;
}

}  // namespace
}  // namespace lightning::integration
