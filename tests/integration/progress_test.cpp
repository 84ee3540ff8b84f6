// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Stalled apps and the end of run() (apps/progress_app.cpp, which chooses its
// root flow at run time through run_app()): a flow that keeps its progress
// in a plain member is warned about within a second and fails with
// --idle-timeout; a polling flow is never called stalled; stop() and fail()
// end run() so code after them does not run.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "api_app.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

constexpr const char* kStalled = "the app is stalled";

/// Milliseconds since midnight of a controller log line ("HH:MM:SS.mmm level ..."); -1 if none.
int64_t log_time_ms(const std::string& line) {
  int h = 0, m = 0, s = 0, ms = 0;
  if (std::sscanf(line.c_str(), "%d:%d:%d.%d", &h, &m, &s, &ms) != 4) return -1;
  return ((h * 60 + m) * 60 + s) * 1000 + ms;
}

/// The first line of `text` containing `needle`, or "".
std::string line_with(const std::string& text, const std::string& needle) {
  for (const auto& line : lines_of(text)) {
    if (contains(line, needle)) return line;
  }
  return "";
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(ProgressTest, StalledAppIsWarnedAboutWithinASecondNamingTheCauseAndTheFix) {
  TempDir dir;
  AppProcess app(
      LIGHTNING_PROGRESS_APP,
      {"--run-dir", dir / "run", "--log-level", "debug", "--quiet-works", "--", "stalled"},
      dir.path());
  // The controller's log as it is written: its stderr (controller.log is the
  // same, but buffered until exit).
  ASSERT_TRUE(
      wait_until([&] { return contains(app.stderr_text(), kStalled); }, milliseconds(10000)))
      << app.stderr_text();
  const std::string text = app.stderr_text();
  const std::string warning = line_with(text, kStalled);
  EXPECT_TRUE(contains(warning, "plain member instead of a State field")) << warning;
  EXPECT_TRUE(contains(warning, "schedule_in()")) << warning;
  EXPECT_TRUE(contains(warning, "warn")) << "logged as a warning: " << warning;
  // The stall starts once the work's call has succeeded and the flow saw it
  // (not when the work connected: under load, starting its call alone took
  // 300 ms in CI). Warned within stall_warning (500 ms) + one poll (250 ms).
  const int64_t succeeded = log_time_ms(line_with(text, "root.step: succeeded"));
  ASSERT_GE(succeeded, 0) << text;
  EXPECT_LE(log_time_ms(warning) - succeeded, 1000) << text;
  EXPECT_FALSE(app.has_exited()) << "without --idle-timeout a stalled app keeps waiting";

  app.send_signal(SIGTERM);
  const ExitStatus st = app.wait(milliseconds(10000));
  EXPECT_FALSE(st.timed_out) << st;
  EXPECT_EQ(count_of(read_file(dir / "run/controller.log"), kStalled), 1u) << "warned once";
}

TEST(ProgressTest, StalledAppFailsAfterItsIdleTimeoutWithAClearMessage) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_PROGRESS_APP, dir, {"stalled"},
                       {"--quiet-works", "--idle-timeout", "1"}, milliseconds(20000));
  EXPECT_FALSE(run.status.timed_out) << run.describe();
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "app failed: the app made no progress for 1 s (--idle-timeout)"))
      << run.describe();
  EXPECT_TRUE(contains(run.err, "State field")) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.final.at("exit_code"), 1);
  EXPECT_EQ(run.work("step").at("status").at("stage"), "succeeded") << "its one call succeeded";
}

TEST(ProgressTest, FlowThatPollsWithScheduleInIsNeverCalledStalled) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_PROGRESS_APP, dir, {"polling"},
                       {"--quiet-works", "--idle-timeout", "0.5"}, milliseconds(20000));
  EXPECT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_FALSE(contains(read_file(run.run_dir + "/controller.log"), kStalled)) << run.describe();
}

TEST(ProgressTest, AppWaitingForAWriteOverItsHttpApiIsNotStalled) {
  // A writable field makes the HTTP API a source of input: with nothing else
  // to do, the app waits for its operator. The measure is the stalled
  // scenario with the same --idle-timeout, started after this app ran its
  // flow: once that one has failed for being idle 1 s, this one has been idle
  // longer.
  ApiApp steered(LIGHTNING_PROGRESS_APP, {"steered"},
                 {"--port", "0", "--quiet-works", "--idle-timeout", "1"});
  ASSERT_NE(steered.port(), 0) << steered.describe();
  TempDir dir;
  const AppRun stalled = run_app(LIGHTNING_PROGRESS_APP, dir, {"stalled"},
                                 {"--port", "0", "--quiet-works", "--idle-timeout", "1"},
                                 milliseconds(20000));
  ASSERT_EQ(stalled.status.exit_code, 1) << stalled.describe();
  EXPECT_FALSE(steered.process().has_exited()) << steered.describe();
  EXPECT_FALSE(contains(steered.process().stderr_text(), kStalled)) << steered.describe();

  const Json state = steered.get_json("/api/v1/state");
  ASSERT_TRUE(state.contains("version")) << state.dump();
  const auto r = steered.patch_state(state.at("version").get<uint64_t>(),
                                     R"([{"op":"replace","path":"/vars/go","value":true}])");
  EXPECT_EQ(r.status, 200u) << r.body;
  const ExitStatus st = steered.process().wait(milliseconds(10000));
  EXPECT_EQ(st.exit_code, 0) << st << "\n" << steered.describe();
  EXPECT_TRUE(contains(steered.process().stderr_text(), "steered over the HTTP API"))
      << steered.describe();
}

TEST(ProgressTest, StopEndsRunSoAStateFieldSetAfterItKeepsItsValue) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_PROGRESS_APP, dir, {"stop_then_set"}, {"--quiet-works"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.root_vars().at("before_end"), 1);
  EXPECT_EQ(run.root_vars().at("after_end"), 0) << "the code after stop() must not run";
  EXPECT_EQ(run.final.at("message"), "stopped on purpose");
}

TEST(ProgressTest, FailEndsRunToo) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_PROGRESS_APP, dir, {"fail_then_set"}, {"--quiet-works"});
  ASSERT_EQ(run.status.exit_code, 1) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.root_vars().at("after_end"), 0) << "the code after fail() must not run";
  EXPECT_TRUE(contains(run.err, "app failed: failed on purpose")) << run.describe();
}

TEST(ProgressTest, StateFieldSetInTheFlowsConstructorReachesTheWork) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_PROGRESS_APP, dir, {"configured"}, {"--quiet-works"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(run.work("scaler").at("vars").at("result"), 6) << "factor 3 reached the work";
}

TEST(ProgressTest, RunAppWhoseFactoryReturnsNoFlowExitsWithOne) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_PROGRESS_APP, dir, {"no_such_root"}, {"--quiet-works"});
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "returned no flow")) << run.describe();
}

}  // namespace
}  // namespace lightning::integration
