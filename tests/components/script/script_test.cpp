// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ScriptWork in real apps (apps/script_app.cpp): real work processes running
// real commands (/bin/sh, sleep, yes), checked through the app's final
// state.json, the work's log, and /proc for the processes left behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <string>

#include "../../integration/support.hpp"

namespace lightning::integration {
namespace {

/// The pid written in `path` by a script; 0 until the whole line is there.
pid_t pid_in(const std::string& path) {
  const std::string text = read_file(path);
  if (text.empty() || text.back() != '\n') return 0;
  return static_cast<pid_t>(std::stol(text));
}

AppRun run_scenario(const TempDir& dir, const std::string& scenario) {
  return run_app(LIGHTNING_SCRIPT_APP, dir, {scenario, dir.path()}, {"--quiet-works"});
}

/// Runs a scenario whose app, once the work's call is done, waits for the test
/// to write to the FIFO <dir>/release; `while_held` runs before that, while the
/// app (and so its work forker, which kills orphans when the app ends) lives.
AppRun run_held(const TempDir& dir, const std::string& scenario,
                const std::function<void(AppProcess&)>& while_held) {
  EXPECT_EQ(::mkfifo((dir / "release").c_str(), 0600), 0);
  AppRun run;
  run.run_dir = dir / "run";
  AppProcess app(LIGHTNING_SCRIPT_APP,
                 {"--run-dir", run.run_dir, "--quiet-works", "--", scenario, dir.path()},
                 dir.path());
  run.pid = app.pid();
  while_held(app);
  EXPECT_FALSE(app.has_exited()) << "the app ended before the test released it";
  if (!app.has_exited()) {
    std::ofstream release(dir / "release");  // opens once the waiter's command reads it
    release << "go" << std::endl;
  }
  run.status = app.wait();
  run.out = app.stdout_text();
  run.err = app.stderr_text();
  run.final = read_json(run.run_dir + "/state.json");
  return run;
}

TEST(ScriptWorkTest, SuccessPutsOutputInTheLogAndTailsExitCodeAndPidInState) {
  TempDir dir;
  const AppRun run = run_scenario(dir, "ok");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& vars = run.work("w").at("vars");
  EXPECT_EQ(run.root_vars().at("seen").at("stage"), "succeeded") << run.describe();
  EXPECT_EQ(vars.at("exit_code"), 0);
  EXPECT_EQ(vars.at("killed_by"), "");
  EXPECT_GT(vars.at("pid").get<int64_t>(), 0);
  EXPECT_EQ(vars.at("stdout_tail"), "hello\nworld\nno newline");
  EXPECT_EQ(vars.at("stderr_tail"), "warning");
  EXPECT_GE(vars.at("duration_s").get<double>(), 0.0);
  const std::string log = run.work_log("root.w");
  EXPECT_TRUE(has_line(log, "hello")) << log;
  EXPECT_TRUE(has_line(log, "warning")) << log;
  EXPECT_TRUE(has_line(log, "world")) << log;
  EXPECT_TRUE(has_line(log, "no newline")) << log;
  EXPECT_LT(log.find("hello"), log.find("world")) << log;
}

TEST(ScriptWorkTest, NonZeroExitFailsTheCallWithTheCodeAndTheEndOfStderr) {
  TempDir dir;
  const AppRun run = run_scenario(dir, "fail");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& seen = run.root_vars().at("seen");
  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("reason"), "exception");
  EXPECT_TRUE(contains(seen.at("message"), "command exited with code 3")) << seen;
  EXPECT_TRUE(contains(seen.at("message"), "bad input: x")) << seen;
  EXPECT_EQ(run.work("w").at("vars").at("exit_code"), 3);
  EXPECT_EQ(run.work("w").at("vars").at("stdout_tail"), "working");
}

TEST(ScriptWorkTest, CommandNotFoundFailsTheCallNamingItAndThePath) {
  TempDir dir;
  const AppRun run = run_scenario(dir, "not_found");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& seen = run.root_vars().at("seen");
  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_TRUE(contains(seen.at("message"), "command not found: 'no-such-command-lightning'"))
      << seen;
  EXPECT_TRUE(contains(seen.at("message"), "PATH=")) << seen;
  EXPECT_EQ(run.work("w").at("vars").at("pid"), 0);
}

TEST(ScriptWorkTest, EnvAndCwdFromTheArgsApplyOverASubclassDefaultCommand) {
  TempDir dir;
  const AppRun run = run_scenario(dir, "env_cwd");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(run.root_vars().at("seen").at("stage"), "succeeded") << run.describe();
  EXPECT_EQ(run.work("greeter").at("vars").at("stdout_tail"), "hi from " + dir.path());
}

TEST(ScriptWorkTest, StopTermsTheWholeProcessGroupAndTheCallEndsStopped) {
  TempDir dir;
  pid_t grandchild = 0;
  const AppRun run = run_held(dir, "stop", [&](AppProcess&) {
    ASSERT_TRUE(
        wait_until([&] { return (grandchild = pid_in(dir / "grandchild")) > 0; }, kAppDeadline));
    EXPECT_TRUE(wait_process_gone(grandchild, milliseconds(3000)));
  });
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(run.root_vars().at("seen").at("stage"), "stopped") << run.describe();
  const Json& vars = run.work("w").at("vars");
  EXPECT_EQ(vars.at("killed_by"), "SIGTERM") << run.describe();
  EXPECT_TRUE(process_is_gone(static_cast<pid_t>(vars.at("pid").get<int64_t>())));
  EXPECT_LT(vars.at("duration_s").get<double>(), 2.0);  // SIGTERM did it, not the SIGKILL after 2 s
}

TEST(ScriptWorkTest, StopKillsAGroupThatIgnoresSigtermAfterItsGracePeriod) {
  TempDir dir;
  const AppRun run = run_held(dir, "stop_stubborn", [&](AppProcess&) {
    pid_t grandchild = 0;
    ASSERT_TRUE(
        wait_until([&] { return (grandchild = pid_in(dir / "grandchild")) > 0; }, kAppDeadline));
    EXPECT_TRUE(wait_process_gone(grandchild, milliseconds(3000)));
  });
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(run.root_vars().at("seen").at("stage"), "stopped") << run.describe();
  const Json& vars = run.work("w").at("vars");
  EXPECT_EQ(vars.at("killed_by"), "SIGKILL") << run.describe();
  EXPECT_GE(vars.at("duration_s").get<double>(), 0.3);  // the grace it was given
  EXPECT_LT(vars.at("duration_s").get<double>(), 4.0);  // not the work's own (5 s)
}

TEST(ScriptWorkTest, KillingTheWorkProcessWithSigkillLeavesNoProcessOfTheCommandBehind) {
  TempDir dir;
  const AppRun run = run_held(dir, "kill9", [&](AppProcess& app) {
    pid_t work = 0;
    ASSERT_TRUE(wait_until([&] { return (work = pid_in(dir / "work")) > 0; }, kAppDeadline))
        << app.stderr_text();
    const pid_t shell = pid_in(dir / "shell");
    const pid_t grandchild = pid_in(dir / "grandchild");
    ASSERT_GT(shell, 0);
    ASSERT_GT(grandchild, 0);
    ASSERT_FALSE(process_is_gone(grandchild));
    ASSERT_EQ(::kill(work, SIGKILL), 0);
    // Only the guard can end them: the app, and its work forker, live on.
    EXPECT_TRUE(wait_process_gone(grandchild, milliseconds(3000)));
    EXPECT_TRUE(wait_process_gone(shell, milliseconds(3000)));
  });
  EXPECT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& seen = run.root_vars().at("seen");
  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("reason"), "signal") << run.describe();
}

TEST(ScriptWorkTest, TwentyMegabytesOfOutputPassWithoutBlockingAndTheTailIsTheEnd) {
  TempDir dir;
  const AppRun run = run_scenario(dir, "big");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(run.root_vars().at("seen").at("stage"), "succeeded") << run.describe();
  const Json& vars = run.work("w").at("vars");
  const std::string tail = vars.at("stdout_tail");
  const auto tail_lines = lines_of(tail);
  ASSERT_FALSE(tail_lines.empty());
  EXPECT_EQ(tail_lines.back(), "last-line");
  EXPECT_LE(tail.size(), 8192U);
  EXPECT_LE(tail_lines.size(), 50U);
  EXPECT_EQ(tail_lines.front(), std::string(999, '0').replace(998, 1, "7"));
  EXPECT_EQ(vars.at("stderr_tail"), "done");
  const std::string log = run.work_log("root.w");
  EXPECT_GE(log.size(), 20000U * 1000U);
  EXPECT_TRUE(has_line(log, "last-line"));
}

}  // namespace
}  // namespace lightning::integration
