// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The journal on disk: Journal + SqliteJournalStore write it, journal::load()
// reads it back. Round trips of state (batches and snapshots) and of call
// tables (against a real CallTable), what load() refuses (missing, empty, not
// SQLite, foreign, newer, corrupt, truncated, inconsistent), a writer killed
// with SIGKILL mid-write, and a full disk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "common/captured_log.hpp"
#include "common/temp_dir.hpp"
#include "fakes/fake_clock.hpp"
#include "journal/file_hash.hpp"
#include "journal/journal.hpp"
#include "journal/load.hpp"
#include "journal/schema.hpp"
#include "journal/sqlite_journal_store.hpp"
#include "unit/journal/journal_test_util.hpp"

namespace unit_journal {
namespace {

using lightning::Json;
using lightning::StatusCode;
using lightning::WorkStage;
using lightning::journal::Journal;
using lightning::journal::JournalOptions;
using lightning::journal::load;
using lightning::journal::Recovered;
using lightning::journal::SqliteJournalStore;
using lightning::runtime::CallPolicy;
using lightning::runtime::CallRecord;
using lightning::runtime::CallTable;
using lightning::testing::FakeClock;
using lightning::testing::TempDir;
using namespace std::chrono_literals;

std::unique_ptr<Journal> open_journal(const std::string& path, const FakeClock& clock,
                                      JournalOptions options = {}) {
  // Pruning whenever a snapshot comes and the table may have doubled, so that
  // small tests see it (the default waits for 4,096 rows).
  return std::make_unique<Journal>(
      std::make_unique<SqliteJournalStore>(path, SqliteJournalStore::Mode::kReplace, 0), clock,
      options);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

/// Runs SQL on a journal file directly (to damage it the way a test needs).
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

int64_t count_rows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* s = nullptr;
  int64_t n = -1;
  const std::string sql = "SELECT count(*) FROM " + table;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

/// A batch of several changes, versions first..first+ops-1, all in one patch.
lightning::runtime::StateBatch batch_of(uint64_t first, const Json& ops) {
  lightning::runtime::StateBatch b;
  b.first_version = first;
  b.last_version = first + ops.size() - 1;
  b.patch = ops;
  return b;
}

class JournalLoadTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_ / "journal.sqlite"; }

  /// A finished journal: the start state, `batches` batches of one change;
  /// `row_each`: each committed on its own, so each is a row of its own.
  void write_journal(int batches, JournalOptions options = {}, bool row_each = false) {
    auto j = open_journal(path(), clock_, options);
    j->start(meta(), initial_state(), 0);
    for (int v = 1; v <= batches; ++v) {
      j->on_state_batch(set_n(static_cast<uint64_t>(v), v));
      if (row_each) j->flush();
    }
    j->flush();
    ASSERT_TRUE(j->status().ok()) << j->status().message();
  }

  /// load() fails with `code` and a message that names the file and says `what`.
  void expect_refused(StatusCode code, const std::string& what) {
    const auto r = load(path());
    ASSERT_FALSE(r.ok()) << "loaded a journal that should be refused";
    EXPECT_EQ(r.status().code(), code) << r.status().message();
    EXPECT_EQ(r.status().message().rfind("cannot load the journal " + path() + ": ", 0), 0u)
        << r.status().message();
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  }

  TempDir dir_;
  FakeClock clock_;
};

// ---------------------------------------------------------------- state

TEST_F(JournalLoadTest, StateRoundTripGivesWhatApplyingEveryPatchGives) {
  JournalOptions options;
  options.max_replay_batches = 7;  // snapshots along the way
  auto j = open_journal(path(), clock_, options);
  Json expected = initial_state();
  j->start(meta(), expected, 0);
  uint64_t v = 1;
  for (int i = 0; i < 60; ++i) {
    Json ops = Json::array();
    ops.push_back({{"op", "replace"}, {"path", "/vars/n"}, {"value", i}});
    if (i % 5 == 0) {
      Json work = Json::parse(R"({"type": "W", "vars": {"x": 0},
                                  "status": {"stage": "not_started"}})");
      work["vars"]["x"] = i;
      ops.push_back({{"op", "add"}, {"path", "/works/w" + std::to_string(i)}, {"value", work}});
    }
    if (i % 7 == 3) {
      ops.push_back(
          {{"op", "replace"}, {"path", "/vars/text"}, {"value", "i=" + std::to_string(i)}});
    }
    const auto b = batch_of(v, ops);
    expected.patch_inplace(b.patch);
    j->on_state_batch(b);
    v = b.last_version + 1;
    if (i % 3 == 2) j->flush();  // small commits: snapshots fall between them
    if (i == 30) {
      // A reader while the writer is still open sees every flushed batch.
      j->flush();
      const auto mid = load(path());
      ASSERT_TRUE(mid.ok()) << mid.status().message();
      EXPECT_EQ(mid->state, expected);
      EXPECT_EQ(mid->version, b.last_version);
    }
  }
  j->flush();
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->state, expected);
  EXPECT_EQ(r->version, v - 1);
  EXPECT_GE(j->stats().snapshots, 4u) << "the start's and at least one per 7 batches";
  j.reset();
  // And once it is closed (the write-ahead log checkpointed into the file).
  const auto closed = load(path());
  ASSERT_TRUE(closed.ok()) << closed.status().message();
  EXPECT_EQ(closed->state, expected);
  EXPECT_EQ(closed->version, v - 1);
}

