// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "journal/journal.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/json_io.hpp"
#include "journal/file_hash.hpp"
#include "lightning/work.hpp"
#include "util/ids.hpp"

namespace lightning::journal {

Journal::Journal(std::unique_ptr<JournalStore> store, const util::ClockInterface& clock,
                 const JournalOptions& options)
    : clock_(clock),
      options_(options),
      store_(std::move(store)),
      where_(store_ ? store_->describe() : std::string()) {}

Journal::~Journal() {
  if (hasher_.joinable()) hasher_.join();  // its result is still written
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    accepting_ = false;
  }
  wake_writer_.notify_one();
  if (writer_.joinable()) {
    writer_.join();
    const Stats s = stats();
    spdlog::debug("journal {}: {} commits, {} batch rows, {} call rows, {} snapshots", where_,
                  s.commits, s.batches, s.calls, s.snapshots);
  }
}

void Journal::start(JournalMeta meta, Json state, uint64_t version, std::string hash_file) {
  std::lock_guard<std::mutex> lock(mu_);
  if (writer_.joinable() || stopping_ || !store_) return;
  if (!hash_file.empty()) {
    struct stat st {};
    if (::stat(hash_file.c_str(), &st) == 0) {
      meta.app_size = static_cast<int64_t>(st.st_size);
      meta.app_mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                          static_cast<int64_t>(st.st_mtim.tv_nsec);
    }
  }
  JournalGroup first;
  first.meta = meta;
  meta_ = std::move(meta);
  version_ = version;
  committed_version_ = version;
  state_ = std::move(state);
  accepting_ = true;
  queue_.reserve(kInitialQueueCapacity);
  pushed_ = 1;  // the first group
  hash_done_ = hash_file.empty();
  writer_ = std::thread(&Journal::writer_main, this, std::move(first));
  if (!hash_file.empty()) hasher_ = std::thread(&Journal::hasher_main, this, std::move(hash_file));
}

void Journal::hasher_main(const std::string& file) {
  ::pthread_setname_np(::pthread_self(), "journal-hash");
  // Behind the app's own threads: a start-up on few cores should not wait for it.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kWriterNice);
  Result<std::string> sha = sha256_of_file(file);
  if (!sha.ok())
    spdlog::warn("journal: {}; the app binary's hash is not recorded", sha.status().message());
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sha.ok() && accepting_) {
      queue_.push_back(MetaItem{std::move(*sha)});
      wake = writer_waiting_;
      writer_waiting_ = false;
    } else {
      hash_done_ = true;  // nothing more will come
    }
  }
  if (wake) wake_writer_.notify_one();
  written_cv_.notify_all();
}

void Journal::on_state_batch(const runtime::StateBatch& batch) {
  // Published batches are owned by a shared_ptr (StatePublisher): keep a
  // reference. A batch that is not (made by a test) is copied.
  std::shared_ptr<const runtime::StateBatch> shared = batch.weak_from_this().lock();
  if (!shared) shared = std::make_shared<const runtime::StateBatch>(batch);
  push(BatchItem{std::move(shared)});
}

void Journal::on_call_record(const Work& work, const runtime::CallRecord& call,
                             bool /*is_latest*/) {
  runtime::CallPolicy policy;
  policy.cache_calls = work.options().cache_calls();
  policy.max_cached_calls = static_cast<size_t>(std::max(work.options().max_cached_calls(), 0));
  record_call(work.path(), call, policy);
}

void Journal::on_work_declared(const Work& work) {
  push(WorkItem{work.path(), work.type_name(), work.options().to_json()});
}

void Journal::record_call(const std::string& work_path, const runtime::CallRecord& call,
                          const runtime::CallPolicy& policy) {
  int64_t rerun_not_before_us = 0;
  const auto now = clock_.now();
  if (call.rerun_not_before > now) {
    // The table's clock is steady; the journal outlives the process, so the
    // end of the backoff is kept as Unix time.
    rerun_not_before_us =
        util::now_unix_us() +
        std::chrono::duration_cast<std::chrono::microseconds>(call.rerun_not_before - now).count();
  }
  const WorkStatus& st = call.status;
  const bool retained =
      !st.is_done() || st.has_failed() || (st.has_succeeded() && policy.cache_calls);
  push_call(work_path, call, rerun_not_before_us, retained, policy.max_cached_calls);
}

