// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "journal/load.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/json_io.hpp"
#include "journal/schema.hpp"
#include "journal/sqlite.hpp"
#include "runtime/call_table.hpp"
#include "util/clock.hpp"
#include "util/ids.hpp"

namespace lightning::journal {

namespace {

/// The clock a CallTable is checked with: restore() may arm a retry timer,
/// which never fires here.
class InertClock final : public util::ClockInterface {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  TimerId run_at(TimePoint, const char*, std::function<void()>) override { return ++last_; }
  void cancel(TimerId) override {}

 private:
  TimerId last_ = 0;
};

struct CallRowIn {
  uint64_t id = 0;
  std::string key;
  bool retained = true;
  Json record;
};

/// The longest re-run backoff a journal may ask for (CallTable's is 5 min).
constexpr int64_t kMaxRerunWaitUs = int64_t{3600} * 1000 * 1000;

class Loader {
 public:
  Loader(std::string path, LoadLimits limits)
      : path_(std::move(path)), limits_(limits), context_("cannot load the journal " + path_) {}

  Result<Recovered> run() {
    if (Status st = check_file(); !st.ok()) return st;
    Result<sqlite::Db> db = sqlite::Db::open(path_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    if (!db.ok()) return fail(db.status().code(), db.status().message());
    db_ = std::move(*db);
    if (limits_.max_kilo_steps > 0) {
      sqlite3_progress_handler(db_.get(), 1000, &Loader::on_progress, this);
    }
    if (Status st = check_header(); !st.ok()) return st;
    if (Status st = check_integrity(); !st.ok()) return st;
    // One read transaction: every table as of the same commit.
    if (Status st = exec("BEGIN"); !st.ok()) return st;
    Recovered out;
    if (Status st = read_meta(out); !st.ok()) return st;
    if (Status st = read_state(out); !st.ok()) return st;
    if (Status st = read_calls(out); !st.ok()) return st;
    if (Status st = read_works(out); !st.ok()) return st;
    (void)exec("COMMIT");
    return Result<Recovered>(std::move(out));
  }

 private:
  static int on_progress(void* self) {
    auto* loader = static_cast<Loader*>(self);
    return ++loader->kilo_steps_ > loader->limits_.max_kilo_steps ? 1 : 0;
  }

  Status fail(StatusCode code, const std::string& what) const {
    return Status(code, context_ + ": " + what);
  }
  Status invalid(const std::string& what) const { return fail(StatusCode::kInvalidArgument, what); }

  /// A SQLite error while reading: what the file is (corrupt, not a database)
  /// or what the system said.
  Status sqlite_error(int rc) const {
    if ((rc & 0xff) == SQLITE_INTERRUPT) {
      return fail(StatusCode::kResourceExhausted, "reading it took more than the limit of " +
                                                      std::to_string(limits_.max_kilo_steps) +
                                                      " thousand steps");
    }
    const Status st = db_.error(rc, "SQLite");
    const StatusCode code =
        st.code() == StatusCode::kInternal ? StatusCode::kInvalidArgument : st.code();
    return fail(code, st.message());
  }

  Status exec(const char* sql) {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : sqlite_error(rc);
  }

  Status prepare(sqlite::Stmt& stmt, const char* sql) {
    if (!stmt.prepare(db_, sql).ok()) return sqlite_error(sqlite3_errcode(db_.get()));
    return Status::Ok();
  }

  /// Runs a one-value query (a pragma) and returns its integer.
  Result<int64_t> query_int(const char* sql) {
    sqlite::Stmt s;
    if (Status st = prepare(s, sql); !st.ok()) return st;
    const int rc = s.step();
    if (rc == SQLITE_DONE) return invalid(std::string("SQLite gave no answer to ") + sql);
    if (rc != SQLITE_ROW) return sqlite_error(rc);
    return s.int_at(0);
  }

  Status check_file() {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      if (errno == ENOENT) return fail(StatusCode::kNotFound, "no such file");
      return fail(StatusCode::kFailedPrecondition, std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) return invalid("not a regular file");
    if (st.st_size == 0) {
      // In WAL mode the file gets its first page at the first checkpoint:
      // until then every commit, the first one included, is in the log.
      struct stat wal {};
      const std::string wal_path = path_ + "-wal";
      if (::stat(wal_path.c_str(), &wal) == 0 && S_ISREG(wal.st_mode) && wal.st_size > 0) {
        return Status::Ok();
      }
      return invalid("the file is empty (the run ended before its first commit, or it was cut)");
    }
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(StatusCode::kFailedPrecondition, std::strerror(errno));
    char header[16] = {};
    const ssize_t n = ::read(fd, header, sizeof header);
    ::close(fd);
    if (n != static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header, "SQLite format 3", sizeof header) != 0) {
      return invalid("not a journal: not a SQLite database file (" + std::to_string(st.st_size) +
                     " bytes)");
    }
    return Status::Ok();
  }