TEST_F(JournalLoadTest, SnapshotsDropTheBatchesTheyCoverSoReplayIsBounded) {
  JournalOptions options;
  options.max_replay_batches = 16;
  write_journal(1000, options);
  EXPECT_LE(count_rows(path(), "batches"), 16);
  EXPECT_EQ(count_rows(path(), "snapshots"), 1);
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->version, 1000u);
  EXPECT_EQ(r->state["vars"]["n"], 1000);
}

TEST_F(JournalLoadTest, MetaSaysWhichRunAndWhichBinaryWroteIt) {
  const std::string binary = dir_ / "app";
  write_bytes(binary, "abc");
  auto j = open_journal(path(), clock_);
  j->start(meta(), initial_state(), 3, binary);
  j->flush();
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->meta.schema_version, lightning::journal::kSchemaVersion);
  EXPECT_EQ(r->meta.run_id, "run-1");
  EXPECT_EQ(r->meta.app_path, "/bin/app");
  EXPECT_EQ(r->meta.app_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
      << "flush() waits for the hash, which comes after the first commit";
  EXPECT_EQ(r->meta.app_size, 3);
  EXPECT_GT(r->meta.app_mtime_ns, 0);
  EXPECT_EQ(r->meta.started_at_us, 1'700'000'000'000'000);
  EXPECT_EQ(r->meta.lightning_version, "0.1.0");
  EXPECT_EQ(r->incomplete, "");
  EXPECT_EQ(r->version, 3u);
  EXPECT_EQ(r->state, initial_state());
  EXPECT_TRUE(r->call_tables.empty());
}

TEST_F(JournalLoadTest, AnEarlierRunsJournalAtTheSamePathIsReplaced) {
  write_journal(5);
  auto j = open_journal(path(), clock_);
  j->start(meta(), initial_state(), 0);
  j->flush();
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->version, 0u);
}

// ---------------------------------------------------------------- calls

/// A pending record of call `id` with args {"i": i}.
CallRecord call_record(uint64_t id, int i) { return call(id, Json{{"i", i}}); }

class JournalCallsTest : public JournalLoadTest {
 protected:
  void make_table(CallPolicy policy) {
    policy_ = policy;
    table_ = std::make_unique<CallTable>(
        clock_, policy,
        CallTable::Hooks{
            [this](const CallRecord& c, bool) { journal_->record_call("root.w", c, policy_); },
            [] {}, [](uint64_t, std::chrono::milliseconds) {}});
    journal_ = open_journal(path(), clock_);
    journal_->start(meta(), initial_state(), 0);
  }
  void new_call(int i, uint64_t run = 1) { table_->call(Json{{"i", i}}, run, true); }
  void dispatch_and_start() {
    ASSERT_NE(table_->next_to_dispatch(), nullptr);
    table_->mark_dispatched(1);
    table_->start_current();
  }

