// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "journal/sqlite_journal_store.hpp"

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "journal/schema.hpp"
#include "lightning/json.hpp"

namespace lightning::journal {

namespace {

// Call records the work's CallTable would no longer have (see
// CallTable::forget_if_unneeded and evict_over_bound): superseded by a later
// call with the same args; done, neither cached nor failed, and not the latest;
// and kept done records past max_cached_calls, oldest first (the table evicts
// by least recent use, which the journal does not see: it counts by id).
constexpr const char* kPruneCallsSql = R"sql(
DELETE FROM calls WHERE (work, id) IN (
  SELECT work, id FROM (
    SELECT work, id, max(id) OVER (PARTITION BY work, key) AS newest FROM calls)
  WHERE id < newest);
DELETE FROM calls WHERE done = 1 AND retained = 0 AND id < (
  SELECT max(id) FROM calls AS latest WHERE latest.work = calls.work);
DELETE FROM calls WHERE (work, id) IN (
  SELECT work, id FROM (
    SELECT c.work AS work, c.id AS id, w.max_cached_calls AS bound,
           row_number() OVER (PARTITION BY c.work ORDER BY c.id DESC) AS n
    FROM calls AS c JOIN works AS w ON w.path = c.work
    WHERE c.done = 1 AND c.retained = 1)
  WHERE n > bound + 1);
)sql";

/// Why writing `path` (or its write-ahead log) fails, from what the file
/// system says now: SQLite reports an I/O error, but the errno behind it is
/// often gone by then. "" when nothing explains it.
std::string probe_write_failure(const std::string& path) {
  const std::string dir = path.substr(0, path.rfind('/') + 1) + ".";
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0) {
    if ((fs.f_flag & ST_RDONLY) != 0) return "Read-only file system";
    const auto blocks = ::geteuid() == 0 ? fs.f_bfree : fs.f_bavail;
    if (blocks == 0 || fs.f_favail == 0) return "No space left on device";
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    for (const char* suffix : {"", "-wal"}) {
      struct stat st {};
      const std::string file = path + suffix;
      // A write that does not fit under the limit fails (EFBIG): within a page
      // and a WAL frame of it.
      if (::stat(file.c_str(), &st) == 0 &&
          static_cast<rlim_t>(st.st_size) + 65536 + 24 > limit.rlim_cur) {
        return "File too large: " + file + " reached the file size limit (ulimit -f) of " +
               std::to_string(limit.rlim_cur) + " bytes";
      }
    }
  }
  if (::access(dir.c_str(), W_OK) != 0) return std::strerror(errno);
  return "";
}

/// `st`, with what the file system says about the failure when SQLite did
/// not say which system error it was.
Status with_cause(const Status& st, const std::string& path) {
  if (st.ok() || st.message().find(" (") != std::string::npos) return st;
  const std::string cause = probe_write_failure(path);
  if (cause.empty()) return st;
  const StatusCode code =
      cause.rfind("File too large", 0) == 0 || cause == "No space left on device"
          ? StatusCode::kResourceExhausted
          : st.code();
  return Status(code, st.message() + " (" + cause + ")");
}

}  // namespace

struct SqliteJournalStore::Statements {
  sqlite::Stmt meta;
  sqlite::Stmt batch;
  sqlite::Stmt call;
  sqlite::Stmt work;
  sqlite::Stmt declared;
  sqlite::Stmt snapshot;
  sqlite::Stmt drop_snapshots;
  sqlite::Stmt drop_batches;
  sqlite::Stmt count_calls;

