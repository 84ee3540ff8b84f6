// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Failures end to end (apps/failures_app.cpp): each way a work can fail as
// the flow sees it, failures that end the app, retries, and how fast a flow
// learns about a failure.
#include <gtest/gtest.h>

#include <cstdio>

#include "support.hpp"

namespace lightning::integration {
namespace {

AppRun run_failures(const TempDir& dir, const std::vector<std::string>& args) {
  return run_app(LIGHTNING_FAILURES_APP, dir, args);
}

/// Runs `one_failure <kind>` and returns the status the flow recorded.
Json seen_failure(const TempDir& dir, const std::string& kind, AppRun* out) {
  *out = run_failures(dir, {"one_failure", kind});
  if (out->status.exit_code != 0 || out->final.is_discarded()) return Json();
  return out->root_vars().at("seen");
}

TEST(WorkFailureTest, ExceptionIsSeenWithItsMessageAndReasonException) {
  TempDir dir;
  AppRun run;
  const Json seen = seen_failure(dir, "exception", &run);
  ASSERT_TRUE(seen.is_object()) << run.describe();

  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("reason"), "exception");
  const std::string message = seen.at("message");
  EXPECT_TRUE(contains(message, "thrower: bad input 42")) << message;
  EXPECT_TRUE(contains(message, "runtime_error")) << message;
  EXPECT_FALSE(seen.contains("exit_code"));
  EXPECT_FALSE(seen.contains("signal"));
  // The flow saw it; the app itself did not fail.
  EXPECT_EQ(run.final.at("exit_code"), 0);
}

TEST(WorkFailureTest, AbortIsSeenAsSignal6WithTheLastLinesOfStderr) {
  TempDir dir;
  AppRun run;
  const Json seen = seen_failure(dir, "abort", &run);
  ASSERT_TRUE(seen.is_object()) << run.describe();

  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("reason"), "signal");
  ASSERT_TRUE(seen.contains("signal")) << seen.dump();
  EXPECT_EQ(seen.at("signal"), 6);
  const std::string message = seen.at("message");
  EXPECT_TRUE(contains(message, "6")) << message;
  EXPECT_TRUE(contains(message, "aborter: some noise before")) << message;
  EXPECT_TRUE(contains(message, "aborter: last words before abort")) << message;
}

TEST(WorkFailureTest, ExitIsSeenWithReasonExitAndTheExitCode) {
  TempDir dir;
  AppRun run;
  const Json seen = seen_failure(dir, "exit", &run);
  ASSERT_TRUE(seen.is_object()) << run.describe();

  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("reason"), "exit") << seen.dump();
  ASSERT_TRUE(seen.contains("exit_code")) << seen.dump();
  EXPECT_EQ(seen.at("exit_code"), 7);
  const std::string message = seen.at("message");
  EXPECT_TRUE(contains(message, "7")) << message;
  EXPECT_TRUE(contains(message, "exiter: exiting with 7")) << message;
}

TEST(WorkFailureTest, CrashMessageKeepsOnlyTheLast50LinesOfStderr) {
  TempDir dir;
  AppRun run;
  const Json seen = seen_failure(dir, "abort_after_noise", &run);
  ASSERT_TRUE(seen.is_object()) << run.describe();
  ASSERT_EQ(seen.at("reason"), "signal") << seen.dump();

  // 60 noise lines, then two more: the last 50 are noise 013..060 and the two.
  const std::string message = seen.at("message");
  EXPECT_TRUE(contains(message, "aborter: last words before abort")) << message;
  EXPECT_TRUE(contains(message, "aborter: noise 013")) << message;
  EXPECT_TRUE(contains(message, "aborter: noise 060")) << message;
  EXPECT_FALSE(contains(message, "aborter: noise 012")) << message;
  EXPECT_FALSE(contains(message, "aborter: noise 001")) << message;
  // The log file keeps everything.
  const std::string log = run.work_log("root.aborter");
  EXPECT_TRUE(has_line(log, "aborter: noise 001")) << log;
}

