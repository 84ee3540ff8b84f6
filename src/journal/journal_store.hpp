// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Where the journal's groups go: the JournalStore interface, what one group
// (one transaction) holds, and the run's meta data. SqliteJournalStore is the
// real store; tests use tests/fakes/fake_journal_store.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/status.hpp"

namespace lightning::journal {

/// What the journal's meta table holds about the run that wrote it.
struct JournalMeta {
  int schema_version = 0;     ///< set by the store (kSchemaVersion when written)
  std::string run_id;         ///< the controller's run id
  std::string app_path;       ///< the app binary (/proc/self/exe when it ran)
  std::string app_sha256;     ///< SHA-256 of that binary, lowercase hex ("" until hashed)
  int64_t app_size = 0;       ///< its size in bytes (0: unknown)
  int64_t app_mtime_ns = 0;   ///< its modification time, Unix ns (0: unknown)
  int64_t started_at_us = 0;  ///< Unix time (µs) the journal started
  std::string lightning_version;
  /// The app's arguments (lightning::app_args(), what followed `--`): a
  /// resume without arguments of its own runs with these.
  std::vector<std::string> app_args;
  /// How many times the run was resumed (`--resume`); 0: its first run.
  int resumes = 0;
};

/// State changes from version first_version to last_version: the ops of one
/// or more consecutive runtime::StateBatch, in order, as one JSON Patch (the
/// journal writes one row per commit).
struct BatchRow {
  uint64_t first_version = 0;
  uint64_t last_version = 0;
  std::string patch;  ///< JSON Patch text: only whole-value add and replace ops
};

/// The whole state at one version.
struct SnapshotRow {
  uint64_t version = 0;
  std::string state;  ///< JSON text of Flow::snapshot() of the root
};

/// The latest word on one call of one work: replaces what the store had for
/// (work, id).
struct CallRow {
  std::string work;  ///< dotted work path, "root.trainer"
  uint64_t id = 0;   ///< the call id (per work, from 1)
  std::string key;   ///< args.dump(): the call's identity, and its args
  bool done = false;
  /// Whether the work's CallTable keeps the record once it is done (failed,
  /// or succeeded with cache_calls); meaningful when done.
  bool retained = true;
  /// {"status": WorkStatus::to_json(), "final_failures": n,
  ///  "rerun_not_before_us": Unix µs (when its re-run backoff ends; absent: none)}
  std::string record;
  /// The work's CallPolicy::max_cached_calls (the store bounds done records by it).
  uint64_t max_cached_calls = 0;
};

/// A work of the tree: written when the controller is told of it (and again
/// when its options are replaced); the store keeps the order of first writes.
struct WorkRow {
  std::string path;     ///< dotted work path, "root.sweep.trial_3"
  std::string type;     ///< its registered type name
  std::string options;  ///< JSON text of WorkOptions::to_json()
};

/// What one commit writes, all or nothing.
struct JournalGroup {
  std::optional<JournalMeta> meta;  ///< the first group only
  std::vector<BatchRow> batches;    ///< in version order
  std::vector<CallRow> calls;       ///< at most one per (work, id)
  std::vector<WorkRow> works;       ///< in the order they were declared
  /// The whole state at snapshot->version: with it, the store drops older
  /// snapshots and the batches it covers, and the call records the work's
  /// CallTable no longer has (superseded, forgotten, past max_cached_calls).
  std::optional<SnapshotRow> snapshot;

  bool empty() const {
    return !meta && batches.empty() && calls.empty() && works.empty() && !snapshot;
  }
};

/// Persists the journal's groups. Used by the journal's writer thread only.
/// The real one is SqliteJournalStore; tests use FakeJournalStore.
class JournalStore {
 public:
  virtual ~JournalStore() = default;
  /// Where it writes, for messages ("/run/journal.sqlite").
  virtual std::string describe() const = 0;
  /// Writes `group` in one transaction: after a crash, a reader sees all of
  /// it or none of it. An error leaves the store as it was before the call.
  virtual Status write(const JournalGroup& group) = 0;
  /// Notes in the store (best effort) that the journal stopped being written
  /// because of `why`: a reader can tell a journal cut short from a complete one.
  virtual void mark_incomplete(const std::string& why) = 0;
  /// Ends writing (SQLite: checkpoints the write-ahead log into the file).
  virtual Status close() = 0;
};

}  // namespace lightning::journal
