// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Shutdown end to end (apps/lifecycle_app.cpp): a flow's stop(), SIGTERM and
// SIGINT to the app, SIGKILL to the controller; after each, no work process,
// grandchild or zygote may be left.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <sstream>

#include "support.hpp"

namespace lightning::integration {
namespace {

/// "busy pid=12 zygote=10 grandchild=13" -> {pid: 12, zygote: 10, grandchild: 13}
std::map<std::string, int> parse_pids(const std::string& line) {
  std::map<std::string, int> out;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = std::stoi(word.substr(eq + 1));
  }
  return out;
}

/// The line of a work's log that starts with `prefix`, or "".
std::string log_line(const std::string& run_dir, const std::string& work_path,
                     const std::string& prefix) {
  for (const auto& l : lines_of(read_file(run_dir + "/logs/" + work_path + ".log"))) {
    if (l.rfind(prefix, 0) == 0) return l;
  }
  return "";
}

/// `lifecycle_app -- long [flags]`, up to the point where `busy` is inside its
/// 30 s call and `idle` has finished its call (its process idle but alive).
class LongCallApp {
 public:
  LongCallApp(const TempDir& dir, const std::vector<std::string>& flags)
      : run_dir_(dir / "run"), app_(LIGHTNING_LIFECYCLE_APP, args(flags), dir.path()) {}

  /// Waits for both works' "<name> pid=..." lines; false at the deadline.
  bool wait_until_busy() {
    const bool ok = wait_until(
        [&] {
          busy_ = log_line(run_dir_, "root.busy", "busy pid=");
          idle_ = log_line(run_dir_, "root.idle", "idle pid=");
          return !busy_.empty() && !idle_.empty();
        },
        milliseconds(15000));
    if (!ok) return false;
    // The processes that must be gone once the app is: both works, the
    // zygote they were forked from, and busy's grandchild if it has one.
    const auto busy = parse_pids(busy_);
    const auto idle = parse_pids(idle_);
    for (const auto& [what, pid] : busy) pids_["busy " + what] = pid;
    pids_["idle pid"] = idle.at("pid");
    return true;
  }

  AppProcess& app() { return app_; }
  const std::string& run_dir() const { return run_dir_; }
  const std::map<std::string, int>& pids() const { return pids_; }
  std::string describe() {
    return "busy: " + busy_ + "\nidle: " + idle_ + "\n--- stdout ---\n" + app_.stdout_text() +
           "--- stderr ---\n" + app_.stderr_text();
  }

 private:
  std::vector<std::string> args(const std::vector<std::string>& flags) const {
    std::vector<std::string> a{"--run-dir", run_dir_, "--", "long"};
    a.insert(a.end(), flags.begin(), flags.end());
    return a;
  }

  std::string run_dir_;
  AppProcess app_;
  std::string busy_, idle_;
  std::map<std::string, int> pids_;
};

void expect_all_gone(const std::map<std::string, int>& pids, milliseconds within) {
  for (const auto& [what, pid] : pids) {
    EXPECT_TRUE(wait_process_gone(pid, within)) << what << " (pid " << pid << ") is still running";
  }
}

TEST(ShutdownTest, StopEndsTheAppWithZeroAndLeavesNoWorkProcess) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_LIFECYCLE_APP, dir, {"pids"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.final.at("message"), "all pids recorded");

  std::map<std::string, int> pids;
  for (const std::string w : {"a", "b", "c"}) {
    const Json& vars = run.work(w).at("vars");
    pids[w] = vars.at("pid");
    pids[w + " zygote"] = vars.at("zygote");
    EXPECT_NE(vars.at("pid").get<int>(), 0) << run.describe();
    // Works are forked from the zygote, not from the controller.
    EXPECT_NE(vars.at("zygote").get<int>(), run.pid);
    EXPECT_EQ(vars.at("zygote"), run.work("a").at("vars").at("zygote"));
  }
  pids["a's grandchild"] = run.work("a").at("vars").at("grandchild");
  EXPECT_NE(pids["a's grandchild"], 0);
  // The app reaped what it started before exiting; allow a moment for a
  // grandchild, which init reaps.
  expect_all_gone(pids, milliseconds(2000));
}

TEST(ShutdownTest, SigtermDuringALongCallExits143PromptlyAndLeavesNoProcess) {
  TempDir dir;
  LongCallApp app(dir, {"grandchild"});
  ASSERT_TRUE(app.wait_until_busy()) << app.describe();
  ASSERT_FALSE(app.app().has_exited()) << app.describe();

  app.app().send_signal(SIGTERM);
  const ExitStatus st = app.app().wait(milliseconds(15000));
  std::printf("exit after SIGTERM took %lld ms\n", static_cast<long long>(st.took.count()));
  ASSERT_FALSE(st.timed_out) << app.describe();
  EXPECT_EQ(st.exit_code, 128 + SIGTERM) << st << app.describe();
  EXPECT_LT(st.took.count(), 5000) << "the work dies on SIGTERM; no grace period should pass";
  expect_all_gone(app.pids(), milliseconds(2000));

  const Json final = read_json(app.run_dir() + "/state.json");
  ASSERT_FALSE(final.is_discarded()) << app.describe();
  EXPECT_EQ(final.at("exit_code"), 128 + SIGTERM);
  EXPECT_TRUE(contains(final.at("message"), "SIGTERM")) << final.dump(2);
  const Json& busy = final.at("state").at("works").at("busy").at("status");
  EXPECT_EQ(busy.at("stage"), "stopped") << final.dump(2);
  EXPECT_EQ(busy.at("reason"), "stopped") << final.dump(2);
}

