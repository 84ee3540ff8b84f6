// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Resource budgets and failure causes, for real (apps/budget_app.cpp): wide
// fan-outs under a small open-files limit (set in the app's process before
// exec, as `ulimit -n` does) all succeed, launches held meanwhile show why; a
// work whose process never connects fails naming the start timeout; a work
// killed by SIGKILL from outside says so, with the out-of-memory hint; a
// work's output comes before the controller's line about its failure.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "support.hpp"

namespace lightning::integration {
namespace {

/// Runs budget_app to its end with `setup`; flags before "--", args after.
AppRun run_budget_app(const TempDir& dir, const std::vector<std::string>& flags,
                      const std::vector<std::string>& app_args, const ChildSetup& setup,
                      milliseconds timeout = kAppDeadline) {
  AppRun run;
  run.run_dir = dir / "run";
  std::vector<std::string> args{"--run-dir", run.run_dir};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back("--");
  args.insert(args.end(), app_args.begin(), app_args.end());
  AppProcess app(LIGHTNING_BUDGET_APP, args, dir.path(), setup);
  run.pid = app.pid();
  run.status = app.wait(timeout);
  run.out = app.stdout_text();
  run.err = setup.stderr_into_stdout ? std::string() : app.stderr_text();
  run.final = read_json(run.run_dir + "/state.json");
  return run;
}

void expect_fan_out_succeeded(const AppRun& run, int works) {
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.root_vars().at("succeeded"), works);
  EXPECT_EQ(run.final.at("message"), "all " + std::to_string(works) + " succeeded");
  EXPECT_FALSE(contains(run.err, "Too many open files")) << run.err;
  EXPECT_FALSE(contains(run.err, "refused work")) << run.err;
}

TEST(BudgetDrillTest, FourHundredParallelWorksUnderAnOpenFilesLimitOf1024AllSucceed) {
  TempDir dir;
  const auto t0 = Clock::now();
  // ~1.5 s on an idle machine; 10-30 s on this 2-core one with other builds running.
  const AppRun run = run_budget_app(dir, {"--quiet-works"}, {"fan_out", "400"},
                                    ChildSetup{1024, false}, milliseconds(120000));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  expect_fan_out_succeeded(run, 400);
  // 400 processes need ~1,200 descriptors at once: some launches were held, visibly.
  const Json& waiting = run.root_vars().at("waiting_seen");
  ASSERT_TRUE(waiting.is_object()) << "no launch was held under a limit of 1024\n"
                                   << run.describe();
  EXPECT_EQ(waiting.at("stage"), "pending");
  EXPECT_EQ(waiting.at("reason"), "waiting_for_resources");
  EXPECT_TRUE(contains(waiting.at("message"), "waiting for file descriptors: ")) << waiting.dump();
  EXPECT_TRUE(contains(waiting.at("message"), " of 1024 in use")) << waiting.dump();
  std::printf("400 works under ulimit -n 1024: %lld ms\n", static_cast<long long>(took.count()));
}

TEST(BudgetDrillTest, TwoThousandParallelWorksUnderAnOpenFilesLimitOf4096AllSucceed) {
  TempDir dir;
  const auto t0 = Clock::now();
  // 50-130 s on this 2-core machine with other builds running (load average 30-90).
  const AppRun run = run_budget_app(dir, {"--quiet-works"}, {"fan_out", "2000"},
                                    ChildSetup{4096, false}, milliseconds(280000));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  expect_fan_out_succeeded(run, 2000);
  std::printf("2000 works under ulimit -n 4096: %lld ms\n", static_cast<long long>(took.count()));
}

TEST(FailureCauseDrillTest, AWorkThatNeverConnectsFailsNamingTheStartTimeout) {
  TempDir dir;
  const AppRun run =
      run_budget_app(dir, {"--quiet-works", "--start-timeout", "300ms"}, {"never_connects"}, {});
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  const Json& status = run.work("stuck").at("status");
  EXPECT_EQ(status.at("stage"), "failed") << status.dump();
  EXPECT_EQ(status.at("reason"), "start_timeout") << status.dump();
  EXPECT_TRUE(contains(status.at("message"), "did not connect within 300 ms (start_timeout)"))
      << status.dump();
  EXPECT_TRUE(contains(run.err, "did not connect within 300 ms (start_timeout)")) << run.err;
}

TEST(FailureCauseDrillTest, AWorksOwnStartTimeoutWinsOverTheAppWideOne) {
  TempDir dir;
  const AppRun run = run_budget_app(dir, {"--quiet-works", "--start-timeout", "20s"},
                                    {"never_connects", "250"}, {});
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.final.at("message"), "did not connect within 250 ms (start_timeout)"))
      << run.describe();
}

TEST(FailureCauseDrillTest, AWorkKilledBySigkillFromOutsideSaysSoWithTheOutOfMemoryHint) {
  TempDir dir;
  AppProcess app(LIGHTNING_BUDGET_APP, {"--run-dir", dir / "run", "--quiet-works", "--", "killed"},
                 dir.path());
  std::string pid_text;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& line : lines_of(read_file(dir / "run/logs/root.victim.log"))) {
          if (line.rfind("pid=", 0) == 0) pid_text = line.substr(4);
        }
        return !pid_text.empty() || app.has_exited();
      },
      milliseconds(15000)))
      << app.stderr_text();
  ASSERT_FALSE(pid_text.empty()) << app.stderr_text();
  ASSERT_EQ(::kill(std::stoi(pid_text), SIGKILL), 0);
  const ExitStatus status = app.wait();
  ASSERT_EQ(status.exit_code, 0) << status << app.stderr_text();
  const Json final = read_json(dir / "run/state.json");
  ASSERT_FALSE(final.is_discarded());
  const Json& seen = final.at("state").at("vars").at("seen");
  EXPECT_EQ(seen.at("reason"), "signal") << seen.dump();
  EXPECT_EQ(seen.at("signal"), 9);
  const std::string message = seen.at("message");
  EXPECT_TRUE(contains(message, "killed by signal 9 (SIGKILL) from outside the runtime"))
      << message;
  EXPECT_TRUE(contains(message, "out-of-memory killer")) << message;
}

TEST(FailureCauseDrillTest, AWorksEchoedLinesComeBeforeTheControllersLineAboutItsFailure) {
  TempDir dir;
  const AppRun run = run_budget_app(dir, {}, {"talk_then_fail", "200"}, ChildSetup{{}, true});
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  const std::vector<std::string> lines = lines_of(run.out);  // stdout and stderr, as written
  size_t last_line = lines.size(), failure = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == "[root.talker] line 200") last_line = i;
    if (failure == lines.size() && contains(lines[i], "call 1 failed")) failure = i;
  }
  ASSERT_LT(last_line, lines.size()) << run.out;
  ASSERT_LT(failure, lines.size()) << run.out;
  EXPECT_LT(last_line, failure) << "the work's last line came after the failure line:\n" << run.out;
}

}  // namespace
}  // namespace lightning::integration