  Status prepare(const sqlite::Db& db) {
    const std::pair<sqlite::Stmt*, const char*> all[] = {
        {&meta, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"},
        {&batch,
         "INSERT OR REPLACE INTO batches(last_version, first_version, patch) VALUES (?, ?, ?)"},
        {&call,
         "INSERT OR REPLACE INTO calls(work, id, key, done, retained, record) "
         "VALUES (?, ?, ?, ?, ?, ?)"},
        {&work, "INSERT OR REPLACE INTO works(path, max_cached_calls) VALUES (?, ?)"},
        // A path keeps the seq of its first write: its place in the order.
        {&declared,
         "INSERT INTO declared_works(path, seq, type, options) VALUES "
         "(?1, (SELECT ifnull(max(seq), 0) + 1 FROM declared_works), ?2, ?3) "
         "ON CONFLICT(path) DO UPDATE SET type = excluded.type, options = excluded.options"},
        {&snapshot, "INSERT OR REPLACE INTO snapshots(version, state) VALUES (?, ?)"},
        {&drop_snapshots, "DELETE FROM snapshots WHERE version < ?"},
        {&drop_batches, "DELETE FROM batches WHERE last_version <= ?"},
        {&count_calls, "SELECT count(*) FROM calls"},
    };
    for (const auto& [stmt, sql] : all) {
      if (Status st = stmt->prepare(db, sql); !st.ok()) return st;
    }
    return Status::Ok();
  }
};

SqliteJournalStore::SqliteJournalStore(std::string path, Mode mode,
                                       uint64_t min_call_rows_between_prunes)
    : path_(std::move(path)),
      mode_(mode),
      min_call_rows_between_prunes_(min_call_rows_between_prunes) {}

SqliteJournalStore::~SqliteJournalStore() { (void)close(); }

Status SqliteJournalStore::open() {
  if (mode_ == Mode::kReplace) {
    // A journal an earlier run left here (the same --run-dir again) is replaced.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::string file = path_ + suffix;
      if (::unlink(file.c_str()) != 0 && errno != ENOENT) break;  // open() says why
    }
  }
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (mode_ == Mode::kReplace ? SQLITE_OPEN_CREATE : 0);
  Result<sqlite::Db> db = sqlite::Db::open(path_, flags);
  if (!db.ok()) return db.status();
  db_ = std::move(*db);
  if (mode_ == Mode::kReplace) {
    // The tables and the header (application_id, user_version) go into the
    // file itself, in rollback mode, before WAL mode starts: a WAL database
    // whose file is still empty is not one to SQLite. A reader takes it for
    // an empty database, and the next read-write open deletes its log, with
    // every commit in it (a journal killed before its first checkpoint).
    const std::string create = std::string("BEGIN; ") + kSchemaSql +
                               "PRAGMA application_id=" + std::to_string(kApplicationId) +
                               "; PRAGMA user_version=" + std::to_string(kSchemaVersion) +
                               "; COMMIT;";
    if (Status st = db_.exec(create.c_str()); !st.ok()) {
      (void)db_.exec("ROLLBACK");
      return st;
    }
  }
  if (mode_ == Mode::kContinue) {
    // A journal of schema 1 (load() read it) gets the tables of schema 2.
    const std::string upgrade = std::string("BEGIN; ") + kUpgradeTo2Sql + " COMMIT;";
    if (Status st = db_.exec(upgrade.c_str()); !st.ok()) {
      (void)db_.exec("ROLLBACK");
      return st;
    }
  }
  // Both modes have the tables now (a resumed journal: load() checked them).
  has_schema_ = true;
  // WAL: a commit appends to the log, readers never block the writer.
  // synchronous=NORMAL: no fsync per commit, only at checkpoints; a commit
  // survives the process dying, not necessarily a power cut.
  Status st = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  if (!st.ok()) return st;
  stmts_.reset();  // prepared once the tables exist
  return Status::Ok();
}

Status SqliteJournalStore::write(const JournalGroup& group) {
  if (group.empty()) return Status::Ok();
  if (!db_.is_open()) {
    Status st = open();
    if (!st.ok()) {
      (void)db_.close();
      return with_cause(st, path_);
    }
  }
  works_added_.clear();
  Status st = db_.exec("BEGIN IMMEDIATE");
  if (!st.ok()) return st;
  st = write_in_transaction(group);
  if (st.ok()) st = db_.exec("COMMIT");
  if (!st.ok()) {
    st = with_cause(st, path_);  // before the rollback touches the files
    (void)db_.exec("ROLLBACK");
    for (const std::string& w : works_added_) works_.erase(w);  // written again next time
  }
  return st;
}

