// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "journal/sqlite.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace lightning::journal::sqlite {

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Result<Db> Db::open(const std::string& path, int flags) {
  Db db;
  db.path_ = path;
  const int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const bool writing = (flags & SQLITE_OPEN_READWRITE) != 0;
    return db.error(rc, std::string(writing ? "cannot create " : "cannot open ") + path);
  }
  sqlite3_extended_result_codes(db.db_, 1);
  return Result<Db>(std::move(db));
}

Status Db::exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, "cannot write " + path_);
  return Status::Ok();
}

Status Db::error(int rc, const std::string& doing) const {
  const int primary = rc & 0xff;
  std::string what = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  // The errno behind an I/O failure says what the disk did: "No space left on
  // device", "File too large" (a file size limit), "Read-only file system".
  const int sys = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
  const bool io = primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN ||
                  primary == SQLITE_READONLY;
  if (io && sys != 0) what += std::string(" (") + std::strerror(sys) + ")";
  std::string message = doing + ": " + what;
  switch (primary) {
    case SQLITE_FULL:
      return ResourceExhausted(std::move(message));
    case SQLITE_IOERR:
      if (sys == ENOSPC || sys == EFBIG || sys == EDQUOT) return ResourceExhausted(message);
      return Unavailable(std::move(message));
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return FailedPrecondition(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return InvalidArgument(std::move(message));
    case SQLITE_INTERRUPT:
      return Status(StatusCode::kDeadlineExceeded, std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

Status Db::close() {
  if (db_ == nullptr) return Status::Ok();
  const int rc = sqlite3_close(db_);
  if (rc != SQLITE_OK) {
    Status st = error(rc, "cannot close " + path_);
    sqlite3_close_v2(std::exchange(db_, nullptr));  // closes once its statements are gone
    return st;
  }
  db_ = nullptr;
  return Status::Ok();
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Status Stmt::prepare(const Db& db, const char* sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  const int rc = sqlite3_prepare_v2(db.get(), sql, -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) return db.error(rc, "cannot read " + db.path());
  return Status::Ok();
}

void Stmt::bind_int(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Stmt::bind_text(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

int Stmt::step() { return sqlite3_step(stmt_); }

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::int_at(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::text_at(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Stmt::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace lightning::journal::sqlite