  /// The table load() gives for root.w, restored into a fresh CallTable and
  /// saved again, next to the live table's save(); "rerun_in_ms" (the wall
  /// clock's word against the fake clock's) is checked, then removed.
  void expect_same_table() {
    journal_->flush();
    const auto r = load(path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->call_tables.count("root.w"), 1u);
    CallTable restored(clock_, policy_,
                       CallTable::Hooks{[](const CallRecord&, bool) {}, [] {},
                                        [](uint64_t, std::chrono::milliseconds) {}});
    ASSERT_TRUE(restored.restore(r->call_tables.at("root.w")).ok());
    Json live = table_->save();
    Json back = restored.save();
    ASSERT_EQ(live["calls"].size(), back["calls"].size()) << live.dump(1) << back.dump(1);
    for (size_t i = 0; i < live["calls"].size(); ++i) {
      Json& a = live["calls"][i];
      Json& b = back["calls"][i];
      ASSERT_EQ(a.contains("rerun_in_ms"), b.contains("rerun_in_ms")) << a << b;
      if (a.contains("rerun_in_ms")) {
        EXPECT_NEAR(a["rerun_in_ms"].get<double>(), b["rerun_in_ms"].get<double>(), 2000.0);
        a.erase("rerun_in_ms");
        b.erase("rerun_in_ms");
      }
    }
    EXPECT_EQ(live, back) << "live:\n" << live.dump(1) << "\nfrom the journal:\n" << back.dump(1);
  }

  CallPolicy policy_;
  std::unique_ptr<Journal> journal_;  // destroyed after the table (its hooks write to it)
  std::unique_ptr<CallTable> table_;
};

TEST_F(JournalCallsTest, SucceededFailedRunningAndQueuedCallsComeBackAsTheTableSavedThem) {
  CallPolicy policy;
  policy.retry_backoff = 60s;  // the failure's re-run backoff: 60 s
  make_table(policy);
  new_call(1);
  dispatch_and_start();
  table_->succeed_current();
  new_call(2, 2);
  dispatch_and_start();
  table_->fail_current("exception", "std::runtime_error: boom", /*may_retry=*/false, 3);
  new_call(3, 3);
  dispatch_and_start();  // running when the journal is read
  new_call(4, 3);        // queued behind it
  expect_same_table();
  const auto r = load(path());
  ASSERT_TRUE(r.ok());
  const Json& t = r->call_tables.at("root.w");
  EXPECT_EQ(t["current"], 3) << "the call that was running comes back first, pending";
  EXPECT_EQ(t["calls"][2]["status"]["stage"], "pending");
  EXPECT_EQ(t["calls"][2]["args"], (Json{{"i", 3}}));
  EXPECT_EQ(t["calls"][1]["status"]["exit_code"], 3);
  EXPECT_EQ(t["calls"][1]["final_failures"], 1);
}

TEST_F(JournalCallsTest, ACallWaitingForItsRetryComesBackWaitingForIt) {
  CallPolicy policy;
  policy.retries = 2;
  make_table(policy);
  new_call(1);
  dispatch_and_start();
  table_->fail_current("exit", "work process exited with code 1", /*may_retry=*/true, 1);
  ASSERT_TRUE(table_->is_waiting_to_retry());
  expect_same_table();
  const auto r = load(path());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->call_tables.at("root.w")["retry_wait"], true);
  EXPECT_EQ(r->call_tables.at("root.w")["calls"][0]["status"]["attempt"], 2);
}

TEST_F(JournalCallsTest, RecordsTheTableForgotAreNotLoadedAndSnapshotsPruneThem) {
  CallPolicy policy;
  policy.max_cached_calls = 5;
  policy_ = policy;
  JournalOptions options;
  options.max_replay_batches = 4;
  journal_ = open_journal(path(), clock_, options);
  journal_->start(meta(), initial_state(), 0);
  CallPolicy uncached = policy;
  uncached.cache_calls = false;
  // 40 cached calls with ever-new args, 40 uncached ones, and state changes
  // that bring snapshots (each prunes).
  for (int i = 1; i <= 40; ++i) {
    for (const auto& [work, p] : {std::pair<std::string, CallPolicy>{"root.w", policy},
                                  std::pair<std::string, CallPolicy>{"root.u", uncached}}) {
      CallRecord c = call_record(static_cast<uint64_t>(i), i);
      journal_->record_call(work, c, p);
      c.status.stage = WorkStage::kSucceeded;
      journal_->record_call(work, c, p);
    }
    journal_->on_state_batch(set_n(static_cast<uint64_t>(i), i));
    journal_->flush();
  }
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->call_tables.at("root.u")["calls"].size(), 1u) << "only the latest";
  EXPECT_EQ(r->call_tables.at("root.u")["latest"], 40);
  EXPECT_EQ(r->call_tables.at("root.w")["calls"].size(), 6u) << "max_cached_calls + the latest";
  EXPECT_EQ(r->call_tables.at("root.w")["calls"].back()["id"], 40);
  EXPECT_LE(count_rows(path(), "calls"), 6 + 1 + 8)
      << "bounded on disk too (up to a snapshot's worth)";
}

// ---------------------------------------------------------------- refused