  Status check_header() {
    Result<int64_t> app = query_int("PRAGMA application_id");
    if (!app.ok()) return app.status();
    if (*app != kApplicationId) {
      return invalid("not a Lightning journal: a SQLite database whose application_id is " +
                     std::to_string(*app) + ", not " + std::to_string(kApplicationId));
    }
    Result<int64_t> version = query_int("PRAGMA user_version");
    if (!version.ok()) return version.status();
    if (*version > kSchemaVersion) {
      return fail(StatusCode::kFailedPrecondition,
                  "written by a newer Lightning: journal schema " + std::to_string(*version) +
                      ", and this build reads schema " + std::to_string(kSchemaVersion) +
                      " at most; load it with the version that wrote it");
    }
    if (*version < 1) {
      return invalid("unknown journal schema version " + std::to_string(*version));
    }
    schema_ = *version;
    return Status::Ok();
  }

  Status check_integrity() {
    sqlite::Stmt s;
    if (Status st = prepare(s, "PRAGMA quick_check(1)"); !st.ok()) return st;
    const int rc = s.step();
    if (rc == SQLITE_DONE) return invalid("SQLite gave no answer to its quick_check");
    if (rc != SQLITE_ROW) return sqlite_error(rc);
    std::string verdict = s.text_at(0);
    for (char& c : verdict) {
      if (c == '\n') c = ' ';  // "*** in database main ***\nPage 4: ..." on one line
    }
    if (verdict != "ok")
      return invalid("the file is corrupt (SQLite's quick_check: " + verdict + ")");
    return Status::Ok();
  }

  Status read_meta(Recovered& out) {
    sqlite::Stmt s;
    if (Status st = prepare(s, "SELECT key, value FROM meta"); !st.ok()) return st;
    std::unordered_map<std::string, std::string> meta;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) meta[s.text_at(0)] = s.text_at(1);
    if (rc != SQLITE_DONE) return sqlite_error(rc);
    if (meta.empty()) {
      // The tables are made before the first group is written: a run whose
      // first commit failed (a full disk) or never came leaves them empty.
      return invalid(
          "nothing was committed to it (the run ended, or its disk filled, before its first "
          "commit)");
    }
    for (const char* key : {"schema_version", "run_id", "started_at_us"}) {
      if (meta.count(key) == 0) return invalid(std::string("its meta table has no '") + key + "'");
    }
    try {
      out.meta.schema_version = std::stoi(meta["schema_version"]);
      out.meta.started_at_us = std::stoll(meta["started_at_us"]);
      if (!meta["app_size"].empty()) out.meta.app_size = std::stoll(meta["app_size"]);
      if (!meta["app_mtime_ns"].empty()) out.meta.app_mtime_ns = std::stoll(meta["app_mtime_ns"]);
    } catch (const std::exception&) {
      return invalid("its meta table has a number that is not a number");
    }
    out.meta.run_id = meta["run_id"];
    out.meta.app_path = meta["app_path"];
    out.meta.app_sha256 = meta["app_sha256"];
    out.meta.lightning_version = meta["lightning_version"];
    out.incomplete = meta["incomplete"];
    if (!meta["app_args"].empty()) {
      try {
        out.meta.app_args = Json::parse(meta["app_args"]).get<std::vector<std::string>>();
      } catch (const std::exception&) {
        return invalid("its meta table's app_args is not a JSON array of strings");
      }
    }
    if (!meta["resumes"].empty()) {
      try {
        out.meta.resumes = std::stoi(meta["resumes"]);
      } catch (const std::exception&) {
        return invalid("its meta table has a number that is not a number");
      }
    }
    return Status::Ok();
  }

