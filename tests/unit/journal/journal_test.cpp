// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// journal::Journal against the in-memory FakeJournalStore: what its writer
// groups into one commit, when it takes snapshots, how call records are
// merged, and what a write error or a full queue does. The SQLite store and
// load() are in journal_load_test.cpp.
#include "journal/journal.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "common/captured_log.hpp"
#include "common/temp_dir.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_journal_store.hpp"
#include "unit/journal/journal_test_util.hpp"
#include "util/ids.hpp"

namespace unit_journal {
namespace {

using lightning::Json;
using lightning::StatusCode;
using lightning::WorkStage;
using lightning::journal::Journal;
using lightning::journal::JournalGroup;
using lightning::journal::JournalOptions;
using lightning::runtime::CallPolicy;
using lightning::runtime::CallRecord;
using lightning::testing::FakeClock;
using lightning::testing::FakeJournalStore;
using namespace std::chrono_literals;

constexpr auto kWithin = 10s;  // a deadline on real time, never reached when all is well

class JournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<Journal> make(JournalOptions options = {}) {
    return std::make_unique<Journal>(std::make_unique<FakeJournalStore>(store_), clock_, options);
  }
  void start(Journal& j, uint64_t version = 0) { j.start(meta(), initial_state(), version); }

  std::shared_ptr<FakeJournalStore::Shared> store_ = std::make_shared<FakeJournalStore::Shared>();
  FakeClock clock_;
};

TEST_F(JournalTest, FirstCommitHoldsTheMetaAndTheWholeStateAtTheStartVersion) {
  auto j = make();
  start(*j, 7);
  j->flush();
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_TRUE(groups[0].meta.has_value());
  EXPECT_EQ(groups[0].meta->run_id, "run-1");
  ASSERT_TRUE(groups[0].snapshot.has_value());
  EXPECT_EQ(groups[0].snapshot->version, 7u);
  EXPECT_EQ(Json::parse(groups[0].snapshot->state), initial_state());
  EXPECT_TRUE(j->status().ok());
}

TEST_F(JournalTest, TheBinarysHashComesInALaterCommitAndFlushWaitsForIt) {
  lightning::testing::TempDir dir;
  const std::string binary = dir / "app";
  std::FILE* f = std::fopen(binary.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("abc", f);
  std::fclose(f);
  auto j = make();
  j->start(meta(), initial_state(), 0, binary);
  j->flush();
  const auto groups = store_->snapshot_of_groups();
  ASSERT_GE(groups.size(), 2u);
  ASSERT_TRUE(groups[0].meta.has_value());
  EXPECT_EQ(groups[0].meta->app_sha256, "") << "the first commit does not wait for the hash";
  EXPECT_EQ(groups[0].meta->app_size, 3);
  ASSERT_TRUE(groups.back().meta.has_value());
  EXPECT_EQ(groups.back().meta->app_sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(groups.back().meta->run_id, "run-1");
}

TEST_F(JournalTest, BatchesEnqueuedWhileTheWriterIsBusyAreCommittedTogetherInOneGroup) {
  auto j = make();
  store_->gate_open = false;
  start(*j);
  ASSERT_TRUE(store_->wait_for_writes_at_gate(1, kWithin)) << "the first commit never came";
  // The writer is busy with its first commit: everything below queues up.
  for (uint64_t v = 1; v <= 1000; ++v) j->on_state_batch(set_n(v, static_cast<int>(v)));
  store_->open_gate();
  j->flush();
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 2u) << "one commit for the start, one for all 1000 batches";
  ASSERT_EQ(groups[1].batches.size(), 1u) << "one row for the commit's batches";
  EXPECT_EQ(groups[1].batches[0].first_version, 1u);
  EXPECT_EQ(groups[1].batches[0].last_version, 1000u);
  const Json ops = Json::parse(groups[1].batches[0].patch);
  ASSERT_EQ(ops.size(), 1000u) << "every batch's ops, in order";
  EXPECT_EQ(ops[0]["value"], 1);
  EXPECT_EQ(ops[999]["value"], 1000);
  EXPECT_EQ(j->stats().commits, 2u);
}

TEST_F(JournalTest, ChangesWithinTheCommitIntervalShareOneCommitThatFlushCutsShort) {
  JournalOptions options;
  options.commit_interval = std::chrono::hours(1);  // only flush() ends the wait
  auto j = make(options);
  start(*j);
  j->flush();
  for (uint64_t v = 1; v <= 100; ++v) j->on_state_batch(set_n(v, static_cast<int>(v)));
  const auto t0 = std::chrono::steady_clock::now();
  j->flush();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kWithin);
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 2u);
  ASSERT_EQ(groups[1].batches.size(), 1u);
  EXPECT_EQ(groups[1].batches[0].last_version, 100u);
  EXPECT_EQ(Json::parse(groups[1].batches[0].patch).size(), 100u);
}