TEST_F(JournalLoadTest, MissingFileIsNotFound) {
  expect_refused(StatusCode::kNotFound, "no such file");
}

TEST_F(JournalLoadTest, EmptyFileIsRefusedAsEmpty) {
  write_bytes(path(), "");
  expect_refused(StatusCode::kInvalidArgument, "the file is empty");
}

TEST_F(JournalLoadTest, FileThatIsNotSQLiteIsRefused) {
  write_bytes(path(), "{\"state\": {}}\nnot a database at all, but long enough to have a header\n");
  expect_refused(StatusCode::kInvalidArgument, "not a journal: not a SQLite database file");
}

TEST_F(JournalLoadTest, AnotherProgramsSQLiteDatabaseIsNotAJournal) {
  run_sql(path(), "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES ('la');");
  expect_refused(StatusCode::kInvalidArgument,
                 "not a Lightning journal: a SQLite database whose application_id is 0");
}

TEST_F(JournalLoadTest, TablesWithoutAFirstCommitAreNothingToLoad) {
  // What a run leaves when its first commit fails (a full disk): the store
  // makes the tables before the first group.
  run_sql(path(), std::string(lightning::journal::kSchemaSql) + "PRAGMA application_id=" +
                      std::to_string(lightning::journal::kApplicationId) + "; PRAGMA user_version=1;");
  expect_refused(StatusCode::kInvalidArgument,
                 "nothing was committed to it (the run ended, or its disk filled, before its "
                 "first commit)");
}

TEST_F(JournalLoadTest, JournalOfANewerSchemaIsRefusedNamingBothVersions) {
  write_journal(3);
  run_sql(path(), "PRAGMA user_version = 3");
  expect_refused(StatusCode::kFailedPrecondition,
                 "written by a newer Lightning: journal schema 3, and this build reads schema 2 at "
                 "most");
}

// ------------------------------------------------------- declared works

struct DeclaredWork : lightning::Work {
  void run(const Json&) override {}
};

struct DeclaringRoot : lightning::Flow {
  DeclaredWork& zeta = add_work<DeclaredWork>("zeta", lightning::WorkOptions().retries(2));
  DeclaredWork& alpha = add_work<DeclaredWork>(
      "alpha", lightning::WorkOptions().timeout(4s).env({{"X", "1"}}).parallel(true));
  void run() override {}
};

TEST_F(JournalLoadTest, DeclaredWorksComeBackInDeclarationOrderWithTheirTypeAndOptions) {
  DeclaringRoot root;
  auto j = open_journal(path(), clock_);
  j->start(meta(), initial_state(), 0);
  j->on_work_declared(root.zeta);
  j->on_work_declared(root.alpha);
  j->flush();
  j->on_work_declared(root.zeta);  // again (its options replaced): it keeps its place
  j->flush();
  ASSERT_TRUE(j->status().ok()) << j->status().message();
  EXPECT_EQ(j->stats().works, 3u);
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->works.size(), 2u);
  EXPECT_EQ(r->works[0].path, root.zeta.path());
  EXPECT_EQ(r->works[0].type, root.zeta.type_name());
  EXPECT_EQ(r->works[0].options.to_json(), root.zeta.options().to_json());
  EXPECT_EQ(r->works[1].path, root.alpha.path());
  EXPECT_EQ(r->works[1].options.to_json(), root.alpha.options().to_json());
  EXPECT_EQ(r->works[1].options.timeout(), 4s);
}

TEST_F(JournalLoadTest, AJournalOfSchema1LoadsWithoutDeclaredWorksAndAResumeWritesThemOn) {
  write_journal(3);
  run_sql(path(), "DROP TABLE declared_works; PRAGMA user_version = 1");
  const auto old = load(path());
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_TRUE(old->works.empty());
  EXPECT_EQ(old->version, 3u);
  {
    // A resumed run writes on in it: the store adds the table of schema 2.
    DeclaringRoot root;
    Journal j(std::make_unique<SqliteJournalStore>(path(), SqliteJournalStore::Mode::kContinue),
              clock_);
    j.start(meta(), old->state, old->version);
    j.on_work_declared(root.alpha);
    j.flush();
    ASSERT_TRUE(j.status().ok()) << j.status().message();
  }
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->works.size(), 1u);
  EXPECT_EQ(r->works[0].path, "root.alpha");
  EXPECT_EQ(r->meta.schema_version, 2);
  EXPECT_EQ(count_rows(path(), "declared_works"), 1);
}