  Status read_state(Recovered& out) {
    sqlite::Stmt s;
    if (Status st =
            prepare(s, "SELECT version, state FROM snapshots ORDER BY version DESC LIMIT 1");
        !st.ok()) {
      return st;
    }
    int rc = s.step();
    if (rc == SQLITE_DONE) return invalid("it has no snapshot of the state");
    if (rc != SQLITE_ROW) return sqlite_error(rc);
    const int64_t snapshot_version = s.int_at(0);
    if (snapshot_version < 0) return invalid("its snapshot has a negative version");
    std::string error;
    Json state = detail::parse_untrusted(s.text_at(1), &error);
    if (state.is_discarded() || !state.is_object()) {
      return invalid("its snapshot at version " + std::to_string(snapshot_version) +
                     " is not a JSON object" + (error.empty() ? "" : " (" + error + ")"));
    }
    auto version = static_cast<uint64_t>(snapshot_version);

    sqlite::Stmt b;
    if (Status st = prepare(b,
                            "SELECT first_version, last_version, patch FROM batches "
                            "WHERE last_version > ? ORDER BY last_version");
        !st.ok()) {
      return st;
    }
    b.bind_int(1, snapshot_version);
    while ((rc = b.step()) == SQLITE_ROW) {
      const int64_t first = b.int_at(0), last = b.int_at(1);
      const std::string range = std::to_string(first) + ".." + std::to_string(last);
      if (first < 1 || static_cast<uint64_t>(first) != version + 1 || last < first) {
        return invalid("its batches skip from version " + std::to_string(version) +
                       " to the batch " + range);
      }
      Json patch = detail::parse_untrusted(b.text_at(2), &error);
      if (Status st = check_patch(patch, range, error); !st.ok()) return st;
      try {
        state.patch_inplace(patch);
      } catch (const std::exception& e) {
        return invalid("the batch " + range + " does not apply to the state at version " +
                       std::to_string(version) + ": " + e.what());
      }
      version = static_cast<uint64_t>(last);
    }
    if (rc != SQLITE_DONE) return sqlite_error(rc);
    out.state = std::move(state);
    out.version = version;
    return Status::Ok();
  }

  /// The writer only writes whole-value add and replace ops (StateBatch);
  /// anything else (a copy that doubles the state, a move) is not ours.
  Status check_patch(const Json& patch, const std::string& range, const std::string& error) const {
    if (patch.is_discarded() || !patch.is_array()) {
      return invalid("the batch " + range + " is not a JSON array" +
                     (error.empty() ? "" : " (" + error + ")"));
    }
    for (const Json& op : patch) {
      const bool ok = op.is_object() && op.contains("path") && op.at("path").is_string() &&
                      op.contains("value") && op.contains("op") &&
                      (op.at("op") == "add" || op.at("op") == "replace");
      if (!ok) return invalid("the batch " + range + " has an op that is not an add or a replace");
      const std::string& path = op.at("path").get_ref<const std::string&>();
      if (path.empty() || path[0] != '/') {
        return invalid("the batch " + range + " has an op on the whole state (path \"" + path +
                       "\")");
      }
    }
    return Status::Ok();
  }

  Status read_calls(Recovered& out) {
    std::unordered_map<std::string, uint64_t> bounds;
    {
      sqlite::Stmt w;
      if (Status st = prepare(w, "SELECT path, max_cached_calls FROM works"); !st.ok()) return st;
      int rc;
      while ((rc = w.step()) == SQLITE_ROW) {
        bounds[w.text_at(0)] = static_cast<uint64_t>(std::max<int64_t>(w.int_at(1), 0));
      }
      if (rc != SQLITE_DONE) return sqlite_error(rc);
    }
    sqlite::Stmt s;
    if (Status st =
            prepare(s, "SELECT work, id, key, retained, record FROM calls ORDER BY work, id");
        !st.ok()) {
      return st;
    }
    std::string work;
    std::vector<CallRowIn> rows;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      std::string row_work = s.text_at(0);
      if (row_work != work && !rows.empty()) {
        if (Status st = add_table(out, work, rows, bounds); !st.ok()) return st;
        rows.clear();
      }
      work = std::move(row_work);
      CallRowIn row;
      const int64_t id = s.int_at(1);
      row.id = id > 0 ? static_cast<uint64_t>(id) : 0;
      row.key = s.text_at(2);
      row.retained = s.int_at(3) != 0;
      std::string error;
      row.record = detail::parse_untrusted(s.text_at(4), &error);
      if (row.id == 0 || !row.record.is_object() || !row.record.contains("status") ||
          !row.record.at("status").is_object()) {
        return invalid("the record of call " + std::to_string(id) + " of " + work +
                       " is malformed");
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) return sqlite_error(rc);
    if (!rows.empty()) return add_table(out, work, rows, bounds);
    return Status::Ok();
  }

  /// The declared_works table (schema 2 on), in declaration order; each
  /// row's options are checked as the resume will read them.
  Status read_works(Recovered& out) {
    if (schema_ < 2) return Status::Ok();  // schema 1 did not keep them
    sqlite::Stmt s;
    if (Status st = prepare(s, "SELECT path, type, options FROM declared_works ORDER BY seq");
        !st.ok()) {
      return st;
    }
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      detail::JournaledWork w;
      w.path = s.text_at(0);
      w.type = s.text_at(1);
      if (w.path.empty() || w.type.empty()) {
        return invalid("a declared work has an empty path or type");
      }
      std::string error;
      const Json options = detail::parse_untrusted(s.text_at(2), &error);
      if (options.is_discarded()) {
        return invalid("the options of work " + w.path + " are not JSON" +
                       (error.empty() ? "" : " (" + error + ")"));
      }
      try {
        w.options = WorkOptions::from_json(options);
      } catch (const std::invalid_argument& e) {
        return invalid("the options of work " + w.path + " are malformed: " + e.what());
      }
      out.works.push_back(std::move(w));
    }
    if (rc != SQLITE_DONE) return sqlite_error(rc);
    return Status::Ok();
  }

