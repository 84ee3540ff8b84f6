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

/// `PRAGMA user_version`: the schema below. A reader refuses a newer one.
inline constexpr int kSchemaVersion = 1;

/// The tables, created in the journal's first transaction.
inline constexpr const char* kSchemaSql = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE snapshots(version INTEGER PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE batches(last_version INTEGER PRIMARY KEY, first_version INTEGER NOT NULL,
                     patch TEXT NOT NULL);
CREATE TABLE works(path TEXT PRIMARY KEY, max_cached_calls INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE calls(work TEXT NOT NULL, id INTEGER NOT NULL, key TEXT NOT NULL,
                   done INTEGER NOT NULL, retained INTEGER NOT NULL, record TEXT NOT NULL,
                   PRIMARY KEY(work, id)) WITHOUT ROWID;
)sql";

}  // namespace lightning::journal
