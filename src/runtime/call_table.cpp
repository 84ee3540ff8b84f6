// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/call_table.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/json_io.hpp"
#include "util/exponential_backoff.hpp"
#include "util/ids.hpp"

namespace lightning::runtime {

namespace {
// Longest wait before a finally failed call that the flow calls again re-runs.
constexpr std::chrono::milliseconds kMaxRerunBackoff{5 * 60 * 1000};

std::chrono::milliseconds ceil_ms(util::ClockInterface::Duration d) {
  return std::chrono::ceil<std::chrono::milliseconds>(d);
}

std::optional<WorkStage> stage_from_string(const std::string& s) {
  for (WorkStage st : {WorkStage::kNotStarted, WorkStage::kPending, WorkStage::kRunning,
                       WorkStage::kSucceeded, WorkStage::kFailed, WorkStage::kStopped}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

Result<WorkStatus> status_from_json(const Json& j) {
  if (!j.is_object()) return InvalidArgument("a call status must be an object");
  WorkStatus s;
  auto stage = stage_from_string(j.value("stage", ""));
  if (!stage) return InvalidArgument("unknown call stage '" + j.value("stage", "") + "'");
  s.stage = *stage;
  s.timestamp_us = j.value("timestamp_us", int64_t{0});
  s.call_id = j.value("call_id", uint64_t{0});
  s.attempt = j.value("attempt", 0);
  s.reason = j.value("reason", "");
  s.message = j.value("message", "");
  if (j.contains("exit_code")) s.exit_code = j.at("exit_code").get<int>();
  if (j.contains("signal")) s.signal = j.at("signal").get<int>();
  return s;
}
}  // namespace

CallTable::CallTable(util::ClockInterface& clock, CallPolicy policy, Hooks hooks)
    : clock_(clock),
      policy_(policy),
      hooks_(std::move(hooks)),
      retry_timer_(clock),
      timeout_timer_(clock) {}

CallTable::Seen CallTable::call(Json args, uint64_t run, bool accept_new) {
  Seen seen;
  if (run > last_run_) {
    last_run_ = run;
    ++runs_seen_;
  }
  std::string key = detail::dump_json(args);
  std::shared_ptr<CallRecord> c;
  CallRecord* replaced = nullptr;  // a done call that a new one replaces
  int failures_before = 0;
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    auto& prev = it->second;
    const WorkStatus& st = prev->status;
    bool keep = !st.is_done() || (st.has_succeeded() && policy_.cache_calls) ||
                prev->observed_in_run == 0 || prev->observed_in_run == run;
    if (!keep && st.has_failed()) {
      const auto now = clock_.now();
      if (now < prev->rerun_not_before) {
        keep = true;  // re-run once the backoff has passed: wake the flow then
        seen.wake_in = ceil_ms(prev->rerun_not_before - now);
      }
    }
    if (keep) {
      c = prev;
      if (st.is_done() && c->observed_in_run == 0) c->observed_in_run = run;
      touch(*c);
    } else {
      failures_before = prev->final_failures;
      replaced = prev.get();
    }
  }
  if (!c && accept_new) {
    c = std::make_shared<CallRecord>();
    c->id = next_call_id_++;
    c->args = std::move(args);
    c->key = std::move(key);
    c->status.call_id = c->id;
    c->status.attempt = 1;
    c->final_failures = failures_before;
    if (replaced != nullptr) drop_from_lru(*replaced);  // the new call takes its place
    by_key_[c->key] = c;
    queue_.push_back(c);
    std::shared_ptr<CallRecord> previous = std::move(latest_);
    latest_ = c;
    if (previous) forget_if_unneeded(*previous);
    set_status(*c, WorkStage::kPending);
    seen.is_new = true;
  }
  // A later run may have released records the flow could still observe.
  if (lru_.size() > policy_.max_cached_calls) evict_over_bound();
  seen.call = c.get();  // kept alive by by_key_ (or as latest_)
  return seen;
}

void CallTable::set_policy(const CallPolicy& policy) {
  policy_ = policy;
  if (lru_.size() > policy_.max_cached_calls) evict_over_bound();
}

CallRecord* CallTable::next_to_dispatch() {
  if (!current_) {
    if (queue_.empty()) return nullptr;
    current_ = queue_.front();
    queue_.pop_front();
  }
  if (retry_wait_ || current_->dispatched_on != 0) return nullptr;
  return current_.get();
}

void CallTable::mark_dispatched(uint64_t process_id) {
  if (current_) current_->dispatched_on = process_id;
}

void CallTable::wait_for_resources(std::string message) {
  if (!current_ || current_->status.stage != WorkStage::kPending) return;
  if (current_->status.reason == reason::kWaitingForResources &&
      current_->status.message == message) {
    return;
  }
  set_status(*current_, WorkStage::kPending, std::string(reason::kWaitingForResources),
             std::move(message));
}

void CallTable::start_current() {
  if (!current_) return;
  set_status(*current_, WorkStage::kRunning);
  if (policy_.timeout.count() > 0) {
    const uint64_t call_id = current_->id;
    timeout_timer_.start(policy_.timeout, "CallTable.CallTimeout", [this, call_id] {
      if (!current_ || current_->id != call_id) return;
      ended_in_flight_ = {current_->dispatched_on, call_id};
      hooks_.timed_out(call_id, policy_.timeout);
    });
  }
}

void CallTable::succeed_current() {
  if (!current_) return;
  timeout_timer_.cancel();
  auto c = std::move(current_);
  set_status(*c, WorkStage::kSucceeded);
}

CallTable::FailOutcome CallTable::fail_current(std::string reason, std::string message,
                                               bool may_retry, std::optional<int> exit_code,
                                               std::optional<int> signal) {
  FailOutcome out;
  if (!current_) return out;
  auto c = current_;
  timeout_timer_.cancel();
  c->dispatched_on = 0;
  c->waiting_on = 0;
  const util::ExponentialBackoff backoff(policy_.retry_backoff, kMaxRerunBackoff);
  if (may_retry && c->status.attempt - c->uncharged_attempts <= policy_.retries) {
    out.retrying = true;
    out.retry_in = util::ExponentialBackoff(policy_.retry_backoff).nth(c->status.attempt - 1);
    const int failed_attempt = c->status.attempt++;
    set_status(
        *c, WorkStage::kPending, std::string(reason::kRetrying),
        "attempt " + std::to_string(failed_attempt) + " failed (" + reason + "): " + message);
    retry_wait_ = true;
    retry_timer_.start(out.retry_in, "CallTable.Retry", [this] {
      retry_wait_ = false;
      hooks_.retry_due();
    });
    return out;
  }
  c->status.exit_code = exit_code;
  c->status.signal = signal;
  c->final_failures++;
  c->rerun_not_before = clock_.now() + backoff.nth(c->final_failures - 1);
  current_.reset();
  set_status(*c, WorkStage::kFailed, std::move(reason), std::move(message));
  return out;
}

void CallTable::interrupt_current(const std::string& message) {
  if (!current_) return;
  auto c = current_;
  timeout_timer_.cancel();
  c->dispatched_on = 0;
  c->waiting_on = 0;
  const int interrupted = c->status.attempt++;
  c->uncharged_attempts++;
  set_status(*c, WorkStage::kPending, std::string(reason::kRetrying),
             "attempt " + std::to_string(interrupted) + " interrupted (" + message +
                 "); it runs again, not counted against its retries");
  // Dispatched again from the loop, as a retry is (never from inside the caller).
  retry_wait_ = true;
  retry_timer_.start(std::chrono::milliseconds(0), "CallTable.Interrupted", [this] {
    retry_wait_ = false;
    hooks_.retry_due();
  });
}

void CallTable::stop_all(const std::string& message) {
  retry_timer_.cancel();
  timeout_timer_.cancel();
  retry_wait_ = false;
  auto current = std::move(current_);
  auto queue = std::move(queue_);
  queue_.clear();
  if (current && current->dispatched_on != 0)
    ended_in_flight_ = {current->dispatched_on, current->id};
  if (current) set_status(*current, WorkStage::kStopped, std::string(reason::kStopped), message);
  for (auto& c : queue) {
    set_status(*c, WorkStage::kStopped, std::string(reason::kStopped), message);
  }
}

void CallTable::set_status(CallRecord& c, WorkStage stage, std::string reason,
                           std::string message) {
  c.status.stage = stage;
  c.status.timestamp_us = util::now_unix_us();
  c.status.reason = std::move(reason);
  c.status.message = std::move(message);
  if (stage != WorkStage::kFailed) {
    c.status.exit_code.reset();
    c.status.signal.reset();
  }
  if (c.status.is_done()) {
    c.observed_in_run = 0;
    c.done_after_runs = runs_seen_;
    c.args = Json();  // only needed to dispatch; the key keeps the identity
  }
  hooks_.status_changed(c, latest_.get() == &c);
  forget_if_unneeded(c);  // last: it may free c (or an older record)
}

void CallTable::forget_if_unneeded(const CallRecord& c) {
  // A done call that is neither a cached success nor a failure (whose re-run
  // backoff lives in the record), and that is no longer the work's latest
  // call, has nothing left to tell: drop it, or a flow calling with ever-new
  // args would grow the controller by a record per call.
  const WorkStatus& st = c.status;
  if (!st.is_done()) return;
  auto it = by_key_.find(c.key);
  const bool indexed = it != by_key_.end() && it->second.get() == &c;
  const bool kept = st.has_failed() || (st.has_succeeded() && policy_.cache_calls);
  if (kept) {
    if (indexed && !c.in_lru) {  // just done: the most recently used
      CallRecord& r = *it->second;
      r.lru_pos = lru_.insert(lru_.end(), &r);
      r.in_lru = true;
      if (lru_.size() > policy_.max_cached_calls) evict_over_bound();  // may free c
    }
    return;
  }
  if (latest_.get() == &c) return;
  if (indexed) by_key_.erase(it);  // may free c
}

void CallTable::touch(CallRecord& c) {
  if (c.in_lru) lru_.splice(lru_.end(), lru_, c.lru_pos);
}

void CallTable::drop_from_lru(CallRecord& c) {
  if (!c.in_lru) return;
  lru_.erase(c.lru_pos);
  c.in_lru = false;
}

bool CallTable::may_evict(const CallRecord& c) const {
  // The latest call drives Work::status(); one called in this run may be
  // called again in it (and call() is returning it right now).
  if (latest_.get() == &c || c.observed_in_run == last_run_) return false;
  // Observed-once: a done call is the flow's to observe in the first run
  // that calls this work after its end; only a run after that one lets it go
  // unobserved. (Runs that do not call this work do not count.)
  const bool maybe_unobserved = c.observed_in_run == 0 && runs_seen_ <= c.done_after_runs + 1;
  return !maybe_unobserved;
}

void CallTable::evict_over_bound() {
  auto it = lru_.begin();
  while (lru_.size() > policy_.max_cached_calls && it != lru_.end()) {
    CallRecord* c = *it;
    if (!may_evict(*c)) {
      ++it;
      continue;
    }
    it = lru_.erase(it);
    c->in_lru = false;
    auto found = by_key_.find(c->key);
    if (found != by_key_.end() && found->second.get() == c) by_key_.erase(found);  // frees c
  }
}

// ---------------------------------------------------------------- save/restore

Json CallTable::save() const {
  const auto now = clock_.now();
  std::vector<std::pair<const CallRecord*, bool>> records;  // record, indexed by key
  std::unordered_set<const CallRecord*> seen;
  auto add = [&](const std::shared_ptr<CallRecord>& c, bool indexed) {
    if (c && seen.insert(c.get()).second) records.emplace_back(c.get(), indexed);
  };
  for (const auto& [key, c] : by_key_) add(c, true);
  for (const auto& c : queue_) add(c, false);
  add(current_, false);
  add(latest_, false);
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.first->id < b.first->id; });
  Json calls = Json::array();
  for (const auto& [c, indexed] : records) {
    WorkStatus status = c->status;
    if (status.is_running()) status.stage = WorkStage::kPending;  // its process is not saved
    Json j{{"id", c->id},
           {"key", c->key},
           {"status", status.to_json()},
           {"final_failures", c->final_failures},
           {"indexed", indexed}};
    if (!c->args.is_null()) j["args"] = c->args;
    if (c->rerun_not_before > now) j["rerun_in_ms"] = ceil_ms(c->rerun_not_before - now).count();
    calls.push_back(std::move(j));
  }
  Json queue = Json::array();
  for (const auto& c : queue_) queue.push_back(c->id);
  Json out{
      {"next_call_id", next_call_id_}, {"calls", std::move(calls)}, {"queue", std::move(queue)}};
  if (current_) out["current"] = current_->id;
  if (latest_) out["latest"] = latest_->id;
  if (retry_wait_) out["retry_wait"] = true;
  Json lru = Json::array();
  for (const CallRecord* c : lru_) lru.push_back(c->id);
  out["lru"] = std::move(lru);
  return out;
}

