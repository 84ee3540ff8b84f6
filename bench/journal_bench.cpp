// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the journal costs (docs/design/journal.md, docs/benchmarks.md):
//  - save_table: CallTable::save() of a table of N done records: the cost of
//    journaling a whole table per change (the alternative the journal's
//    per-call rows replace);
//  - enqueue: what the flow loop pays per state batch and per call record
//    (the observers only copy and queue), and how many commits the writer
//    makes for them (group commit) into a real SQLite file;
//  - load: journal::load() of a journal with N call records and a state
//    with a snapshot and batches after it (what --resume will read).
// Prints one JSON line per case. Usage: bench_journal [dir for the files, default /tmp]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "journal/journal.hpp"
#include "journal/load.hpp"
#include "journal/sqlite_journal_store.hpp"
#include "runtime/call_table.hpp"
#include "util/clock.hpp"

namespace {

using lightning::Json;
using lightning::WorkStage;
using lightning::journal::Journal;
using lightning::runtime::CallPolicy;
using lightning::runtime::CallRecord;
using lightning::runtime::CallTable;
using Clock = std::chrono::steady_clock;

class SteadyClock final : public lightning::util::ClockInterface {
 public:
  TimePoint now() const override { return Clock::now(); }
  TimerId run_at(TimePoint, const char*, std::function<void()>) override { return ++id_; }
  void cancel(TimerId) override {}

 private:
  TimerId id_ = 0;
};

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Json args_of(int64_t i) { return Json{{"i", i}, {"item", "item-" + std::to_string(i)}}; }

lightning::journal::JournalMeta meta() {
  lightning::journal::JournalMeta m;
  m.run_id = "bench";
  return m;
}

Json state_of(int works) {
  Json s{{"flows", Json::object()}, {"vars", {{"n", 0}}}, {"works", Json::object()}};
  for (int w = 0; w < works; ++w) {
    s["works"]["w" + std::to_string(w)] = {
        {"type", "W"},
        {"vars", {{"x", 0}, {"loss", 1.0}}},
        {"status", {{"stage", "succeeded"}, {"call_id", 1}, {"attempt", 1}}}};
  }
  return s;
}

void save_table(int64_t n) {
  SteadyClock clock;
  CallPolicy policy;
  policy.max_cached_calls = static_cast<size_t>(n);
  CallTable table(clock, policy,
                  CallTable::Hooks{[](const CallRecord&, bool) {}, [] {},
                                   [](uint64_t, std::chrono::milliseconds) {}});
  for (int64_t i = 0; i < n; ++i) {
    table.call(args_of(i), static_cast<uint64_t>(i + 1), true);
    table.next_to_dispatch();
    table.mark_dispatched(1);
    table.start_current();
    table.succeed_current();
  }
  std::vector<double> took;
  size_t bytes = 0;
  for (int rep = 0; rep < 21; ++rep) {
    const auto t0 = Clock::now();
    const Json saved = table.save();
    const std::string text = saved.dump();
    took.push_back(us_since(t0));
    bytes = text.size();
  }
  std::printf(
      "{\"case\": \"save_table\", \"records\": %lld, \"save_and_dump_us\": %.0f, "
      "\"bytes\": %zu}\n",
      static_cast<long long>(n), median(took), bytes);
}

void enqueue(const std::string& dir, int n) {
  const std::string path = dir + "/bench_journal_enqueue.sqlite";
  SteadyClock clock;
  Journal j(std::make_unique<lightning::journal::SqliteJournalStore>(path), clock);
  j.start(meta(), state_of(2), 0);
  j.flush();
  CallPolicy policy;
  const auto t0 = Clock::now();
  for (int i = 1; i <= n; ++i) {
    // Owned by a shared_ptr, as StatePublisher publishes it (the journal
    // keeps a reference instead of copying the patch).
    auto b = std::make_shared<lightning::runtime::StateBatch>();
    b->first_version = b->last_version = static_cast<uint64_t>(i);
    b->patch = Json::array({{{"op", "replace"}, {"path", "/works/w0/vars/x"}, {"value", i}}});
    j.on_state_batch(*b);
    CallRecord c;
    c.id = static_cast<uint64_t>(i);
    c.key = args_of(i).dump();
    c.status.stage = WorkStage::kSucceeded;
    c.status.call_id = c.id;
    c.status.attempt = 1;
    j.record_call("root.w1", c, policy);
  }
  const double enqueue_us = us_since(t0);
  j.flush();
  const double total_us = us_since(t0);
  const auto stats = j.stats();
  std::printf(
      "{\"case\": \"enqueue\", \"batches\": %d, \"call_records\": %d, "
      "\"loop_ns_per_change\": %.0f, \"all_committed_ms\": %.1f, "
      "\"writer_changes_per_s\": %.0f, \"commits\": %llu, \"snapshots\": %llu, "
      "\"status\": \"%s\"}\n",
      n, n, enqueue_us * 1000 / (2.0 * n), total_us / 1000, 2.0 * n / (total_us / 1e6),
      static_cast<unsigned long long>(stats.commits),
      static_cast<unsigned long long>(stats.snapshots),
      j.status().ok() ? "ok" : j.status().message().c_str());
  std::filesystem::remove(path);
}

void load_calls(const std::string& dir, int n) {
  const std::string path = dir + "/bench_journal_load.sqlite";
  {
    SteadyClock clock;
    Journal j(std::make_unique<lightning::journal::SqliteJournalStore>(path), clock);
    j.start(meta(), state_of(20), 0);
    CallPolicy policy;
    for (int i = 1; i <= n; ++i) {
      CallRecord c;
      c.id = static_cast<uint64_t>(i);
      c.key = args_of(i).dump();
      c.status.stage = WorkStage::kSucceeded;
      c.status.call_id = c.id;
      c.status.attempt = 1;
      c.status.timestamp_us = 1'795'240'247'109'686;
      j.record_call("root.w", c, policy);
      if (i % 10 == 0) {
        lightning::runtime::StateBatch b;
        b.first_version = b.last_version = static_cast<uint64_t>(i / 10);
        b.patch = Json::array({{{"op", "replace"}, {"path", "/vars/n"}, {"value", i}}});
        j.on_state_batch(b);
      }
    }
  }
  std::vector<double> took;
  size_t calls = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = Clock::now();
    const auto r = lightning::journal::load(path);
    took.push_back(us_since(t0));
    if (!r.ok()) {
      std::printf("{\"case\": \"load\", \"error\": \"%s\"}\n", r.status().message().c_str());
      return;
    }
    calls = r->call_tables.at("root.w")["calls"].size();
  }
  std::printf(
      "{\"case\": \"load\", \"call_records\": %zu, \"file_kib\": %.0f, \"load_ms\": %.1f}\n", calls,
      static_cast<double>(std::filesystem::file_size(path)) / 1024, median(took) / 1000);
  std::filesystem::remove(path);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp";
  for (int64_t n : {100, 1000, 10000}) save_table(n);
  enqueue(dir, 20000);  // 40,000 changes: within the queue's bound of 65,536
  load_calls(dir, 10000);
  return 0;
}