void Journal::push_call(const std::string& work, const runtime::CallRecord& call,
                        int64_t rerun_not_before_us, bool retained, uint64_t max_cached_calls) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_) return;
    // A dispatch brings a call's records one after the other (pending,
    // running, succeeded), each a change of the same row: while the writer
    // has not taken the last one, the new one replaces it in the queue. The
    // key and the work stay (the same call), the strings of the status reuse
    // their buffers, and the writer has one item less to turn into a row.
    if (last_call_ < queue_.size()) {
      auto* last = std::get_if<CallItem>(&queue_[last_call_]);
      if (last != nullptr && last->id == call.id && last->work == work) {
        last->status = call.status;
        last->final_failures = call.final_failures;
        last->rerun_not_before_us = rerun_not_before_us;
        last->retained = retained;
        last->max_cached_calls = max_cached_calls;
        ++pushed_;  // queued (and the writer woken) when the record it replaces was
        return;
      }
    }
    CallItem item;
    item.work = work;
    item.id = call.id;
    item.key = call.key;
    item.status = call.status;
    item.final_failures = call.final_failures;
    item.rerun_not_before_us = rerun_not_before_us;
    item.retained = retained;
    item.max_cached_calls = max_cached_calls;
    wake = push_locked(std::move(item));
    if (accepting_) last_call_ = queue_.size() - 1;
  }
  if (wake) wake_writer_.notify_one();
}

void Journal::push(Item item) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_) return;
    wake = push_locked(std::move(item));
  }
  if (wake) wake_writer_.notify_one();
}

bool Journal::push_locked(Item&& item) {
  if (queue_.size() >= options_.max_queued) {
    overflowed_ = true;
    accepting_ = false;
    return writer_waiting_ || lingering_;
  }
  queue_.push_back(std::move(item));
  ++pushed_;
  // Only an idle writer is woken (once: it stops being idle); a lingering
  // one commits at the end of its interval, or early at half the bound.
  const bool wake = writer_waiting_ || (lingering_ && queue_.size() == options_.max_queued / 2);
  writer_waiting_ = false;
  return wake;
}

void Journal::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!writer_.joinable()) return;
  const uint64_t target = pushed_;
  if (written_ >= target && hash_done_) return;
  ++flush_waiters_;
  wake_writer_.notify_one();  // a lingering writer commits now
  written_cv_.wait(lock, [&] { return written_ >= target && hash_done_; });
  --flush_waiters_;
}

Status Journal::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

Journal::Stats Journal::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

// ---------------------------------------------------------------- writer thread

void Journal::writer_main(JournalGroup first) {
  ::pthread_setname_np(::pthread_self(), "journal-writer");  // in top -H, perf, gdb
  // Behind the flow loop and the works: on few cores a busy writer otherwise
  // takes the CPU they wait for (bench_latency's state phase, 2 cores: +80%
  // at nice 0, +15% at nice 10; docs/design/journal.md "Numbers"). Its queue
  // absorbs the lag; past max_queued the journal stops, incomplete.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kWriterNice);
  first.snapshot = SnapshotRow{version_, detail::dump_json(state_)};
  last_snapshot_bytes_ = first.snapshot->state.size();
  commit(first);
  {
    std::lock_guard<std::mutex> lock(mu_);
    written_ = failed_ ? pushed_ : 1;
  }
  written_cv_.notify_all();

  std::vector<Item> items;
  items.reserve(kInitialQueueCapacity);
  for (;;) {
    uint64_t taken = 0;
    bool overflowed = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      writer_waiting_ = true;
      wake_writer_.wait(lock,
                        [&] { return !queue_.empty() || stopping_ || (overflowed_ && !failed_); });
      writer_waiting_ = false;
      if (options_.commit_interval.count() > 0 && !failed_) {
        // Group commit over time: more changes come while it waits.
        lingering_ = true;
        wake_writer_.wait_for(lock, options_.commit_interval, [&] {
          return stopping_ || flush_waiters_ > 0 || overflowed_ ||
                 queue_.size() >= options_.max_queued / 2;
        });
        lingering_ = false;
      }
      if (queue_.empty() && stopping_) break;
      items.swap(queue_);
      last_call_ = kNoCall;
      taken = pushed_;
      overflowed = overflowed_;
    }
    JournalGroup group;
    hash_in_group_ = false;
    if (!failed_ && build_group(items, group)) commit(group);
    items.clear();
    // After a burst, give the memory back (the queue may have held up to
    // max_queued changes); the usual handful keeps its capacity.
    if (items.capacity() > kKeptQueueCapacity) {
      std::vector<Item>().swap(items);
      items.reserve(kInitialQueueCapacity);
    }
    if (overflowed && !failed_) {
      fail(ResourceExhausted("the writer fell " + std::to_string(options_.max_queued) +
                             " changes behind (the disk is slower than the app's changes)"));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Once incomplete, whatever was queued meanwhile is dropped, not written.
      written_ = failed_ ? pushed_ : taken;
      if (failed_ || hash_in_group_) hash_done_ = true;
    }
    written_cv_.notify_all();
  }
  const Status closed = store_->close();
  if (!closed.ok() && !failed_) spdlog::warn("journal: {}", closed.message());
  {
    std::lock_guard<std::mutex> lock(mu_);
    written_ = pushed_;
  }
  written_cv_.notify_all();
}