TEST(ShutdownTest, SigintDuringALongCallExits130AndLeavesNoProcess) {
  TempDir dir;
  LongCallApp app(dir, {"grandchild"});
  ASSERT_TRUE(app.wait_until_busy()) << app.describe();

  app.app().send_signal(SIGINT);
  const ExitStatus st = app.app().wait(milliseconds(15000));
  ASSERT_FALSE(st.timed_out) << app.describe();
  EXPECT_EQ(st.exit_code, 128 + SIGINT) << st << app.describe();
  EXPECT_LT(st.took.count(), 5000);
  expect_all_gone(app.pids(), milliseconds(2000));

  const Json final = read_json(app.run_dir() + "/state.json");
  ASSERT_FALSE(final.is_discarded()) << app.describe();
  EXPECT_EQ(final.at("exit_code"), 128 + SIGINT);
  EXPECT_TRUE(contains(final.at("message"), "SIGINT")) << final.dump(2);
}

TEST(ShutdownTest, WorkStoppedByTheFlowIsSeenAsStoppedAndItsProcessEnds) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_LIFECYCLE_APP, dir, {"stop_work"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const Json& seen = run.root_vars().at("seen");
  EXPECT_EQ(seen.at("stage"), "stopped") << run.describe();
  EXPECT_EQ(seen.at("reason"), "stopped") << run.describe();
  // Well before the 30 s body would have ended on its own.
  EXPECT_LT(run.status.took.count(), 10000);
  const auto pids = parse_pids(log_line(run.run_dir, "root.busy", "busy pid="));
  ASSERT_EQ(pids.count("pid"), 1u) << run.describe();
  EXPECT_TRUE(wait_process_gone(pids.at("pid"), milliseconds(2000)));
}

/// Sends SIGTERM to `long stubborn ...` and returns how long the app took to exit.
ExitStatus terminate_stubborn(const std::vector<std::string>& flags) {
  TempDir dir;
  LongCallApp app(dir, flags);
  if (!app.wait_until_busy()) {
    ADD_FAILURE() << app.describe();
    return {};
  }
  app.app().send_signal(SIGTERM);
  const ExitStatus st = app.app().wait(milliseconds(15000));
  std::printf("exit with a stubborn work took %lld ms\n", static_cast<long long>(st.took.count()));
  EXPECT_FALSE(st.timed_out) << app.describe();
  EXPECT_EQ(st.exit_code, 128 + SIGTERM) << st << app.describe();
  expect_all_gone(app.pids(), milliseconds(2000));
  return st;
}

TEST(ShutdownTest, WorkIgnoringSigtermIsKilledWhenItsGracePeriodEnds) {
  const ExitStatus st = terminate_stubborn({"stubborn"});
  // Both works have a 400 ms grace period; busy ignores SIGTERM.
  EXPECT_GE(st.took.count(), 350) << "busy ignores SIGTERM: the app must wait for the grace period";
  EXPECT_LT(st.took.count(), 2500) << "busy's grace period is 400 ms";
}

TEST(ShutdownTest, WorkIgnoringSigtermGetsItsOwnGracePeriodNotTheLongestOne) {
  // idle has a 3 s grace period but exits at once on SIGTERM; busy ignores
  // SIGTERM and has 400 ms: it should be killed after 400 ms.
  const ExitStatus st = terminate_stubborn({"stubborn", "idle_grace_3s"});
  // Each work gets SIGKILL after its own grace period (Controller::begin_shutdown).
  EXPECT_GE(st.took.count(), 350);
  EXPECT_LT(st.took.count(), 2500) << "busy's grace period is 400 ms";
}

TEST(ShutdownTest, SecondSigtermKillsWorksWithoutWaitingForTheirGracePeriod) {
  TempDir dir;
  // busy ignores SIGTERM, and its 3 s grace period sets how long the first
  // signal alone would make the app wait.
  LongCallApp app(dir, {"stubborn", "busy_grace_3s"});
  ASSERT_TRUE(app.wait_until_busy()) << app.describe();

  app.app().send_signal(SIGTERM);
  // The controller has handled the first signal once it has stopped idle
  // (works are in their own process groups: only the controller signals them).
  ASSERT_TRUE(wait_process_gone(app.pids().at("idle pid"), milliseconds(5000))) << app.describe();
  const auto handled = Clock::now();  // no earlier than the handling of the first
  // Signals within 1 s of the first are the same request (AppHost::
  // kRepeatedSignalWindow: `timeout` signals the pid and then the group).
  wait_until([&] { return Clock::now() - handled >= milliseconds(1100); }, milliseconds(2000));
  const auto second = Clock::now();
  app.app().send_signal(SIGTERM);
  const ExitStatus st = app.app().wait(milliseconds(15000));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - second).count();
  std::printf("exit after the second SIGTERM took %lld ms\n", static_cast<long long>(took));
  ASSERT_FALSE(st.timed_out) << app.describe();
  EXPECT_EQ(st.exit_code, 128 + SIGTERM) << st;
  EXPECT_LT(took, 2000) << "the second signal should SIGKILL busy at once";
  expect_all_gone(app.pids(), milliseconds(2000));
}

TEST(ShutdownTest, KillingTheControllerTakesDownTheZygoteAndEveryWorkProcess) {
  TempDir dir;
  LongCallApp app(dir, {});
  ASSERT_TRUE(app.wait_until_busy()) << app.describe();
  ASSERT_EQ(app.pids().count("busy zygote"), 1u);

  app.app().send_signal(SIGKILL);
  const ExitStatus st = app.app().wait(milliseconds(5000));
  ASSERT_FALSE(st.timed_out);
  EXPECT_EQ(st.signal, SIGKILL);
  // PR_SET_PDEATHSIG: the zygote dies with the controller, works with the zygote.
  expect_all_gone(app.pids(), milliseconds(5000));
}

}  // namespace
}  // namespace lightning::integration