TEST_F(JournalTest, FlushReturnsOnlyOnceEverythingEnqueuedBeforeItIsWritten) {
  auto j = make();
  start(*j);
  for (uint64_t v = 1; v <= 50; ++v) {
    j->on_state_batch(set_n(v, static_cast<int>(v)));
    if (v % 10 == 0) {
      j->flush();
      uint64_t last = 0;
      for (const JournalGroup& g : store_->snapshot_of_groups()) {
        for (const auto& b : g.batches) last = b.last_version;
      }
      EXPECT_EQ(last, v);
    }
  }
}

TEST_F(JournalTest, SnapshotComesAfterMaxReplayBatchesAndReplacesTheBatchesItCovers) {
  JournalOptions options;
  options.max_replay_batches = 10;
  auto j = make(options);
  start(*j);
  Json expected = initial_state();
  for (uint64_t v = 1; v <= 25; ++v) {
    j->on_state_batch(set_n(v, static_cast<int>(v)));
    expected["vars"]["n"] = v;
    j->flush();  // one batch per commit
  }
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 26u);
  std::vector<uint64_t> snapshot_versions;
  for (const JournalGroup& g : groups) {
    if (g.snapshot) {
      snapshot_versions.push_back(g.snapshot->version);
      EXPECT_TRUE(g.batches.empty()) << "the snapshot covers its group's batches";
    }
  }
  EXPECT_EQ(snapshot_versions, (std::vector<uint64_t>{0, 10, 20}));
  EXPECT_EQ(Json::parse(groups[20].snapshot->state)["vars"]["n"], 20);
  EXPECT_EQ(j->stats().snapshots, 3u);
}

TEST_F(JournalTest, SnapshotComesOnceThePatchBytesPassTheStatesSize) {
  JournalOptions options;
  options.min_snapshot_bytes = 1000;
  auto j = make(options);
  start(*j);
  // Each batch writes ~350 bytes and the state stays under 1000: a snapshot
  // every third batch.
  for (uint64_t v = 1; v <= 8; ++v) {
    j->on_state_batch(set_text(v, std::string(300, static_cast<char>('a' + v))));
    j->flush();
  }
  int snapshots = 0;
  for (const JournalGroup& g : store_->snapshot_of_groups()) snapshots += g.snapshot ? 1 : 0;
  EXPECT_EQ(snapshots, 1 + 2);
}

TEST_F(JournalTest, RecordsOfOneCallInOneCommitAreMergedAndTheLastOneWins) {
  auto j = make();
  store_->gate_open = false;
  start(*j);
  ASSERT_TRUE(store_->wait_for_writes_at_gate(1, kWithin));
  CallRecord c = call(1, Json{{"i", 1}});
  CallPolicy policy;
  j->record_call("root.w", c, policy);  // pending
  c.status.stage = WorkStage::kRunning;
  j->record_call("root.w", c, policy);
  c.status.stage = WorkStage::kSucceeded;
  j->record_call("root.w", c, policy);
  j->record_call("root.v", call(1, Json{{"i", 2}}), policy);
  store_->open_gate();
  j->flush();
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 2u);
  ASSERT_EQ(groups[1].calls.size(), 2u);
  EXPECT_EQ(groups[1].calls[0].work, "root.w");
  EXPECT_TRUE(groups[1].calls[0].done);
  EXPECT_EQ(Json::parse(groups[1].calls[0].record)["status"]["stage"], "succeeded");
  EXPECT_EQ(groups[1].calls[0].key, R"({"i":1})");
  EXPECT_EQ(groups[1].calls[1].work, "root.v");
}

