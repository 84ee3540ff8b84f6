// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Cooperative stops end to end (apps/stops_app.cpp): a work that checkpoints
// when lightning::stop_requested() turns true, stopped by the flow, by its
// timeout, and by signals to the app's process group or to the work's. Each
// time: the checkpoint is there, the app exits within the cleanup time plus a
// margin (the work's grace period is 20 s), with the right exit code, and no
// process is left behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <map>
#include <sstream>

#include "support.hpp"

namespace lightning::integration {
namespace {

/// The work's cleanup ("writing the checkpoint"), as in stops_app.cpp.
constexpr milliseconds kCleanup{300};
/// What an orderly stop may take beyond the cleanup on a loaded 2-core
/// machine; far below the work's 20 s grace period.
constexpr milliseconds kMargin{2500};

/// "pid=12 zygote=10" -> {pid: 12, zygote: 10}
std::map<std::string, int64_t> parse_fields(const std::string& text) {
  std::map<std::string, int64_t> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = std::stoll(word.substr(eq + 1));
  }
  return out;
}

/// True once no process is left in process group `pgid`.
bool group_is_gone(pid_t pgid) {
  return wait_until([pgid] { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }, milliseconds(3000));
}

/// What the work published: its processes and its checkpoint.
struct WorkFiles {
  explicit WorkFiles(std::string run_dir) : run_dir_(std::move(run_dir)) {}
  std::map<std::string, int64_t> running() const {
    return parse_fields(read_file(path("running")));
  }
  bool has_checkpoint() const { return file_exists(path("checkpoint")); }
  std::map<std::string, int64_t> checkpoint() const {
    return parse_fields(read_file(path("checkpoint")));
  }
  bool wait_running() const {
    return wait_until([&] { return file_exists(path("running")); }, milliseconds(15000));
  }

