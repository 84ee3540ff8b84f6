// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "journal/journal_store.hpp"
#include "lightning/json.hpp"
#include "lightning/status.hpp"
#include "runtime/call_table.hpp"
#include "runtime/runtime_events.hpp"
#include "runtime/state_publisher.hpp"
#include "util/clock.hpp"
#include "util/status.hpp"

namespace lightning::journal {

struct JournalOptions {
  /// How long the writer, woken by a change after being idle, waits for more
  /// before it commits (flush() and stopping cut it short). A commit costs
  /// the writer tens of µs and waking it costs the loop a futex call, so
  /// this makes a busy app pay for one wake-up and one commit per interval
  /// rather than per change; a `kill -9` may lose up to this much more of the
  /// last changes. 0: commit as soon as anything is queued.
  std::chrono::microseconds commit_interval{1000};
  /// Changes (state batches and call records) that may wait for the writer.
  /// Past this the writer has fallen too far behind (the disk is slower than
  /// the app's changes): the journal stops, incomplete, rather than let the
  /// queue grow without bound or make the flow loop wait.
  size_t max_queued = 65536;
  /// Snapshot policy. The writer takes a snapshot (the whole state) once
  /// `max_replay_batches` batches, or more patch bytes than
  /// max(min_snapshot_bytes, the last snapshot's size), have been written
  /// since the last one, and then drops the batches it covers. So load()
  /// replays at most 1024 batches and at most about one state's worth of patch
  /// bytes (≈ 3 µs per small patch: a few ms), while a snapshot costs at most
  /// as many bytes as the patches written since the last one, or one per 1024
  /// batches: writing stays within about twice the patch bytes for states up
  /// to a few hundred KiB.
  uint64_t max_replay_batches = 1024;
  size_t min_snapshot_bytes = size_t{1} << 20;
};

/// The durable journal of one run (docs/design/journal.md): every batch of
/// state changes and every change of a call record, written to a
/// JournalStore (SqliteJournalStore: `<run dir>/journal.sqlite`), so that a
/// resumed run can restore the state, its version and each work's CallTable
/// (load()).
///
/// It is a StateObserver and a RuntimeEventObserver of the controller; both
/// run on the controller's loop and only enqueue (a copy of the patch, or of
/// the call record, under `mu_`): the loop never waits on the disk. One writer
/// thread, owned by the journal, takes everything queued at once and commits
/// it as one transaction (group commit), so a busy app commits far fewer
/// times than it changes, and no change costs an fsync. The writer keeps the
/// state as of its last batch (applying each patch to its own copy) and
/// writes periodic snapshots from it (JournalOptions): the loop never
/// serialises the whole state for the journal.
///
/// A failed write (a full disk, a read-only directory) is logged once as a
/// warning naming the file and the cause; the journal then stops writing
/// (status() says why and from which version it is incomplete) and the app
/// goes on. Built, started and flushed by AppHost; lives on the loop thread
/// except for its writer. `--no-journal` leaves it out.
///
///   Journal journal(std::make_unique<SqliteJournalStore>(run_dir + "/journal.sqlite"), clock);
///   journal.start(meta, root.snapshot(), controller.state_version(), "/proc/self/exe");
///   controller.add_observer(&journal);
///   controller.add_event_observer(&journal);
///   ...
///   journal.flush();  // at exit: everything enqueued is committed
class Journal final : public runtime::StateObserver, public runtime::RuntimeEventObserver {
 public:
  Journal(std::unique_ptr<JournalStore> store, const util::ClockInterface& clock,
          const JournalOptions& options = {});
  /// Commits what is queued, closes the store and joins the writer.
  ~Journal() override;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Starts the writer thread. Its first commit holds `meta` and the whole
  /// `state` at `version` (Flow::snapshot() of the root, state_version()).
  /// `hash_file` ("" for none): the file whose SHA-256 becomes
  /// meta.app_sha256. Hashing a 50 MB binary takes ~150 ms, so a thread of
  /// its own does it at a low priority while the journal already runs; a
  /// later commit adds it to the meta table, and flush() waits for it. The
  /// first commit records the file's size and modification time, which a
  /// journal cut short before the hash still has. Changes before start() are
  /// not journaled.
  void start(JournalMeta meta, Json state, uint64_t version, std::string hash_file = "");

  /// StateObserver: enqueues the batch.
  void on_state_batch(const runtime::StateBatch& batch) override;
  /// RuntimeEventObserver: enqueues the call record (work path, id, args,
  /// status, attempt, failures so far, re-run backoff).
  void on_call_record(const Work& work, const runtime::CallRecord& call, bool is_latest) override;
  /// RuntimeEventObserver: enqueues the work's path, type and options (a
  /// WorkRow), so that a resume can make a work made inside run() again.
  void on_work_declared(const Work& work) override;
  /// on_call_record for a work known by path and call policy (tests, tools).
  void record_call(const std::string& work_path, const runtime::CallRecord& call,
                   const runtime::CallPolicy& policy);

