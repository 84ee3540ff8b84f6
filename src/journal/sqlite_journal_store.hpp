// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "journal/journal_store.hpp"
#include "journal/sqlite.hpp"

namespace lightning::journal {

/// The journal on disk: one SQLite file (schema.hpp) in WAL mode with
/// synchronous=NORMAL, so a commit appends to the write-ahead log and does not
/// fsync; the log is synced at checkpoints. A commit survives a crash of the
/// process (kill -9); a power cut may lose the last commits, never corrupt
/// the file. Created on the first write(), replacing a journal an earlier run
/// left at the same path (Mode::kReplace), or written on after what an
/// earlier run of the same run directory committed (Mode::kContinue:
/// `--resume`, after journal::load() accepted the file). Used by the
/// journal's writer thread only.
class SqliteJournalStore final : public JournalStore {
 public:
  enum class Mode {
    kReplace,   ///< a new journal (the file and its -wal/-shm are removed first)
    kContinue,  ///< the existing journal, tables and rows kept
  };
  /// Pruning the call rows (at a snapshot) reads the whole calls table; a
  /// snapshot prunes only once at least max(the rows the last pruning left,
  /// this many) call rows were written since. So the file holds at most
  /// about twice what the CallTables keep, or that plus this many rows
  /// (load() applies the same rules to rows not yet pruned).
  static constexpr uint64_t kMinCallRowsBetweenPrunes = 4096;

  /// `min_call_rows_between_prunes`: kMinCallRowsBetweenPrunes, or 0 to
  /// prune at a snapshot whenever the table may have doubled (tests).
  explicit SqliteJournalStore(std::string path, Mode mode = Mode::kReplace,
                              uint64_t min_call_rows_between_prunes = kMinCallRowsBetweenPrunes);
  ~SqliteJournalStore() override;
  SqliteJournalStore(const SqliteJournalStore&) = delete;
  SqliteJournalStore& operator=(const SqliteJournalStore&) = delete;

  std::string describe() const override { return path_; }
  Status write(const JournalGroup& group) override;
  void mark_incomplete(const std::string& why) override;
  Status close() override;

 private:
  struct Statements;
  Status open();
  Status write_in_transaction(const JournalGroup& group);
  Status prune_calls();

  std::string path_;
  Mode mode_;
  sqlite::Db db_;
  std::unique_ptr<Statements> stmts_;
  bool has_schema_ = false;
  std::unordered_map<std::string, uint64_t> works_;  // in the works table: max_cached_calls
  std::vector<std::string> works_added_;             // by the write in progress
  uint64_t min_call_rows_between_prunes_;
  uint64_t calls_since_prune_ = 0;  // call rows written since the last prune_calls()
  uint64_t calls_after_prune_ = 0;  // call rows the last prune_calls() left
};

}  // namespace lightning::journal