TEST(WorkFailureTest, ExitWithZeroInTheMiddleOfACallIsStillAFailure) {
  TempDir dir;
  AppRun run;
  const Json seen = seen_failure(dir, "exit0", &run);
  ASSERT_TRUE(seen.is_object()) << run.describe();

  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("reason"), "exit") << seen.dump();
  ASSERT_TRUE(seen.contains("exit_code")) << seen.dump();
  EXPECT_EQ(seen.at("exit_code"), 0);
}

TEST(WorkFailureTest, CallLongerThanItsTimeoutIsSeenWithReasonTimeout) {
  TempDir dir;
  AppRun run;
  const Json seen = seen_failure(dir, "timeout", &run);
  ASSERT_TRUE(seen.is_object()) << run.describe();

  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("reason"), "timeout");
  EXPECT_TRUE(contains(seen.at("message"), "300 ms")) << seen.dump();
  // The 30 s body was cut short: timeout 300 ms + grace 500 ms + start-up.
  EXPECT_LT(run.status.took.count(), 10000) << run.describe();
}

TEST(WorkFailureTest, FailedWorkWithDefaultOptionsFailsTheAppNamingWorkAndCause) {
  TempDir dir;
  AppRun run = run_failures(dir, {"fatal", "exception"});
  ASSERT_FALSE(run.status.timed_out) << run.describe();

  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  const std::string line = [&] {
    for (const auto& l : lines_of(run.err)) {
      if (contains(l, "app failed")) return l;
    }
    return std::string();
  }();
  EXPECT_TRUE(contains(line, "root.doomed")) << run.err;
  EXPECT_TRUE(contains(line, "doomed: cannot continue")) << run.err;
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.final.at("exit_code"), 1);
  EXPECT_TRUE(contains(run.final.at("message"), "root.doomed"));
  EXPECT_EQ(run.root_vars().at("after_call"), false);
}

TEST(WorkFailureTest, WorkThatExitsWithDefaultOptionsFailsTheAppWithExitCodeAndStderr) {
  TempDir dir;
  AppRun run = run_failures(dir, {"fatal", "exit"});
  ASSERT_FALSE(run.status.timed_out) << run.describe();

  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "app failed: work 'root.crasher' failed")) << run.err;
  EXPECT_TRUE(contains(run.err, "exited with code 3")) << run.err;
  EXPECT_TRUE(contains(run.err, "exiter: exiting with 3")) << run.err;
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.work("crasher").at("status").at("reason"), "exit");
  EXPECT_EQ(run.work("crasher").at("status").at("exit_code"), 3);
}