TEST_F(JournalLoadTest, DeclaredWorkOptionsThatDoNotLoadAreRefusedNamingTheWork) {
  DeclaringRoot root;
  {
    auto j = open_journal(path(), clock_);
    j->start(meta(), initial_state(), 0);
    j->on_work_declared(root.zeta);
    j->flush();
  }
  run_sql(path(), R"(UPDATE declared_works SET options = '{"retries": -1}')");
  expect_refused(StatusCode::kInvalidArgument,
                 "the options of work root.zeta are malformed: WorkOptions::from_json: "
                 "WorkOptions::retries(-1)");
  run_sql(path(), R"(UPDATE declared_works SET options = '{"colour": 1}')");
  expect_refused(StatusCode::kInvalidArgument, "unknown option \"colour\"");
  run_sql(path(), R"(UPDATE declared_works SET options = '{"retries": ')");
  expect_refused(StatusCode::kInvalidArgument, "the options of work root.zeta are not JSON");
}

TEST_F(JournalLoadTest, CorruptedJournalIsRefusedAsCorrupt) {
  JournalOptions options;
  options.max_replay_batches = 100000;  // many batches: many pages
  write_journal(3000, options);
  std::string bytes = read_bytes(path());
  ASSERT_GT(bytes.size(), 40000u);
  for (size_t i = 4096 * 3; i < 4096 * 6; ++i) bytes[i] = static_cast<char>(0xA5);
  write_bytes(path(), bytes);
  const auto r = load(path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().message();
  EXPECT_NE(r.status().message().find(path()), std::string::npos);
  const bool says_corrupt = r.status().message().find("corrupt") != std::string::npos ||
                            r.status().message().find("malformed") != std::string::npos;
  EXPECT_TRUE(says_corrupt) << r.status().message();
}

TEST_F(JournalLoadTest, TruncatedJournalIsRefused) {
  JournalOptions options;
  options.max_replay_batches = 100000;
  write_journal(3000, options);
  const std::string bytes = read_bytes(path());
  ASSERT_GT(bytes.size(), 40000u);
  ASSERT_EQ(::truncate(path().c_str(), static_cast<off_t>(bytes.size() / 2)), 0);
  const auto r = load(path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().message();
  EXPECT_NE(r.status().message().find(path()), std::string::npos);
}

TEST_F(JournalLoadTest, BatchesWithAGapAreRefused) {
  write_journal(10, {}, /*row_each=*/true);
  run_sql(path(), "DELETE FROM batches WHERE last_version = 6");
  expect_refused(StatusCode::kInvalidArgument, "its batches skip from version 5 to the batch 7..7");
}

TEST_F(JournalLoadTest, APatchThatIsNotAddOrReplaceIsRefused) {
  write_journal(2, {}, /*row_each=*/true);
  run_sql(path(),
          "UPDATE batches SET patch = '[{\"op\":\"copy\",\"from\":\"/vars\",\"path\":\"/x\"}]' "
          "WHERE last_version = 2");
  expect_refused(StatusCode::kInvalidArgument,
                 "the batch 2..2 has an op that is not an add or a replace");
}

TEST_F(JournalLoadTest, LoadingNeverChangesTheJournal) {
  write_journal(20);
  const std::string before = read_bytes(path());
  ASSERT_TRUE(load(path()).ok());
  EXPECT_EQ(read_bytes(path()), before);
}

// ---------------------------------------------------------------- kill -9

/// The child of WriterKilledMidWrite...: journals versions 1, 2, ... (each
/// sets n = v, every 10th also records a call), and after each flush of 10
/// writes the version it flushed to `report`. Never returns.
[[noreturn]] void journal_until_killed(const std::string& path, int report) {
  FakeClock clock;
  JournalOptions options;
  options.max_replay_batches = 64;  // snapshots happen while it is killed, too
  auto j = open_journal(path, clock, options);
  j->start(meta(), initial_state(), 0);
  for (uint64_t v = 1;; ++v) {
    j->on_state_batch(set_n(v, static_cast<int>(v)));
    if (v % 10 == 0) {
      CallRecord c = call(v / 10, Json{{"v", v}});
      c.status.stage = WorkStage::kSucceeded;
      j->record_call("root.w", c, CallPolicy{});
      j->flush();
      if (::write(report, &v, sizeof v) != sizeof v) ::_exit(3);
    }
  }
}

TEST_F(JournalLoadTest, WriterKilledMidWriteLeavesAConsistentPrefix) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    journal_until_killed(path(), fds[1]);
  }
  ::close(fds[1]);
  // Let it write for a while: 40 flushes (and a few snapshots), then kill it.
  uint64_t reported = 0;
  int reports = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (reports < 40 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    uint64_t v = 0;
    if (::read(fds[0], &v, sizeof v) != sizeof v) break;
    reported = v;
    ++reports;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended on its own: " << status;
  uint64_t v = 0;
  while (::read(fds[0], &v, sizeof v) == sizeof v) reported = v;  // what it said before dying
  ::close(fds[0]);
  ASSERT_EQ(reports >= 40, true) << "the child reported only " << reports << " flushes";

  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GE(r->version, reported) << "a flushed version was lost";
  EXPECT_LE(r->version, reported + 10) << "more than the child enqueued";
  EXPECT_EQ(r->state["vars"]["n"], r->version) << "the state is that of its version";
  ASSERT_EQ(r->call_tables.count("root.w"), 1u);
  EXPECT_GE(r->call_tables.at("root.w")["latest"].get<uint64_t>(), reported / 10);
}

// ---------------------------------------------------------------- full disk

using lightning::testing::CapturedLog;

[[noreturn]] void exit_with(bool ok, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", ok ? "drill ok" : "drill FAILED", detail.c_str());
  std::fflush(stderr);
  ::_exit(ok ? 0 : 1);
}

// Child of FullDisk...: a file size limit makes the write-ahead log's writes
// fail with EFBIG part way, as a full disk fails with ENOSPC.
[[noreturn]] void journal_past_the_file_size_limit(const std::string& path) {
  std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit;
  limit.rlim_cur = limit.rlim_max = 64 * 1024;
  if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) exit_with(false, "setrlimit failed");
  CapturedLog log;
  FakeClock clock;
  auto j = open_journal(path, clock);
  j->start(meta(), initial_state(), 0);
  uint64_t v = 1;
  for (; v <= 500 && j->status().ok(); ++v) {
    j->on_state_batch(set_text(v, std::string(2000, static_cast<char>('a' + v % 26))));
    j->flush();
  }
  // The app goes on: more changes are taken (and dropped), flush returns.
  for (uint64_t more = 0; more < 50; ++more, ++v) j->on_state_batch(set_n(v, 1));
  j->flush();
  const lightning::Status st = j->status();
  const std::string text = log.text();
  size_t warnings = 0;
  for (size_t at = text.find("is incomplete"); at != std::string::npos;
       at = text.find("is incomplete", at + 1)) {
    ++warnings;
  }
  j.reset();
  exit_with(st.code() == StatusCode::kResourceExhausted &&
                st.message().find(path) != std::string::npos &&
                st.message().find("File too large") != std::string::npos && warnings == 1 &&
                text.find("the app goes on without it") != std::string::npos,
            st.message() + " | log: " + text);
}

