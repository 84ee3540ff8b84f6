// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The journal file's format, shared by its writer (SqliteJournalStore) and its
// reader (load()). docs/design/journal.md describes the tables.
#pragma once

#include <cstdint>

namespace lightning::journal {

/// The journal's name in the run directory.
inline constexpr const char* kJournalFileName = "journal.sqlite";

/// SQLite's `PRAGMA application_id` of a journal ("Ljrn"): tells our file from
/// any other SQLite database.
inline constexpr int32_t kApplicationId = 0x4C6A726E;

/// `PRAGMA user_version`: the schema below. A reader refuses a newer one and
/// reads every older one. Schema 2 added `declared_works`; a journal of
/// schema 1 has none (its works made inside Flow::run() come back with
/// default options, in name order), and a resumed run that continues it adds
/// the table and marks the file schema 2 (kUpgradeTo2Sql).
inline constexpr int kSchemaVersion = 2;

/// Each work of the tree, in the order the controller was told of it (members
/// at start, then each made inside run()): what `--resume` makes a work made
/// inside run() again from. `seq` is given once per path (the first time a
/// path is written) and keeps it; `type` and `options` (WorkOptions::to_json())
/// are the latest.
#define LIGHTNING_JOURNAL_DECLARED_WORKS_TABLE                          \
  "declared_works(path TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, " \
  "type TEXT NOT NULL, options TEXT NOT NULL) WITHOUT ROWID;"

/// What a journal of schema 1 needs to become one of schema 2 (in a
/// transaction, by a resumed run that writes on in it).
inline constexpr const char* kUpgradeTo2Sql =
    "CREATE TABLE IF NOT EXISTS " LIGHTNING_JOURNAL_DECLARED_WORKS_TABLE " PRAGMA user_version=2;";

/// The tables, created in the journal's first transaction.
inline constexpr const char* kSchemaSql =
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE snapshots(version INTEGER PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE batches(last_version INTEGER PRIMARY KEY, first_version INTEGER NOT NULL,
                     patch TEXT NOT NULL);
CREATE TABLE works(path TEXT PRIMARY KEY, max_cached_calls INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE calls(work TEXT NOT NULL, id INTEGER NOT NULL, key TEXT NOT NULL,
                   done INTEGER NOT NULL, retained INTEGER NOT NULL, record TEXT NOT NULL,
                   PRIMARY KEY(work, id)) WITHOUT ROWID;
)sql"
    "CREATE TABLE " LIGHTNING_JOURNAL_DECLARED_WORKS_TABLE;

}  // namespace lightning::journal