TEST(RetriesTest, WorkFailingTwiceSucceedsOnItsThirdAttemptWithTwoRetries) {
  TempDir dir;
  AppRun run = run_failures(dir, {"retries", "2"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const Json& seen = run.root_vars().at("seen");
  EXPECT_EQ(seen.at("stage"), "succeeded") << run.describe();
  EXPECT_EQ(seen.at("attempt"), 3) << run.describe();
  EXPECT_EQ(seen.at("call_id"), 1) << "retries are attempts of one call";
  EXPECT_EQ(run.work("flaky").at("vars").at("succeeded_on"), 3);
  EXPECT_EQ(read_file(run.run_dir + "/attempts"), "3");
  // The attempts ran one after another; the log has all of them.
  const std::string log = run.work_log("root.flaky");
  EXPECT_TRUE(has_line(log, "flaky: attempt 1")) << log;
  EXPECT_TRUE(has_line(log, "flaky: attempt 2")) << log;
  EXPECT_TRUE(has_line(log, "flaky: attempt 3")) << log;
}

TEST(RetriesTest, WorkFailingTwiceIsReportedFailedWithOnlyOneRetry) {
  TempDir dir;
  AppRun run = run_failures(dir, {"retries", "1"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const Json& seen = run.root_vars().at("seen");
  EXPECT_EQ(seen.at("stage"), "failed") << run.describe();
  EXPECT_EQ(seen.at("attempt"), 2) << run.describe();
  EXPECT_EQ(seen.at("reason"), "exception") << "the last attempt threw";
  EXPECT_TRUE(contains(seen.at("message"), "flaky: attempt 2 fails too")) << seen.dump();
  EXPECT_EQ(run.work("flaky").at("vars").at("succeeded_on"), 0);
  EXPECT_EQ(read_file(run.run_dir + "/attempts"), "2");
}

TEST(RetriesTest, FailedCallIsRunAgainWhenTheFlowCallsItAgain) {
  TempDir dir;
  AppRun run = run_failures(dir, {"rerun"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const Json& first = run.root_vars().at("first_failure");
  ASSERT_TRUE(first.is_object()) << run.describe();
  EXPECT_EQ(first.at("stage"), "failed");
  EXPECT_EQ(first.at("call_id"), 1);
  EXPECT_TRUE(contains(first.at("message"), "fails_once: first call fails"));
  const Json& final_status = run.root_vars().at("final_status");
  EXPECT_EQ(final_status.at("stage"), "succeeded") << run.describe();
  EXPECT_EQ(final_status.at("call_id"), 2) << run.describe();
  EXPECT_EQ(read_file(run.run_dir + "/calls"), "2");
}

/// Time from the work's last act before failing to the flow seeing has_failed().
double failure_latency_ms(const std::string& how, std::string* reason) {
  TempDir dir;
  AppRun run = run_failures(dir, {"latency", how});
  EXPECT_EQ(run.status.exit_code, 0) << run.describe();
  if (run.final.is_discarded()) {
    ADD_FAILURE() << run.describe();
    return -1;
  }
  *reason = run.root_vars().at("reason");
  const int64_t seen_ns = run.root_vars().at("seen_ns");
  const int64_t work_ns = std::stoll(read_file(run.run_dir + "/stamp"));
  EXPECT_GT(seen_ns, work_ns);
  return static_cast<double>(seen_ns - work_ns) / 1e6;
}

// The target is 100 ms; the bound is lenient for loaded 2-core CI machines.
constexpr double kFailureLatencyBoundMs = 1000;

TEST(FailureLatencyTest, FlowSeesAnExceptionWithinASecond) {
  std::string reason;
  const double ms = failure_latency_ms("exception", &reason);
  std::printf("failure latency (exception): %.2f ms\n", ms);
  RecordProperty("latency_us", static_cast<int>(ms * 1000));
  EXPECT_EQ(reason, "exception");
  EXPECT_GE(ms, 0);
  EXPECT_LT(ms, kFailureLatencyBoundMs);
}

TEST(FailureLatencyTest, FlowSeesACrashWithinASecond) {
  std::string reason;
  const double ms = failure_latency_ms("crash", &reason);
  std::printf("failure latency (crash): %.2f ms\n", ms);
  RecordProperty("latency_us", static_cast<int>(ms * 1000));
  EXPECT_EQ(reason, "signal");
  EXPECT_GE(ms, 0);
  EXPECT_LT(ms, kFailureLatencyBoundMs);
}

TEST(FlowFailureTest, ExceptionInFlowRunFailsTheAppWithItsMessage) {
  TempDir dir;
  AppRun run = run_failures(dir, {"flow_throws"});
  ASSERT_FALSE(run.status.timed_out) << run.describe();

  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "flow exploded: value 42 out of range")) << run.err;
  EXPECT_TRUE(contains(run.err, "root.run()")) << run.err;
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.final.at("exit_code"), 1);
  EXPECT_TRUE(contains(run.final.at("message"), "flow exploded: value 42 out of range"));
}

TEST(FlowFailureTest, FailFromTheFlowExitsWithOneAndItsMessage) {
  TempDir dir;
  AppRun run = run_failures(dir, {"flow_fails"});
  ASSERT_FALSE(run.status.timed_out) << run.describe();

  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "gave up: no data in the bucket")) << run.err;
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.final.at("exit_code"), 1);
  EXPECT_EQ(run.final.at("message"), "gave up: no data in the bucket");
}

}  // namespace
}  // namespace lightning::integration