  /// Blocks until everything enqueued before the call is committed (or
  /// dropped, once the journal is incomplete). Any thread but the writer.
  void flush();

  /// Ok while every change so far is in the journal; else why it is
  /// incomplete. Any thread.
  Status status() const;
  /// Where it writes (the store's describe()).
  const std::string& where() const { return where_; }

  struct Stats {
    uint64_t commits = 0;    ///< transactions written
    uint64_t batches = 0;    ///< state batches written as rows (not those a snapshot covered)
    uint64_t calls = 0;      ///< call rows in them (after merging within a commit)
    uint64_t works = 0;      ///< declared_works rows written (a work's each declaration)
    uint64_t snapshots = 0;  ///< snapshots written, the first one included
  };
  /// What the writer has committed so far. Any thread.
  Stats stats() const;

 private:
  /// The published batch itself (immutable, shared with the publisher's
  /// history and other observers): queuing it costs the flow loop a
  /// reference count, not a deep copy of the patch.
  struct BatchItem {
    std::shared_ptr<const runtime::StateBatch> batch;
  };
  struct CallItem {
    std::string work;
    uint64_t id = 0;
    std::string key;
    WorkStatus status;
    int final_failures = 0;
    int64_t rerun_not_before_us = 0;  ///< 0: no re-run backoff
    bool retained = true;
    uint64_t max_cached_calls = 0;
  };
  struct MetaItem {
    std::string app_sha256;
  };
  struct WorkItem {
    std::string path;
    std::string type;
    Json options;  ///< WorkOptions::to_json(), dumped by the writer
  };
  using Item = std::variant<BatchItem, CallItem, MetaItem, WorkItem>;

  /// The writer thread's nice value (setpriority(2)); the hasher's too.
  static constexpr int kWriterNice = 10;
  /// The writer keeps a drained queue's capacity up to this many items.
  static constexpr size_t kKeptQueueCapacity = 4096;
  /// Both queues start with room for this many items, so that the loop's
  /// push does not reallocate (and move every queued item) while it fills.
  static constexpr size_t kInitialQueueCapacity = 1024;
  /// queue_'s index of the last CallItem queued, or kNoCall.
  static constexpr size_t kNoCall = static_cast<size_t>(-1);

  void push(Item item);
  /// push()'s body, under mu_: whether the writer needs a wake-up.
  bool push_locked(Item&& item);
  /// Queues a call record, or, when the last call record queued since the
  /// writer's last swap is the same call's (pending, running, succeeded of
  /// one dispatch), overwrites it: only the latest word on a call matters.
  void push_call(const std::string& work, const runtime::CallRecord& call,
                 int64_t rerun_not_before_us, bool retained, uint64_t max_cached_calls);
  void writer_main(JournalGroup first);
  void hasher_main(const std::string& file);
  /// Turns queued items into one group: applies batches to the writer's copy
  /// of the state, merges records of the same call, adds a snapshot when due.
  bool build_group(std::vector<Item>& items, JournalGroup& group);
  void commit(JournalGroup& group);
  void fail(const Status& cause);

  const util::ClockInterface& clock_;
  const JournalOptions options_;
  std::unique_ptr<JournalStore> store_;  // the writer's, once started
  const std::string where_;

  mutable std::mutex mu_;  // guards everything below it up to the writer's own state
  std::condition_variable wake_writer_;
  std::condition_variable written_cv_;
  // A vector, swapped with the writer's (each keeps its capacity): after the
  // first few commits, queuing a change allocates nothing for the queue itself.
  std::vector<Item> queue_;
  size_t last_call_ = kNoCall;   // queue_'s last CallItem, merged into by push_call()
  bool accepting_ = false;       // started, not stopping, not overflowed
  bool writer_waiting_ = false;  // the writer sleeps on wake_writer_, idle (not lingering)
  bool lingering_ = false;       // the writer waits out commit_interval for more changes
  int flush_waiters_ = 0;        // threads in flush(): the writer does not linger
  bool stopping_ = false;
  bool overflowed_ = false;
  uint64_t pushed_ = 0;    // items accepted (the first group counts as one; not the hash)
  uint64_t written_ = 0;   // items the writer is done with
  bool hash_done_ = true;  // the app binary's hash is committed (or will never be)
  Status status_;
  Stats stats_;

  std::thread hasher_;  // hashes the app binary, then queues a MetaItem

  // The writer thread's own state.
  std::thread writer_;
  JournalMeta meta_;  // as last written
  bool hash_in_group_ = false;
  bool failed_ = false;
  Json state_;                      // the state as of version_
  uint64_t version_ = 0;            // the last version given to the store
  uint64_t committed_version_ = 0;  // the last version committed
  uint64_t batches_since_snapshot_ = 0;
  size_t bytes_since_snapshot_ = 0;
  size_t last_snapshot_bytes_ = 0;
};

}  // namespace lightning::journal