TEST_F(JournalTest, InterleavedRecordsOfTwoCallsEachEndAsTheirLatestRow) {
  // A record replaces the queued one only when it is the same call's and the
  // last queued; interleaved calls go through build_group's merge, and a
  // record queued after the writer took the queue is a row of the next commit.
  auto j = make();
  store_->gate_open = false;
  start(*j);
  ASSERT_TRUE(store_->wait_for_writes_at_gate(1, kWithin));
  CallPolicy policy;
  CallRecord a = call(1, Json{{"i", 1}});
  CallRecord b = call(2, Json{{"i", 2}});
  j->record_call("root.w", a, policy);
  j->record_call("root.w", b, policy);
  a.status.stage = WorkStage::kRunning;
  j->record_call("root.w", a, policy);
  b.status.stage = WorkStage::kFailed;
  j->record_call("root.w", b, policy);
  a.status.stage = WorkStage::kSucceeded;
  a.status.attempt = 3;
  j->record_call("root.w", a, policy);
  store_->open_gate();
  j->flush();
  a.status.stage = WorkStage::kStopped;  // after the commit: a row of its own
  j->record_call("root.w", a, policy);
  j->flush();
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 3u);
  ASSERT_EQ(groups[1].calls.size(), 2u);
  EXPECT_EQ(groups[1].calls[0].id, 1u);
  EXPECT_EQ(Json::parse(groups[1].calls[0].record)["status"]["stage"], "succeeded");
  EXPECT_EQ(Json::parse(groups[1].calls[0].record)["status"]["attempt"], 3);
  EXPECT_EQ(groups[1].calls[1].id, 2u);
  EXPECT_EQ(Json::parse(groups[1].calls[1].record)["status"]["stage"], "failed");
  ASSERT_EQ(groups[2].calls.size(), 1u);
  EXPECT_EQ(Json::parse(groups[2].calls[0].record)["status"]["stage"], "stopped");
  EXPECT_EQ(j->stats().calls, 3u);
}

TEST_F(JournalTest, CachedSuccessesAndFailuresAreRetainedOthersAreNot) {
  auto j = make();
  start(*j);
  CallPolicy cached, uncached;
  uncached.cache_calls = false;
  CallRecord ok = call(1, Json{{"i", 1}});
  ok.status.stage = WorkStage::kSucceeded;
  CallRecord failed = call(2, Json{{"i", 2}});
  failed.status.stage = WorkStage::kFailed;
  CallRecord stopped = call(3, Json{{"i", 3}});
  stopped.status.stage = WorkStage::kStopped;
  j->record_call("root.a", ok, cached);
  j->record_call("root.b", ok, uncached);
  j->record_call("root.a", failed, uncached);
  j->record_call("root.a", stopped, cached);
  j->flush();
  std::vector<bool> retained;
  for (const JournalGroup& g : store_->snapshot_of_groups()) {
    for (const auto& c : g.calls) retained.push_back(c.retained);
  }
  EXPECT_EQ(retained, (std::vector<bool>{true, false, true, false}));
}