 private:
  std::string path(const std::string& what) const { return run_dir_ + "/w." + what; }
  std::string run_dir_;
};

/// Every process the work started is gone, and so is its process group.
void expect_nothing_left(const std::map<std::string, int64_t>& running) {
  for (const std::string what : {"pid", "grandchild", "zygote", "escaped"}) {
    auto it = running.find(what);
    if (it == running.end()) continue;
    EXPECT_TRUE(wait_process_gone(static_cast<pid_t>(it->second), milliseconds(3000)))
        << what << " (pid " << it->second << ") is still running";
  }
  ASSERT_EQ(running.count("pgid"), 1u);
  EXPECT_TRUE(group_is_gone(static_cast<pid_t>(running.at("pgid"))))
      << "a process of the work's group " << running.at("pgid") << " is still running";
}

/// The checkpoint was written, and the app was gone soon after: the work's
/// process was not kept until its grace period ended.
void expect_checkpoint_then_prompt_exit(const WorkFiles& files, int64_t exited_ns) {
  ASSERT_TRUE(files.has_checkpoint()) << "the work's cleanup did not run";
  const auto cp = files.checkpoint();
  EXPECT_GE(cp.at("saved_ns") - cp.at("stop_seen_ns"), kCleanup.count() * 1000000);
  const int64_t after_ms = (exited_ns - cp.at("saved_ns")) / 1000000;
  std::printf("app exited %lld ms after the checkpoint was saved\n",
              static_cast<long long>(after_ms));
  EXPECT_LT(after_ms, kMargin.count()) << "the app waited after the work's cleanup";
}

/// Runs `stops_app -- <args>` to the end.
AppRun run_stops(const TempDir& dir, const std::vector<std::string>& args, int64_t* exited_ns,
                 const std::vector<std::string>& flags = {}) {
  AppRun run = run_app(LIGHTNING_STOPS_APP, dir, args, flags);
  *exited_ns = monotonic_ns();  // a little after the exit: errs on the slow side
  return run;
}

TEST(StopsTest, FlowStopLetsACheckpointingWorkFinishAndReapsItWithoutWaitingForItsGrace) {
  TempDir dir;
  int64_t exited_ns = 0;
  const AppRun run = run_stops(dir, {"stop"}, &exited_ns, {"--log-level", "debug"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const WorkFiles files(run.run_dir);
  expect_checkpoint_then_prompt_exit(files, exited_ns);
  const Json& w = run.work("w");
  EXPECT_EQ(w.at("status").at("stage"), "stopped") << run.describe();
  EXPECT_EQ(w.at("status").at("reason"), "stopped");
  EXPECT_EQ(w.at("vars").at("checkpointed"), true) << "state written during the cleanup is kept";
  // The late CallFinished was expected, and no SIGKILL was needed.
  EXPECT_TRUE(contains(run.err, "call 1 returned after it was stopped")) << run.err;
  EXPECT_FALSE(contains(run.err, "unknown call")) << run.err;
  EXPECT_FALSE(contains(run.err, "grace period")) << run.err;
  expect_nothing_left(files.running());
}

TEST(StopsTest, WorkStopByTheFlowLetsTheWorkCheckpoint) {
  TempDir dir;
  int64_t exited_ns = 0;
  const AppRun run = run_stops(dir, {"work_stop"}, &exited_ns);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const WorkFiles files(run.run_dir);
  expect_checkpoint_then_prompt_exit(files, exited_ns);
  EXPECT_EQ(run.work("w").at("status").at("message"), "stopped by a flow") << run.describe();
  expect_nothing_left(files.running());
}

TEST(StopsTest, CallTimeoutLetsTheWorkCheckpointAndTheCallFailsWithReasonTimeout) {
  TempDir dir;
  int64_t exited_ns = 0;
  const AppRun run = run_stops(dir, {"timeout"}, &exited_ns);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const WorkFiles files(run.run_dir);
  expect_checkpoint_then_prompt_exit(files, exited_ns);
  EXPECT_EQ(run.root_vars().at("seen").at("reason"), "timeout") << run.describe();
  expect_nothing_left(files.running());
}

TEST(StopsTest, WorkWithASigtermHandlerOfItsOwnIsReapedOnceItReturns) {
  // The case: the work never asks stop_requested(); its own handler
  // sets a flag, it saves its checkpoint and returns from run().
  TempDir dir;
  int64_t exited_ns = 0;
  const AppRun run = run_stops(dir, {"stop", "own_handler"}, &exited_ns);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const WorkFiles files(run.run_dir);
  expect_checkpoint_then_prompt_exit(files, exited_ns);
  EXPECT_FALSE(contains(run.err, "unknown call")) << run.err;
  expect_nothing_left(files.running());
}

/// Starts `long`, waits for the work to run, calls `send`, and waits for the exit.
struct Signalled {
  ExitStatus status;
  int64_t exited_ns = 0;
  std::string out, err, run_dir;
  std::map<std::string, int64_t> running;
  Json final;
  std::string describe() const {
    std::ostringstream s;
    s << status << "\n--- stdout ---\n" << out << "--- stderr ---\n" << err;
    return s.str();
  }
};

Signalled run_signalled(const TempDir& dir, const std::vector<std::string>& options,
                        const std::function<void(pid_t app, pid_t work_pgid)>& send) {
  Signalled out;
  out.run_dir = dir / "run";
  std::vector<std::string> args{"--run-dir", out.run_dir, "--", "long"};
  args.insert(args.end(), options.begin(), options.end());
  AppProcess app(LIGHTNING_STOPS_APP, args, dir.path());
  const WorkFiles files(out.run_dir);
  if (!files.wait_running()) {
    ADD_FAILURE() << "the work never ran\n" << app.stderr_text();
    return out;
  }
  out.running = files.running();
  send(app.pid(), static_cast<pid_t>(out.running.at("pgid")));
  out.status = app.wait(milliseconds(30000));
  out.exited_ns = monotonic_ns();
  out.out = app.stdout_text();
  out.err = app.stderr_text();
  out.final = read_json(out.run_dir + "/state.json");
  return out;
}

TEST(StopsTest, SigtermToTheAppsProcessGroupGivesTheWorkItsCleanupAndExits143) {
  // `kill -- -PGID`: the controller and the work forker get it; works are in
  // groups of their own. The forker must wait for the controller's stop.
  TempDir dir;
  const Signalled s =
      run_signalled(dir, {"escape"}, [](pid_t app, pid_t) { ASSERT_EQ(::kill(-app, SIGTERM), 0); });
  ASSERT_FALSE(s.status.timed_out) << s.describe();
  EXPECT_EQ(s.status.exit_code, 128 + SIGTERM) << s.describe();
  std::printf("exit after SIGTERM to the group took %lld ms\n",
              static_cast<long long>(s.status.took.count()));
  EXPECT_LT(s.status.took.count(), (kCleanup + kMargin).count()) << s.describe();
  expect_checkpoint_then_prompt_exit(WorkFiles(s.run_dir), s.exited_ns);
  EXPECT_FALSE(contains(s.err, "forker")) << "the forker must not die or kill the works\n" << s.err;
  ASSERT_FALSE(s.final.is_discarded()) << s.describe();
  EXPECT_EQ(s.final.at("exit_code"), 128 + SIGTERM);
  EXPECT_EQ(s.final.at("state").at("works").at("w").at("status").at("stage"), "stopped");
  ASSERT_EQ(s.running.count("escaped"), 1u);
  EXPECT_GT(s.running.at("escaped"), 0) << "setsid grandchild not started";
  expect_nothing_left(s.running);  // the setsid'd grandchild too
}

TEST(StopsTest, SigtermToThePidAndThenTheGroupAsTimeoutSendsItIsOneOrderlyStop) {
  // `timeout` signals the app's pid, then its whole group: the app may get
  // the same SIGTERM twice. That is not the "second signal kills now".
  TempDir dir;
  const Signalled s = run_signalled(dir, {}, [](pid_t app, pid_t) {
    ASSERT_EQ(::kill(app, SIGTERM), 0);
    ASSERT_EQ(::kill(-app, SIGTERM), 0);
  });
  ASSERT_FALSE(s.status.timed_out) << s.describe();
  EXPECT_EQ(s.status.exit_code, 128 + SIGTERM) << s.describe();
  expect_checkpoint_then_prompt_exit(WorkFiles(s.run_dir), s.exited_ns);
  expect_nothing_left(s.running);
}

TEST(StopsTest, CtrlCIsAStopRequestedByTheUserNotAFailureAndExits130) {
  TempDir dir;
  const Signalled s = run_signalled(dir, {}, [](pid_t app, pid_t) {
    ASSERT_EQ(::kill(-app, SIGINT), 0);  // what the terminal sends its foreground group
  });
  ASSERT_FALSE(s.status.timed_out) << s.describe();
  EXPECT_EQ(s.status.exit_code, 128 + SIGINT) << s.describe();
  EXPECT_TRUE(contains(s.err, "app stopped: interrupted by SIGINT (Ctrl-C)")) << s.err;
  EXPECT_FALSE(contains(s.err, "app failed")) << s.err;
  expect_checkpoint_then_prompt_exit(WorkFiles(s.run_dir), s.exited_ns);
  expect_nothing_left(s.running);
}

TEST(StopsTest, SigtermToAWorksProcessGroupEndsItsCallWithACauseNamingASignalFromOutside) {
  TempDir dir;
  const Signalled s = run_signalled(
      dir, {}, [](pid_t, pid_t work_pgid) { ASSERT_EQ(::kill(-work_pgid, SIGTERM), 0); });
  ASSERT_FALSE(s.status.timed_out) << s.describe();
  EXPECT_EQ(s.status.exit_code, 0) << "the flow saw the failure and stopped\n" << s.describe();
  expect_checkpoint_then_prompt_exit(WorkFiles(s.run_dir), s.exited_ns);
  ASSERT_FALSE(s.final.is_discarded()) << s.describe();
  const Json& seen = s.final.at("state").at("vars").at("seen");
  EXPECT_EQ(seen.at("stage"), "failed") << seen.dump(2);
  EXPECT_EQ(seen.at("reason"), "signal") << seen.dump(2);
  EXPECT_EQ(seen.at("signal"), SIGTERM) << seen.dump(2);
  EXPECT_TRUE(contains(seen.at("message"), "SIGTERM from outside the app")) << seen.dump(2);
  expect_nothing_left(s.running);
}

TEST(StopsTest, SigtermToTheAppAndItsWorksAtOnceIsAStopEvenWhenAWorksFailureArrivesFirst) {
  // systemd and Slurm signal every process of the app at once. Here the
  // work's failure surely reaches the controller first: the test waits for it
  // before it signals the app (the other work's cleanup keeps the app up).
  TempDir dir;
  const std::string run_dir = dir / "run";
  AppProcess app(LIGHTNING_STOPS_APP, {"--run-dir", run_dir, "--", "pair"}, dir.path());
  ASSERT_TRUE(wait_until(
      [&] { return file_exists(run_dir + "/w.running") && file_exists(run_dir + "/v.running"); },
      milliseconds(15000)))
      << app.stderr_text();
  const auto w = parse_fields(read_file(run_dir + "/w.running"));
  ASSERT_EQ(::kill(-static_cast<pid_t>(w.at("pgid")), SIGTERM), 0);
  // stderr, not controller.log: it is written as the controller logs.
  ASSERT_TRUE(wait_until([&] { return contains(app.stderr_text(), "from outside the app"); },
                         milliseconds(10000)))
      << "the work's failure never reached the controller\n"
      << app.stderr_text();
  ASSERT_EQ(::kill(-app.pid(), SIGTERM), 0);
  const ExitStatus status = app.wait(milliseconds(30000));
  const std::string err = app.stderr_text();
  EXPECT_EQ(status.exit_code, 128 + SIGTERM) << status << "\n" << err;
  EXPECT_TRUE(contains(err, "app stopped: stopped by SIGTERM (a work got it too")) << err;
  EXPECT_FALSE(contains(err, "app failed")) << err;
  const Json final = read_json(run_dir + "/state.json");
  ASSERT_FALSE(final.is_discarded());
  EXPECT_EQ(final.at("exit_code"), 128 + SIGTERM);
  EXPECT_TRUE(file_exists(run_dir + "/v.checkpoint")) << "the other work's cleanup did not run";
}

}  // namespace
}  // namespace lightning::integration