  /// Builds `work`'s table in CallTable::save()'s format from its call rows
  /// (by id), and checks it the way resume will use it: CallTable::restore().
  Status add_table(Recovered& out, const std::string& work, const std::vector<CallRowIn>& rows,
                   const std::unordered_map<std::string, uint64_t>& bounds) {
    const uint64_t latest = rows.back().id;
    std::unordered_map<std::string, uint64_t> newest_of_key;
    for (const CallRowIn& r : rows) newest_of_key[r.key] = r.id;
    const int64_t now_us = util::now_unix_us();
    Json calls = Json::array();
    Json queue = Json::array();
    std::optional<uint64_t> current;
    bool retry_wait = false;
    // Done records the table keeps (cached successes, failures) beyond its
    // bound, oldest first, as SqliteJournalStore prunes them: the table would
    // have evicted them (by least recent use, which the journal does not see).
    const uint64_t bound = bounds.count(work) != 0 ? bounds.at(work) : uint64_t{10000};
    try {
      std::unordered_map<uint64_t, bool> over_bound;
      {
        uint64_t kept = 0;
        for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
          if (newest_of_key.at(it->key) != it->id) continue;
          const std::string stage = it->record.at("status").value("stage", "");
          const bool done = stage == "succeeded" || stage == "failed" || stage == "stopped";
          if (done && it->retained && ++kept > bound + 1) over_bound[it->id] = true;
        }
      }
      for (const CallRowIn& r : rows) {
        Json status = r.record.at("status");
        const std::string stage = status.value("stage", "");
        const bool done = stage == "succeeded" || stage == "failed" || stage == "stopped";
        const bool newest = newest_of_key.at(r.key) == r.id;
        if (!newest) continue;  // a later call with the same args replaced it
        // A done call the table keeps neither for its cache nor for its
        // re-run backoff is forgotten once another call is the latest.
        if (done && !r.retained && r.id != latest) continue;
        if (over_bound.count(r.id) != 0) continue;
        if (!done) {
          if (stage == "running") status["stage"] = "pending";  // its process is gone
          // The first call not done is the table's current one (in flight,
          // or waiting for a retry); the others are queued in order.
          if (!current) {
            current = r.id;
            retry_wait = status.value("reason", "") == "retrying";
          } else {
            queue.push_back(r.id);
          }
        }
        Json j{{"id", r.id},
               {"key", r.key},
               {"status", std::move(status)},
               {"final_failures", r.record.value("final_failures", 0)},
               {"indexed", true}};
        if (!done) {
          std::string error;
          Json args = detail::parse_untrusted(r.key, &error);
          if (args.is_discarded()) {
            return invalid("the args of call " + std::to_string(r.id) + " of " + work +
                           " are not JSON");
          }
          j["args"] = std::move(args);
        }
        if (r.record.contains("rerun_not_before_us")) {
          const auto not_before = r.record.at("rerun_not_before_us").get<int64_t>();
          if (not_before > now_us) {
            const int64_t left_us = std::min(not_before - now_us, kMaxRerunWaitUs);
            j["rerun_in_ms"] = (left_us + 999) / 1000;
          }
        }
        calls.push_back(std::move(j));
      }
    } catch (const std::exception& e) {
      return invalid("the calls of " + work + " are malformed: " + e.what());
    }
    Json table{{"next_call_id", latest + 1},
               {"calls", std::move(calls)},
               {"queue", std::move(queue)},
               {"latest", latest}};
    if (current) table["current"] = *current;
    if (retry_wait) table["retry_wait"] = true;
    runtime::CallPolicy policy;
    policy.max_cached_calls = bound;
    InertClock clock;
    runtime::CallTable check(clock, policy, runtime::CallTable::Hooks{});
    if (Status st = check.restore(table); !st.ok()) {
      return invalid("the call table of " + work + " does not restore: " + st.message());
    }
    out.call_tables.emplace(work, std::move(table));
    return Status::Ok();
  }

  std::string path_;
  LoadLimits limits_;
  std::string context_;
  sqlite::Db db_;
  uint64_t kilo_steps_ = 0;
  int64_t schema_ = 0;  // PRAGMA user_version, once check_header() read it
};

}  // namespace

Result<Recovered> load(const std::string& path, const LoadLimits& limits) {
  return Loader(path, limits).run();
}

}  // namespace lightning::journal