TEST_F(JournalTest, ReRunBackoffIsKeptAsTheUnixTimeItEnds) {
  auto j = make();
  start(*j);
  CallRecord c = call(1, Json{{"i", 1}});
  c.status.stage = WorkStage::kFailed;
  c.final_failures = 2;
  c.rerun_not_before = clock_.now() + 90s;
  const int64_t before = lightning::util::now_unix_us();
  j->record_call("root.w", c, CallPolicy{});
  const int64_t after = lightning::util::now_unix_us();
  j->flush();
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 2u);
  const Json record = Json::parse(groups[1].calls.at(0).record);
  EXPECT_EQ(record["final_failures"], 2);
  const int64_t ends = record["rerun_not_before_us"].get<int64_t>();
  EXPECT_GE(ends, before + 90'000'000);
  EXPECT_LE(ends, after + 90'000'000);
}

using lightning::testing::CapturedLog;

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST_F(JournalTest, AWriteErrorIsWarnedAboutOnceAndTheJournalStopsIncomplete) {
  CapturedLog log;
  auto j = make();
  store_->fail_from = 3;  // the start and two batches get in
  start(*j);
  for (uint64_t v = 1; v <= 10; ++v) {
    j->on_state_batch(set_n(v, static_cast<int>(v)));
    j->flush();  // returns even once nothing is written any more
  }
  const auto groups = store_->snapshot_of_groups();
  EXPECT_EQ(groups.size(), 3u);
  const lightning::Status st = j->status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(),
            "the journal fake is incomplete after version 2: cannot write fake: database or disk "
            "is full");
  const std::string text = log.text();
  EXPECT_EQ(count_of(text, "is incomplete"), 1u) << text;
  EXPECT_NE(text.find("the app goes on without it"), std::string::npos) << text;
  std::lock_guard<std::mutex> lock(store_->mu);
  EXPECT_EQ(store_->incomplete, "cannot write fake: database or disk is full");
}

TEST_F(JournalTest, AFullQueueStopsTheJournalWithoutEverBlockingTheCaller) {
  CapturedLog log;
  JournalOptions options;
  options.max_queued = 10;
  auto j = make(options);
  store_->gate_open = false;
  start(*j);
  ASSERT_TRUE(store_->wait_for_writes_at_gate(1, kWithin));
  for (uint64_t v = 1; v <= 100; ++v) j->on_state_batch(set_n(v, static_cast<int>(v)));
  store_->open_gate();
  j->flush();
  const auto groups = store_->snapshot_of_groups();
  ASSERT_EQ(groups.size(), 2u) << "what was queued before the overflow is still written";
  ASSERT_EQ(groups[1].batches.size(), 1u);
  EXPECT_EQ(groups[1].batches[0].last_version, 10u);
  EXPECT_EQ(j->status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(j->status().message().find("incomplete after version 10: the writer fell 10 changes "
                                       "behind"),
            std::string::npos)
      << j->status().message();
}

TEST_F(JournalTest, ABatchThatDoesNotFollowTheLastVersionStopsTheJournal) {
  CapturedLog log;
  auto j = make();
  start(*j, 5);
  j->on_state_batch(set_n(9, 1));  // 6..8 never came
  j->flush();
  EXPECT_EQ(j->status().code(), StatusCode::kInternal);
  EXPECT_NE(j->status().message().find("does not follow version 5"), std::string::npos);
}

TEST_F(JournalTest, FlushBeforeStartAndChangesBeforeStartAreNoOps) {
  auto j = make();
  j->on_state_batch(set_n(1, 1));
  j->flush();
  EXPECT_TRUE(store_->snapshot_of_groups().empty());
}

TEST_F(JournalTest, DestroyingTheJournalCommitsWhatIsQueuedAndClosesTheStore) {
  {
    auto j = make();
    start(*j);
    for (uint64_t v = 1; v <= 20; ++v) j->on_state_batch(set_n(v, static_cast<int>(v)));
  }
  uint64_t last = 0;
  for (const JournalGroup& g : store_->snapshot_of_groups()) {
    for (const auto& b : g.batches) last = b.last_version;
  }
  EXPECT_EQ(last, 20u);
  std::lock_guard<std::mutex> lock(store_->mu);
  EXPECT_TRUE(store_->closed);
}

}  // namespace
}  // namespace unit_journal
