// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// A thin RAII layer over SQLite's C API for the journal: a connection and a
// prepared statement, with errors turned into Status messages that name the
// file and the cause. Nothing journal-specific lives here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace lightning::journal::sqlite {

/// One SQLite connection, closed when this goes away. Single-threaded: used by
/// one thread at a time (the journal's writer, or a loader).
class Db {
 public:
  Db() = default;
  ~Db();
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// Opens `path` with sqlite3_open_v2's `flags` (SQLITE_OPEN_*).
  static Result<Db> open(const std::string& path, int flags);

  bool is_open() const { return db_ != nullptr; }
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  /// Runs one or more statements that return no rows.
  Status exec(const char* sql);
  /// The Status for SQLite result code `rc` on this connection: what failed
  /// (`doing`, e.g. "cannot write /run/journal.sqlite"), SQLite's message, and
  /// the system error (errno) behind an I/O error.
  Status error(int rc, const std::string& doing) const;
  /// Closes now (the destructor does it too); an error when SQLite cannot.
  Status close();

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

/// A prepared statement, finalized when this goes away.
///
///   Stmt s;
///   if (Status st = s.prepare(db, "SELECT value FROM meta WHERE key = ?"); !st.ok()) return st;
///   s.bind_text(1, "run_id");
///   while (s.step() == SQLITE_ROW) use(s.text(0));
class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status prepare(const Db& db, const char* sql);
  void bind_int(int index, int64_t value);
  void bind_text(int index, std::string_view value);
  /// sqlite3_step's result code: SQLITE_ROW, SQLITE_DONE or an error.
  int step();
  /// Ready to run again with new bindings.
  void reset();

  int64_t int_at(int column) const;
  std::string text_at(int column) const;
  /// Whether the column holds SQL NULL.
  bool is_null(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace lightning::journal::sqlite