void CallTable::for_each_record(const std::function<void(const CallRecord&)>& fn) const {
  std::unordered_set<const CallRecord*> seen;
  auto visit = [&](const std::shared_ptr<CallRecord>& c) {
    if (c && seen.insert(c.get()).second) fn(*c);
  };
  for (const auto& [key, c] : by_key_) visit(c);
  for (const auto& c : queue_) visit(c);
  visit(current_);
  visit(latest_);
}

Status CallTable::restore(const Json& saved) {
  // Build everything aside first, then swap: a bad record changes nothing.
  std::unordered_map<uint64_t, std::shared_ptr<CallRecord>> by_id;
  std::unordered_map<std::string, std::shared_ptr<CallRecord>> by_key;
  std::deque<std::shared_ptr<CallRecord>> queue;
  std::shared_ptr<CallRecord> current, latest;
  std::vector<CallRecord*> lru_order;  // from "lru"; absent in older saves: by id
  uint64_t next_call_id = 1;
  const auto now = clock_.now();
  try {
    if (!saved.is_object()) return InvalidArgument("a saved call table must be an object");
    next_call_id = saved.at("next_call_id").get<uint64_t>();
    for (const Json& j : saved.at("calls")) {
      auto c = std::make_shared<CallRecord>();
      c->id = j.at("id").get<uint64_t>();
      c->key = j.at("key").get<std::string>();
      if (j.contains("args")) c->args = j.at("args");
      auto status = status_from_json(j.at("status"));
      if (!status.ok()) return status.status().with_context("call " + std::to_string(c->id));
      c->status = std::move(*status);
      c->final_failures = j.value("final_failures", 0);
      if (j.contains("rerun_in_ms")) {
        c->rerun_not_before = now + std::chrono::milliseconds(j.at("rerun_in_ms").get<int64_t>());
      }
      if (c->id == 0 || c->id >= next_call_id || !by_id.emplace(c->id, c).second) {
        return InvalidArgument("call id " + std::to_string(c->id) + " is repeated or out of range");
      }
      if (j.value("indexed", false)) by_key[c->key] = c;
    }
    auto find = [&](const Json& id) -> std::shared_ptr<CallRecord> {
      auto it = by_id.find(id.get<uint64_t>());
      return it == by_id.end() ? nullptr : it->second;
    };
    for (const Json& id : saved.at("queue")) {
      auto c = find(id);
      if (!c) return InvalidArgument("queued call " + id.dump() + " is not among the calls");
      queue.push_back(std::move(c));
    }
    if (saved.contains("current") && !(current = find(saved.at("current")))) {
      return InvalidArgument("the current call is not among the calls");
    }
    if (saved.contains("latest") && !(latest = find(saved.at("latest")))) {
      return InvalidArgument("the latest call is not among the calls");
    }
    if (saved.contains("lru")) {
      for (const Json& id : saved.at("lru")) {
        auto c = find(id);
        if (!c || !c->status.is_done() || by_key.count(c->key) == 0 || by_key.at(c->key) != c) {
          return InvalidArgument("LRU entry " + id.dump() + " is not a done, indexed call");
        }
        lru_order.push_back(c.get());
      }
    }
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("malformed saved call table: ") + e.what());
  }
  for (auto& [id, c] : by_id) {
    // The new run counts flow runs from zero, and no process has any call.
    c->observed_in_run = 0;
    c->dispatched_on = 0;
    c->waiting_on = 0;
    if (c->status.is_running()) c->status.stage = WorkStage::kPending;
  }
  {
    // Done records the save does not list (all of them in older saves): by
    // id, after the listed ones.
    const std::unordered_set<CallRecord*> listed(lru_order.begin(), lru_order.end());
    std::vector<CallRecord*> unlisted;
    for (auto& [key, c] : by_key) {
      if (c->status.is_done() && listed.count(c.get()) == 0) unlisted.push_back(c.get());
    }
    std::sort(unlisted.begin(), unlisted.end(),
              [](const CallRecord* a, const CallRecord* b) { return a->id < b->id; });
    lru_order.insert(lru_order.end(), unlisted.begin(), unlisted.end());
  }
  retry_timer_.cancel();
  timeout_timer_.cancel();
  lru_.clear();
  for (CallRecord* c : lru_order) {
    if (c->in_lru) continue;  // listed twice
    c->lru_pos = lru_.insert(lru_.end(), c);
    c->in_lru = true;
  }
  // The new run counts flow runs from zero: every restored done call is
  // unobserved, so protected until the second run calls this work.
  last_run_ = 0;
  runs_seen_ = 0;
  for (CallRecord* c : lru_order) c->done_after_runs = 0;
  ended_in_flight_ = {};  // process ids belong to the run that saved the table
  next_call_id_ = next_call_id;
  by_key_ = std::move(by_key);
  queue_ = std::move(queue);
  current_ = std::move(current);
  latest_ = std::move(latest);
  // A retry that was waiting is due again after a fresh backoff of its attempt.
  retry_wait_ = false;
  if (saved.value("retry_wait", false) && current_) {
    retry_wait_ = true;
    const auto delay =
        util::ExponentialBackoff(policy_.retry_backoff).nth(current_->status.attempt - 2);
    retry_timer_.start(delay, "CallTable.Retry", [this] {
      retry_wait_ = false;
      hooks_.retry_due();
    });
  }
  if (lru_.size() > policy_.max_cached_calls) evict_over_bound();
  return Status::Ok();
}

}  // namespace lightning::runtime
