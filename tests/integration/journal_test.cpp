// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The journal of a real app (apps/journal_app.cpp, real work processes, real
// gRPC): after a normal run, journal::load() gives what state.json says; after
// `kill -9` of the controller mid-run, it gives a consistent state at some
// version; --no-journal writes none.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "journal/file_hash.hpp"
#include "journal/load.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

const std::string kApp = LIGHTNING_JOURNAL_APP;

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
  ASSERT_TRUE(wait_until([&] { return contains(app.stdout_text(), "done 30\n"); }, kAppDeadline))
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

}  // namespace
}  // namespace lightning::integration