bool Journal::build_group(std::vector<Item>& items, JournalGroup& group) {
  std::unordered_map<std::string, size_t> call_at;  // "<work>\n<id>" -> index in group.calls
  // The text of group.batches[0]'s patch: each batch's ops, dumped and
  // joined (one array, as dump_json of the ops in turn would be, without
  // copying them into one Json first).
  std::string merged;
  for (Item& item : items) {
    if (auto* item_batch = std::get_if<BatchItem>(&item)) {
      const runtime::StateBatch* b = item_batch->batch.get();
      if (b->first_version != version_ + 1 || b->last_version < b->first_version) {
        fail(Internal("the state batch " + std::to_string(b->first_version) + ".." +
                      std::to_string(b->last_version) + " does not follow version " +
                      std::to_string(version_)));
        return false;
      }
      try {
        state_.patch_inplace(b->patch);
      } catch (const std::exception& e) {
        fail(Internal("the state batch " + std::to_string(b->first_version) + ".." +
                      std::to_string(b->last_version) + " does not apply: " + e.what()));
        return false;
      }
      version_ = b->last_version;
      ++batches_since_snapshot_;
      // One row per commit: the batches' ops in order, as one patch (applying
      // them in turn is applying each batch in turn).
      if (group.batches.empty()) {
        group.batches.push_back(BatchRow{b->first_version, b->last_version, {}});
        merged = "[";
      }
      group.batches.back().last_version = b->last_version;
      if (!b->patch.empty()) {
        const std::string ops = detail::dump_json(b->patch);  // "[op,op]"
        if (merged.size() > 1) merged += ',';
        merged.append(ops, 1, ops.size() - 2);
      }
    } else if (auto* w = std::get_if<WorkItem>(&item)) {
      group.works.push_back(
          WorkRow{std::move(w->path), std::move(w->type), detail::dump_json(w->options)});
    } else if (auto* m = std::get_if<MetaItem>(&item)) {
      meta_.app_sha256 = std::move(m->app_sha256);
      group.meta = meta_;
      hash_in_group_ = true;
    } else {
      auto& c = std::get<CallItem>(item);
      // {"final_failures":n,"rerun_not_before_us":t,"status":{...}}: the
      // bytes dump_json of the object would give (keys in order), without
      // building it.
      std::string record = "{\"final_failures\":" + std::to_string(c.final_failures);
      if (c.rerun_not_before_us != 0)
        record += ",\"rerun_not_before_us\":" + std::to_string(c.rerun_not_before_us);
      record += ",\"status\":";
      record += detail::dump_json(c.status.to_json());
      record += '}';
      CallRow row{c.work,
                  c.id,
                  std::move(c.key),
                  c.status.is_done(),
                  c.retained,
                  std::move(record),
                  c.max_cached_calls};
      const auto [at, is_new] =
          call_at.emplace(c.work + "\n" + std::to_string(c.id), group.calls.size());
      if (is_new) {
        group.calls.push_back(std::move(row));
      } else {
        group.calls[at->second] = std::move(row);  // the latest word on this call
      }
    }
  }
  if (!group.batches.empty()) {
    merged += ']';
    group.batches.back().patch = std::move(merged);
    bytes_since_snapshot_ += group.batches.back().patch.size();
  }
  if (batches_since_snapshot_ >= options_.max_replay_batches ||
      bytes_since_snapshot_ >= std::max(options_.min_snapshot_bytes, last_snapshot_bytes_)) {
    group.snapshot = SnapshotRow{version_, detail::dump_json(state_)};
    last_snapshot_bytes_ = group.snapshot->state.size();
    batches_since_snapshot_ = 0;
    bytes_since_snapshot_ = 0;
    group.batches.clear();  // the snapshot covers them
  }
  return true;
}

void Journal::commit(JournalGroup& group) {
  if (failed_ || group.empty()) return;
  const Status st = store_->write(group);
  if (!st.ok()) {
    fail(st);
    return;
  }
  committed_version_ = version_;
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.commits;
  stats_.batches += group.batches.size();
  stats_.calls += group.calls.size();
  stats_.works += group.works.size();
  if (group.snapshot) ++stats_.snapshots;
}

void Journal::fail(const Status& cause) {
  if (failed_) return;
  failed_ = true;
  const Status st(cause.code(), "the journal " + where_ + " is incomplete after version " +
                                    std::to_string(committed_version_) + ": " + cause.message());
  spdlog::warn("{}; the app goes on without it", st.message());
  store_->mark_incomplete(cause.message());
  std::lock_guard<std::mutex> lock(mu_);
  status_ = st;
  accepting_ = false;
  hash_done_ = true;  // it will not be written either
  queue_.clear();     // dropped: nothing more is written
  last_call_ = kNoCall;
}

}  // namespace lightning::journal
