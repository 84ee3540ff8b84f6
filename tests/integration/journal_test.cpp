// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The journal of a real app (apps/journal_app.cpp, real work processes, real
// gRPC): after a normal run, journal::load() gives what state.json says; after
// `kill -9` of the controller mid-run, it gives a consistent state at some
// version; --no-journal writes none.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "journal/file_hash.hpp"
#include "journal/load.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

const std::string kApp = LIGHTNING_JOURNAL_APP;
const std::string kFanoutApp = LIGHTNING_FANOUT_APP;

/// The journal's state as the tests' Json type.
Json state_of(const journal::Recovered& r) { return Json::parse(r.state.dump()); }

TEST(JournalAppTest, AfterANormalRunTheJournalHoldsWhatStateJsonSays) {
  TempDir dir;
  const AppRun run = run_app(kApp, dir, {"25"}, {"--no-http", "--quiet"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();

  const auto r = journal::load(run.run_dir + "/journal.sqlite");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(state_of(*r), run.final.at("state")) << "journal:\n"
                                                 << r->state.dump(1) << "\n"
                                                 << run.describe();
  EXPECT_EQ(r->version, run.final.at("state_version").get<uint64_t>());
  EXPECT_EQ(r->meta.run_id, run.final.at("run_id").get<std::string>());
  EXPECT_EQ(r->incomplete, "");
  EXPECT_EQ(r->state["vars"]["done"], 25);

  // The binary that ran, and its hash, for a resume to compare with.
  EXPECT_EQ(r->meta.app_path, std::filesystem::canonical(kApp).string());
  const auto sha = journal::sha256_of_file(kApp);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(r->meta.app_sha256, *sha);

  // Every call succeeded, and the table a resume restores says so.
  ASSERT_EQ(r->call_tables.count("root.w"), 1u);
  const auto& table = r->call_tables.at("root.w");
  EXPECT_EQ(table["latest"], 25);
  EXPECT_EQ(table["calls"].size(), 25u);
  for (const auto& c : table["calls"]) EXPECT_EQ(c["status"]["stage"], "succeeded") << c;
}

TEST(JournalAppTest, AfterKillMinus9MidRunTheJournalLoadsAConsistentState) {
  TempDir dir;
  const std::string run_dir = dir / "run";
  AppProcess app(kApp, {"--run-dir", run_dir, "--no-http", "--quiet", "--", "-1"}, dir.path());
  // Killed once calls succeeded and the journal has committed some of them
  // (its writer runs behind the app's threads, so it may trail the output).
  ASSERT_TRUE(wait_until(
      [&] {
        if (!contains(app.stdout_text(), "done 30\n")) return false;
        auto r = journal::load(run_dir + "/journal.sqlite");
        return r.ok() && r->state["vars"]["done"].get<int64_t>() >= 1;
      },
      kAppDeadline))
      << app.stdout_text() << app.stderr_text();
  app.send_signal(SIGKILL);
  const ExitStatus status = app.wait();
  ASSERT_EQ(status.signal, SIGKILL) << status;

  const auto r = journal::load(run_dir + "/journal.sqlite");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(r->version, 0u);
  const int64_t done = r->state["vars"]["done"].get<int64_t>();
  const int64_t last = r->state["works"]["w"]["vars"]["last"].get<int64_t>();
  EXPECT_GE(done, 1) << "30 calls succeeded before the kill; none was committed?";
  EXPECT_TRUE(last == done - 1 || last == done) << "done " << done << ", last " << last;
  ASSERT_EQ(r->call_tables.count("root.w"), 1u);
  const uint64_t latest = r->call_tables.at("root.w")["latest"].get<uint64_t>();
  const auto shown = r->state["works"]["w"]["status"]["call_id"].get<uint64_t>();
  EXPECT_LE(latest > shown ? latest - shown : shown - latest, 1u)
      << "the call table and the state's status are a commit apart at most";
}

TEST(JournalAppTest, NoJournalFlagWritesNoJournal) {
  TempDir dir;
  const AppRun run = run_app(kApp, dir, {"3"}, {"--no-http", "--quiet", "--no-journal"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_FALSE(file_exists(run.run_dir + "/journal.sqlite"));
  EXPECT_EQ(run.root_vars()["done"], 3);
}

// ---------------------------------------------------------------- --resume

/// How many times each call (by its i) ran, from the counter file the app's
/// work appends to ($JOURNAL_APP_COUNTER): the count kept outside the app.
std::map<int64_t, int> runs_per_call(const std::string& counter) {
  std::map<int64_t, int> runs;
  std::istringstream in(read_file(counter));
  int64_t i = 0;
  pid_t pid = 0;
  while (in >> i >> pid) ++runs[i];
  return runs;
}

/// The pids of the work processes that ran call `i`, in order.
std::vector<pid_t> pids_of_call(const std::string& counter, int64_t call) {
  std::vector<pid_t> pids;
  std::istringstream in(read_file(counter));
  int64_t i = 0;
  pid_t pid = 0;
  while (in >> i >> pid) {
    if (i == call) pids.push_back(pid);
  }
  return pids;
}

/// The i of every call the journal says succeeded.
std::set<int64_t> succeeded_in(const journal::Recovered& r) {
  std::set<int64_t> out;
  for (const auto& c : r.call_tables.at("root.w")["calls"]) {
    if (c["status"]["stage"] == "succeeded") out.insert(Json::parse(c["key"].get<std::string>())["i"].get<int64_t>());
  }
  return out;
}

/// Sets $JOURNAL_APP_COUNTER for the apps this test starts (they inherit it).
class CounterEnv {
 public:
  explicit CounterEnv(const std::string& file) { ::setenv("JOURNAL_APP_COUNTER", file.c_str(), 1); }
  ~CounterEnv() { ::unsetenv("JOURNAL_APP_COUNTER"); }
  CounterEnv(const CounterEnv&) = delete;
  CounterEnv& operator=(const CounterEnv&) = delete;
};

/// Runs `exe --resume run_dir` (plus `flags`) to its end; io files in `io`.
AppRun resume(const std::string& exe, const std::string& run_dir, const std::string& io,
              const std::vector<std::string>& flags = {}) {
  std::filesystem::create_directories(io);
  std::vector<std::string> args{"--resume", run_dir, "--no-http", "--quiet"};
  args.insert(args.end(), flags.begin(), flags.end());
  AppProcess app(exe, args, io);
  AppRun run;
  run.pid = app.pid();
  run.status = app.wait(kAppDeadline);
  run.out = app.stdout_text();
  run.err = app.stderr_text();
  run.run_dir = run_dir;
  run.final = read_json(run_dir + "/state.json");
  return run;
}

TEST(ResumeTest, KilledRightAfterCallsSucceededResumesToTheEndWithoutRunningThemAgain) {
  TempDir dir;
  const std::string run_dir = dir / "run", counter = dir / "counter";
  CounterEnv env(counter);
  constexpr int kCalls = 40;
  // Call 20 waits for the file to go: the run cannot end before the kill.
  const std::string block = counter + ".block-20";
  write_file(block, "");
  {
    AppProcess app(kApp, {"--run-dir", run_dir, "--no-http", "--quiet", "--", std::to_string(kCalls)},
                   dir.path());
    // Killed once the journal has committed succeeded calls.
    ASSERT_TRUE(wait_until(
        [&] {
          auto r = journal::load(run_dir + "/journal.sqlite");
          return r.ok() && r->call_tables.count("root.w") != 0 && succeeded_in(*r).size() >= 10;
        },
        kAppDeadline))
        << app.stdout_text() << app.stderr_text();
    app.send_signal(SIGKILL);
    ASSERT_EQ(app.wait().signal, SIGKILL);
  }
  std::filesystem::remove(block);
  const auto before = journal::load(run_dir + "/journal.sqlite");
  ASSERT_TRUE(before.ok()) << before.status().message();
  const std::set<int64_t> succeeded = succeeded_in(*before);
  ASSERT_LT(succeeded.size(), static_cast<size_t>(kCalls)) << "the app ended before the kill";

  // No app arguments: the run's own ("40") come from the journal.
  const AppRun run = resume(kApp, run_dir, dir / "resumed");
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(run.root_vars()["done"], kCalls) << run.describe();
  EXPECT_TRUE(contains(run.err, "resuming the run in")) << run.err;

  const auto runs = runs_per_call(counter);
  for (int64_t i = 0; i < kCalls; ++i) {
    ASSERT_EQ(runs.count(i), 1u) << "call " << i << " never ran";
    if (succeeded.count(i) != 0) {
      EXPECT_EQ(runs.at(i), 1) << "call " << i << " had succeeded before the kill and ran again";
    } else {
      EXPECT_LE(runs.at(i), 2) << "call " << i;
    }
  }
  // The journal goes on: it holds the whole run, and says it was resumed once.
  const auto after = journal::load(run_dir + "/journal.sqlite");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->meta.resumes, 1);
  EXPECT_EQ(after->state["vars"]["done"], kCalls);
  EXPECT_EQ(after->version, run.final.at("state_version").get<uint64_t>());
  EXPECT_GT(after->version, before->version);
}

TEST(ResumeTest, ACallRunningAtTheKillRunsAgainAndTheOldWorkProcessIsGoneBeforeItsReplacement) {
  TempDir dir;
  const std::string run_dir = dir / "run", counter = dir / "counter";
  CounterEnv env(counter);
  const std::string block = counter + ".block-5";
  write_file(block, "");  // call 5 waits while the file is there
  {
    AppProcess app(kApp, {"--run-dir", run_dir, "--no-http", "--quiet", "--", "8"}, dir.path());
    // Killed once call 5 runs, and the journal says so.
    ASSERT_TRUE(wait_until(
        [&] {
          if (pids_of_call(counter, 5).size() != 1) return false;
          auto r = journal::load(run_dir + "/journal.sqlite");
          if (!r.ok() || r->call_tables.count("root.w") == 0) return false;
          for (const auto& c : r->call_tables.at("root.w")["calls"]) {
            if (c["key"] == R"({"i":5})") return true;  // journaled: pending is how running loads
          }
          return false;
        },
        kAppDeadline))
        << app.stdout_text() << app.stderr_text();
    app.send_signal(SIGKILL);
    ASSERT_EQ(app.wait().signal, SIGKILL);
  }
  const pid_t old_work = pids_of_call(counter, 5).front();

  // Resumed with the block still there: call 5 runs again and waits in its
  // new process. The old one, had it outlived its controller, would still be
  // waiting in call 5 too.
  std::filesystem::create_directories(dir / "resumed");
  AppProcess resumed(kApp, {"--resume", run_dir, "--no-http", "--quiet"}, dir / "resumed");
  ASSERT_TRUE(wait_until([&] { return pids_of_call(counter, 5).size() == 2; }, kAppDeadline))
      << resumed.stderr_text();
  EXPECT_TRUE(process_is_gone(old_work))
      << "the dead run's work process " << old_work << " still runs beside its replacement";
  EXPECT_NE(pids_of_call(counter, 5).back(), old_work);
  std::filesystem::remove(block);
  const ExitStatus status = resumed.wait();
  ASSERT_EQ(status.exit_code, 0) << status << resumed.stderr_text();

  const auto runs = runs_per_call(counter);
  for (int64_t i = 0; i < 8; ++i) {
    ASSERT_EQ(runs.count(i), 1u) << "call " << i << " never ran";
    EXPECT_EQ(runs.at(i), i == 5 ? 2 : 1) << "call " << i;
  }
}

TEST(ResumeTest, WorksMadeInsideRunComeBackInOrderWithTheirCallsAndOptions) {
  TempDir dir;
  const std::string run_dir = dir / "run", counter = dir / "counter";
  CounterEnv env(counter);
  constexpr int kWorks = 6;  // t9 (call 0), t8 (call 1), ..., t4 (call 5), each made in run()
  const std::string block = counter + ".block-3";
  write_file(block, "");  // t6 runs call 3 and waits: the kill comes while it runs
  auto succeeded_of = [](const journal::Recovered& r, const std::string& work) {
    if (r.call_tables.count(work) == 0) return false;
    for (const auto& c : r.call_tables.at(work)["calls"]) {
      if (c["status"]["stage"] == "succeeded") return true;
    }
    return false;
  };
  {
    AppProcess app(kFanoutApp,
                   {"--run-dir", run_dir, "--no-http", "--quiet", "--", std::to_string(kWorks)},
                   dir.path());
    ASSERT_TRUE(wait_until(
        [&] {
          if (pids_of_call(counter, 3).size() != 1) return false;
          auto r = journal::load(run_dir + "/journal.sqlite");
          return r.ok() && succeeded_of(*r, "root.t7") && r->call_tables.count("root.t6") != 0;
        },
        kAppDeadline))
        << app.stdout_text() << app.stderr_text();
    app.send_signal(SIGKILL);
    ASSERT_EQ(app.wait().signal, SIGKILL);
  }
  const auto before = journal::load(run_dir + "/journal.sqlite");
  ASSERT_TRUE(before.ok()) << before.status().message();
  // The journal kept each work's type, options and place.
  ASSERT_GE(before->works.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(before->works[i].path, "root.t" + std::to_string(9 - i));
    EXPECT_EQ(before->works[i].options.retries(), 1);
  }
  EXPECT_TRUE(before->state["works"].contains("t6"));

  // Resumed with the block still there: call 3 runs again, in a new process
  // of t6 (the old one is gone by then: the resume waits for the dead run's
  // forkers), and waits. Then it fails once; retries(1) runs it a third time.
  // t9..t7 answer from their cache.
  std::filesystem::create_directories(dir / "resumed");
  AppProcess resumed(kFanoutApp, {"--resume", run_dir, "--no-http", "--quiet"}, dir / "resumed");
  ASSERT_TRUE(wait_until([&] { return pids_of_call(counter, 3).size() == 2; }, kAppDeadline))
      << resumed.stderr_text();
  write_file(counter + ".fail-3", "");
  std::filesystem::remove(block);
  const ExitStatus status = resumed.wait();
  ASSERT_EQ(status.exit_code, 0) << status << resumed.stderr_text();
  EXPECT_TRUE(contains(resumed.stdout_text(), "order: t9 t8 t7 t6 t5 t4"))
      << resumed.stdout_text();
  EXPECT_FALSE(std::filesystem::exists(counter + ".fail-3")) << "call 3 never failed";

  const auto runs = runs_per_call(counter);
  for (int64_t i = 0; i < kWorks; ++i) {
    ASSERT_EQ(runs.count(i), 1u) << "call " << i << " never ran";
    EXPECT_EQ(runs.at(i), i == 3 ? 3 : 1)
        << "call " << i << (i < 3 ? " had succeeded before the kill and ran again" : "");
  }
  const Json final = read_json(run_dir + "/state.json");
  ASSERT_FALSE(final.is_discarded());
  for (int64_t i = 0; i < kWorks; ++i) {
    const std::string name = "t" + std::to_string(9 - i);
    const Json& w = final["state"]["works"][name];
    EXPECT_EQ(w["status"]["stage"], "succeeded") << name << "\n" << final.dump(1);
    EXPECT_EQ(w["vars"]["ran"], i) << name;
  }
  EXPECT_EQ(final["state"]["vars"]["made"], kWorks);
}

TEST(ResumeTest, AWorkTypeTheBinaryDoesNotRegisterIsRefusedNamingTheWorkAndTheType) {
  TempDir dir;
  const AppRun first = run_app(kFanoutApp, dir, {"2"}, {"--no-http", "--quiet"});
  ASSERT_EQ(first.status.exit_code, 0) << first.describe();
  // journal_app has no work type Task: its tree cannot take fanout_app's works.
  const AppRun refused = resume(kApp, first.run_dir, dir / "refused", {"--resume-anyway"});
  EXPECT_EQ(refused.status.exit_code, 2) << refused.describe();
  EXPECT_TRUE(contains(refused.err,
                       "the work 'root.t9' has type '(anonymous namespace)::Task', which this app "
                       "does not register (was the work type renamed or removed"))
      << refused.err;
}

TEST(ResumeTest, AChangedBinaryIsRefusedUnlessResumeAnyway) {
  TempDir dir;
  const std::string run_dir = dir / "run";
  {
    AppProcess app(kApp, {"--run-dir", run_dir, "--no-http", "--quiet", "--", "-1"}, dir.path());
    ASSERT_TRUE(wait_until([&] { return contains(app.stdout_text(), "done 3\n"); }, kAppDeadline))
        << app.stderr_text();
    // Its binary's hash is committed (flush() waits for it at exit; here, wait).
    ASSERT_TRUE(wait_until(
        [&] {
          auto r = journal::load(run_dir + "/journal.sqlite");
          return r.ok() && !r->meta.app_sha256.empty();
        },
        kAppDeadline));
    app.send_signal(SIGKILL);
    ASSERT_EQ(app.wait().signal, SIGKILL);
  }
  // Another build of the app: the same code plus one byte at the end.
  const std::string other = dir / "journal_app_v2";
  std::filesystem::copy_file(kApp, other);
  { std::ofstream(other, std::ios::app) << '\n'; }
  std::filesystem::permissions(other, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);

  const AppRun refused = resume(other, run_dir, dir / "refused", {"--", "5"});
  EXPECT_EQ(refused.status.exit_code, 2) << refused.describe();
  EXPECT_TRUE(contains(refused.err, "the app binary changed")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "--resume-anyway")) << refused.err;

  const AppRun anyway = resume(other, run_dir, dir / "anyway", {"--resume-anyway", "--", "5"});
  ASSERT_EQ(anyway.status.exit_code, 0) << anyway.describe();
  EXPECT_GE(anyway.root_vars()["done"].get<int64_t>(), 5);
  EXPECT_TRUE(contains(anyway.err, "--resume-anyway")) << anyway.err;
}

TEST(ResumeTest, OneAppPerRunDirectoryAndNothingToResumeIsSaidSo) {
  TempDir dir;
  const std::string run_dir = dir / "run";
  AppProcess app(kApp, {"--run-dir", run_dir, "--no-http", "--quiet", "--", "-1"}, dir.path());
  ASSERT_TRUE(wait_until([&] { return contains(app.stdout_text(), "done 2\n"); }, kAppDeadline))
      << app.stderr_text();
  const AppRun second = resume(kApp, run_dir, dir / "second");
  EXPECT_EQ(second.status.exit_code, 2) << second.describe();
  EXPECT_TRUE(contains(second.err, "another app is running in")) << second.err;
  EXPECT_TRUE(contains(second.err, "pid " + std::to_string(app.pid()))) << second.err;
  app.send_signal(SIGTERM);
  EXPECT_EQ(app.wait().exit_code, 128 + SIGTERM);

  const AppRun none = resume(kApp, dir / "nowhere", dir / "none");
  EXPECT_EQ(none.status.exit_code, 2) << none.describe();
  EXPECT_TRUE(contains(none.err, "nothing to resume")) << none.err;

  TempDir plain;
  const AppRun no_journal = run_app(kApp, plain, {"2"}, {"--no-http", "--quiet", "--no-journal"});
  ASSERT_EQ(no_journal.status.exit_code, 0) << no_journal.describe();
  const AppRun nothing = resume(kApp, no_journal.run_dir, plain / "again");
  EXPECT_EQ(nothing.status.exit_code, 2) << nothing.describe();
  EXPECT_TRUE(contains(nothing.err, "no journal.sqlite")) << nothing.err;
}

}  // namespace
}  // namespace lightning::integration
