// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Writes the seed corpus of fuzz_journal into the directory given as the only
// argument: real journals written by Journal + SqliteJournalStore, then made
// small (VACUUM into 512-byte pages, a few KB each), and one of them cut in
// half. The output is committed under tests/fuzz/corpus/fuzz_journal/; rerun
// this after changing the journal's schema.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>

#include "journal/journal.hpp"
#include "journal/sqlite_journal_store.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"
#include "runtime/call_table.hpp"
#include "util/clock.hpp"

namespace {

using lightning::Json;
using lightning::WorkStage;
using lightning::journal::Journal;
using lightning::journal::JournalMeta;
using lightning::journal::JournalOptions;
using lightning::runtime::CallPolicy;
using lightning::runtime::CallRecord;
using lightning::runtime::StateBatch;

class SteadyClock final : public lightning::util::ClockInterface {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  TimerId run_at(TimePoint, const char*, std::function<void()>) override { return 1; }
  void cancel(TimerId) override {}
};

Json initial_state() {
  return Json::parse(R"({"flows": {}, "vars": {"n": 0, "name": "seed"},
    "works": {"a": {"status": {"attempt": 0, "call_id": 0, "stage": "not_started",
                               "timestamp_us": 0},
                    "type": "A", "vars": {"x": 0}}}})");
}

StateBatch set(uint64_t first, const Json& ops) {
  StateBatch b;
  b.first_version = first;
  b.last_version = first + ops.size() - 1;
  b.patch = ops;
  return b;
}

CallRecord record(uint64_t id, const Json& args, WorkStage stage, const std::string& reason = "",
                  int attempt = 1) {
  CallRecord c;
  c.id = id;
  c.key = args.dump();
  c.status.stage = stage;
  c.status.call_id = id;
  c.status.attempt = attempt;
  c.status.reason = reason;
  c.status.timestamp_us = 1'795'240'247'109'686;
  return c;
}

struct A : lightning::Work {
  lightning::State<int> x{this, "x", 0};
  void run(const Json&) override {}
};

/// A tree whose works the seeds declare (declared_works rows, schema 2).
struct SeedRoot : lightning::Flow {
  A& a = add_work<A>("a");
  A& made = add_work<A>(
      "made",
      lightning::WorkOptions().retries(2).timeout(std::chrono::seconds(5)).env({{"K", "v"}}));
  void run() override {}
};

/// Writes a journal at `path` with `fill`, closes it, then shrinks it.
bool make(const std::string& path, JournalOptions options,
          const std::function<void(Journal&, lightning::util::ClockInterface&)>& fill) {
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  SteadyClock clock;
  {
    Journal j(std::make_unique<lightning::journal::SqliteJournalStore>(path), clock, options);
    JournalMeta meta;
    meta.run_id = "0123456789abcdef";
    meta.app_path = "/srv/app";
    meta.app_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    meta.started_at_us = 1'795'240'247'000'000;
    meta.lightning_version = "0.1.0";
    j.start(meta, initial_state(), 0);
    fill(j, clock);
    j.flush();
    if (!j.status().ok()) {
      std::fprintf(stderr, "%s\n", j.status().message().c_str());
      return false;
    }
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return false;
  char* error = nullptr;
  const int rc = sqlite3_exec(
      db, "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM; PRAGMA journal_mode=WAL;",
      nullptr, nullptr, &error);
  if (rc != SQLITE_OK) std::fprintf(stderr, "%s: %s\n", path.c_str(), error);
  sqlite3_free(error);
  sqlite3_close(db);
  return rc == SQLITE_OK;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  CallPolicy cached;
  CallPolicy uncached;
  uncached.cache_calls = false;
  bool ok = true;

  ok &= make(dir + "/first_commit_only", {}, [](Journal&, lightning::util::ClockInterface&) {});

  ok &=
      make(dir + "/batches_and_calls", {}, [&](Journal& j, lightning::util::ClockInterface& clock) {
        static const SeedRoot root;
        j.on_work_declared(root.a);
        j.on_work_declared(root.made);
        j.on_state_batch(set(1, Json::parse(R"([{"op":"replace","path":"/vars/n","value":1}])")));
        j.on_state_batch(set(2, Json::parse(R"([{"op":"replace","path":"/works/a/vars/x","value":7},
                                            {"op":"replace","path":"/vars/name","value":"two"}])")));
        j.on_state_batch(set(4, Json::parse(R"([{"op":"add","path":"/works/b",
      "value":{"status":{"stage":"not_started"},"type":"B","vars":{}}}])")));
        j.record_call("root.a", record(1, Json{{"i", 1}}, WorkStage::kSucceeded), cached);
        CallRecord failed = record(2, Json{{"i", 2}}, WorkStage::kFailed, "exception");
        failed.final_failures = 1;
        failed.rerun_not_before = clock.now() + std::chrono::hours(1);
        j.record_call("root.a", failed, cached);
        j.record_call("root.a", record(3, Json{{"i", 3}}, WorkStage::kRunning), cached);
        j.record_call("root.a", record(4, Json{{"i", 4}}, WorkStage::kPending), cached);
        j.record_call("root.b", record(1, Json{{"s", "x"}}, WorkStage::kSucceeded), uncached);
        j.record_call("root.b", record(2, Json::array({1, 2}), WorkStage::kPending, "retrying", 2),
                      uncached);
      });

  JournalOptions snapshots;
  snapshots.max_replay_batches = 3;
  ok &= make(dir + "/snapshot_then_batches", snapshots,
             [](Journal& j, lightning::util::ClockInterface&) {
               for (uint64_t v = 1; v <= 8; ++v) {
                 j.on_state_batch(
                     set(v, Json::array({{{"op", "replace"}, {"path", "/vars/n"}, {"value", v}}})));
                 j.flush();
               }
             });

  // The second seed, cut in half.
  std::ifstream in(dir + "/batches_and_calls", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/truncated", std::ios::binary | std::ios::trunc)
      << bytes.substr(0, bytes.size() / 2);
  if (!ok) return 1;
  std::printf("seeds written to %s\n", dir.c_str());
  return 0;
}