using JournalLoadDeathTest = JournalLoadTest;

TEST_F(JournalLoadDeathTest, FullDiskIsWarnedAboutOnceAndTheJournalKeepsAConsistentPrefix) {
  EXPECT_EXIT(journal_past_the_file_size_limit(path()), ::testing::ExitedWithCode(0),
              "drill ok: the journal .*journal.sqlite is incomplete after version [0-9]+: "
              "cannot write .*journal.sqlite: .*File too large");
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GE(r->version, 1u);
  EXPECT_EQ(r->state["vars"]["text"].get<std::string>().size(), 2000u);
}

// Child of ReadOnlyDirectory...: as an ordinary user (root writes anywhere).
[[noreturn]] void journal_into_a_read_only_dir(const std::string& path) {
  if (::geteuid() == 0 && ::setuid(65534) != 0) exit_with(false, "setuid failed");
  CapturedLog log;
  FakeClock clock;
  auto j = open_journal(path, clock);
  j->start(meta(), initial_state(), 0);
  j->on_state_batch(set_n(1, 1));
  j->flush();
  const lightning::Status st = j->status();
  exit_with(!st.ok() && st.message().find(path) != std::string::npos &&
                log.text().find("the app goes on without it") != std::string::npos,
            st.message());
}

TEST_F(JournalLoadDeathTest, ReadOnlyDirectoryIsWarnedAboutAndTheAppGoesOn) {
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0555), 0);
  EXPECT_EXIT(journal_into_a_read_only_dir(path()), ::testing::ExitedWithCode(0),
              "drill ok: the journal .*journal.sqlite is incomplete after version 0: .*");
  ::chmod(dir_.path().c_str(), 0755);
}

}  // namespace
}  // namespace unit_journal