Status SqliteJournalStore::write_in_transaction(const JournalGroup& group) {
  const std::string doing = "cannot write " + path_;
  auto run = [&](sqlite::Stmt& s) -> Status {
    const int rc = s.step();
    s.reset();
    return rc == SQLITE_DONE ? Status::Ok() : db_.error(rc, doing);
  };
  if (!stmts_) {
    auto stmts = std::make_unique<Statements>();
    Status st = stmts->prepare(db_);
    if (!st.ok()) return st;
    stmts_ = std::move(stmts);
  }
  Statements& s = *stmts_;
  if (group.meta) {
    const JournalMeta& m = *group.meta;
    const std::pair<const char*, std::string> rows[] = {
        {"schema_version", std::to_string(kSchemaVersion)},
        {"run_id", m.run_id},
        {"app_path", m.app_path},
        {"app_sha256", m.app_sha256},
        {"app_size", std::to_string(m.app_size)},
        {"app_mtime_ns", std::to_string(m.app_mtime_ns)},
        {"started_at_us", std::to_string(m.started_at_us)},
        {"lightning_version", m.lightning_version},
        {"app_args", Json(m.app_args).dump()},
        {"resumes", std::to_string(m.resumes)},
    };
    for (const auto& [key, value] : rows) {
      s.meta.bind_text(1, key);
      s.meta.bind_text(2, value);
      if (Status st = run(s.meta); !st.ok()) return st;
    }
    // A resumed run writes on in its journal: whatever stopped the last
    // run's journal early does not stop this one's.
    if (Status st = db_.exec("DELETE FROM meta WHERE key = 'incomplete'"); !st.ok()) return st;
  }
  for (const WorkRow& w : group.works) {
    s.declared.bind_text(1, w.path);
    s.declared.bind_text(2, w.type);
    s.declared.bind_text(3, w.options);
    if (Status st = run(s.declared); !st.ok()) return st;
  }
  for (const BatchRow& b : group.batches) {
    s.batch.bind_int(1, static_cast<int64_t>(b.last_version));
    s.batch.bind_int(2, static_cast<int64_t>(b.first_version));
    s.batch.bind_text(3, b.patch);
    if (Status st = run(s.batch); !st.ok()) return st;
  }
  for (const CallRow& c : group.calls) {
    const auto known = works_.find(c.work);
    if (known == works_.end() || known->second != c.max_cached_calls) {
      works_[c.work] = c.max_cached_calls;  // undone by write() if the commit fails
      works_added_.push_back(c.work);
      s.work.bind_text(1, c.work);
      s.work.bind_int(2, static_cast<int64_t>(c.max_cached_calls));
      if (Status st = run(s.work); !st.ok()) return st;
    }
    s.call.bind_text(1, c.work);
    s.call.bind_int(2, static_cast<int64_t>(c.id));
    s.call.bind_text(3, c.key);
    s.call.bind_int(4, c.done ? 1 : 0);
    s.call.bind_int(5, c.retained ? 1 : 0);
    s.call.bind_text(6, c.record);
    if (Status st = run(s.call); !st.ok()) return st;
  }
  calls_since_prune_ += group.calls.size();
  if (group.snapshot) {
    const auto version = static_cast<int64_t>(group.snapshot->version);
    s.snapshot.bind_int(1, version);
    s.snapshot.bind_text(2, group.snapshot->state);
    if (Status st = run(s.snapshot); !st.ok()) return st;
    s.drop_snapshots.bind_int(1, version);
    if (Status st = run(s.drop_snapshots); !st.ok()) return st;
    s.drop_batches.bind_int(1, version);
    if (Status st = run(s.drop_batches); !st.ok()) return st;
    // Pruning reads every call row (window functions over the table: ~3 ms
    // for 1,700 rows), so a snapshot prunes only once the rows written since
    // the last pruning are as many as it left, and at least
    // min_call_rows_between_prunes_: its cost stays proportional to the rows
    // written, not to the snapshots times the table. load() applies the same
    // rules, so rows not yet pruned never come back.
    if (calls_since_prune_ >= std::max(calls_after_prune_, min_call_rows_between_prunes_)) {
      if (Status st = prune_calls(); !st.ok()) return st;
    }
  }
  return Status::Ok();
}

Status SqliteJournalStore::prune_calls() {
  if (Status st = db_.exec(kPruneCallsSql); !st.ok()) return st;
  sqlite::Stmt& count = stmts_->count_calls;
  const int rc = count.step();
  const int64_t rows = rc == SQLITE_ROW ? count.int_at(0) : 0;
  count.reset();
  if (rc != SQLITE_ROW) return db_.error(rc, "cannot write " + path_);
  calls_after_prune_ = static_cast<uint64_t>(rows);
  calls_since_prune_ = 0;
  return Status::Ok();
}

void SqliteJournalStore::mark_incomplete(const std::string& why) {
  if (!db_.is_open() || !has_schema_ || !stmts_) return;
  if (!db_.exec("BEGIN IMMEDIATE").ok()) return;
  stmts_->meta.bind_text(1, "incomplete");
  stmts_->meta.bind_text(2, why);
  const int rc = stmts_->meta.step();
  stmts_->meta.reset();
  if (rc != SQLITE_DONE || !db_.exec("COMMIT").ok()) (void)db_.exec("ROLLBACK");
}

Status SqliteJournalStore::close() {
  stmts_.reset();
  return db_.close();
}

}  // namespace lightning::journal
