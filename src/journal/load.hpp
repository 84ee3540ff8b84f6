// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/snapshot.hpp"
#include "journal/journal_store.hpp"
#include "lightning/json.hpp"
#include "util/status.hpp"

namespace lightning::journal {

/// What a run's journal says at its last commit: what `--resume` needs.
struct Recovered {
  JournalMeta meta;
  /// Why the run stopped writing its journal before it ended ("" when it did
  /// not say so: a complete journal, or one cut short by a crash, which is
  /// complete up to its last commit).
  std::string incomplete;
  /// Flow::snapshot() of the root at `version`: the latest snapshot with every
  /// committed batch after it applied.
  Json state;
  uint64_t version = 0;
  /// Per work path ("root.trainer"): its call table in CallTable::save()'s
  /// format, ready for CallTable::restore(). Calls that were running come back
  /// pending; the LRU order of done records is by id (the journal does not
  /// see cache hits); a re-run backoff is what is left of it now.
  std::map<std::string, Json> call_tables;
  /// Every work the run declared (members and works made inside Flow::run()),
  /// in declaration order, with its type and WorkOptions: what
  /// detail::load_snapshot() makes the missing ones from. Empty for a journal
  /// of schema 1, which did not keep them.
  std::vector<detail::JournaledWork> works;
};

/// Bounds on the work a load may do, for untrusted files (the fuzzer).
struct LoadLimits {
  /// SQLite virtual machine steps, in thousands; 0: no bound.
  uint64_t max_kilo_steps = 0;
};

/// Reads the journal at `path` (opened read-only: the journal is never
/// changed, not even by a checkpoint; SQLite may create the `-wal` and `-shm`
/// files it reads a WAL database with), all or nothing. A missing file is kNotFound; a file
/// that is empty, not SQLite, another program's SQLite database, corrupt,
/// truncated, or whose contents do not fit together (a gap in the versions, a
/// patch that does not apply, a call table CallTable::restore() refuses) is
/// kInvalidArgument; a journal of a newer schema is kFailedPrecondition. Each
/// message starts "cannot load the journal <path>: " and says what is wrong.
///
///   Result<Recovered> r = journal::load(run_dir + "/journal.sqlite");
///   if (!r.ok()) { spdlog::error("{}", r.status().message()); return 2; }
///   publisher.restore_version(r->version);
Result<Recovered> load(const std::string& path, const LoadLimits& limits = {});

}  // namespace lightning::journal
