// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "lightning/json.hpp"
#include "lightning/status.hpp"
#include "util/clock.hpp"
#include "util/status.hpp"

namespace lightning::runtime {

/// One call of a work, as the controller tracks it.
struct CallRecord {
  uint64_t id = 0;
  Json args;
  std::string key;  ///< args.dump(): calls with equal args are the same call
  WorkStatus status;
  uint64_t observed_in_run = 0;  ///< flow run that first saw it done (0: not yet)
  uint64_t dispatched_on = 0;    ///< process id it was sent to (0: not sent)
  /// Process id of the launch it waits for to be sent (0: none): only that
  /// process failing to start fails it.
  uint64_t waiting_on = 0;
  /// Final failures of calls with these args so far; calling them again
  /// re-runs them, but not before rerun_not_before (exponential backoff, so a
  /// flow that calls unconditionally backs off like a crash loop, not a spin).
  int final_failures = 0;
  /// Attempts interrupted by their node's drain (interrupt_current): not
  /// counted against CallPolicy::retries.
  int uncharged_attempts = 0;
  util::ClockInterface::TimePoint rerun_not_before{};
  /// How many distinct flow runs had called the work when the call ended:
  /// until two more have, the flow may still be about to observe it (the next
  /// one to call the work may call these args anywhere in it), so it is not evicted.
  uint64_t done_after_runs = 0;
  /// Its place in the table's LRU of done records (valid while in_lru).
  std::list<CallRecord*>::iterator lru_pos;
  bool in_lru = false;
};

/// What the table needs from a work's options.
struct CallPolicy {
  bool cache_calls = true;
  int retries = 0;
  std::chrono::milliseconds retry_backoff{100};
  std::chrono::milliseconds timeout{0};  ///< 0: none
  /// Done records kept (succeeded for the cache, failed for the re-run backoff).
  size_t max_cached_calls = 10000;
};

/// The call semantics of one work (docs/design/state-and-calls.md): the
/// queue of calls, dedupe by args, cache_calls, automatic retries with
/// exponential backoff, the call timeout, the re-run backoff of finally
/// failed calls, and forgetting records nobody needs: a done record that is
/// neither a cached success nor a failure goes at once; cached successes and
/// failures share one LRU bounded by CallPolicy::max_cached_calls, so a work
/// called with ever-new args keeps at most that many (493 B each with small
/// args, measured; docs/design/state-and-calls.md). Eviction skips the latest
/// call and a done call the flow may not have observed yet (until two distinct
/// flow runs have called this work after its end). No I/O: it decides, and
/// tells its owner through Hooks; the owner dispatches and talks to processes.
/// Owned by the controller (one per work); lives on the controller's loop
/// thread; takes the clock for its backoffs and timeout.
///
///   CallTable calls(clock, policy, hooks);
///   auto seen = calls.call(args, run, /*accept_new=*/true);   // in Flow::run
///   if (CallRecord* c = calls.next_to_dispatch()) { send(*c); calls.mark_dispatched(pid); }
class CallTable {
 public:
  struct Hooks {
    /// A call's status changed; `is_latest`: it is the call Work::status() shows.
    std::function<void(const CallRecord& call, bool is_latest)> status_changed;
    /// A retry's backoff has passed: the current call can be dispatched again.
    std::function<void()> retry_due;
    /// The running call ran past its timeout (the owner stops its process and
    /// calls fail_current).
    std::function<void(uint64_t call_id, std::chrono::milliseconds timeout)> timed_out;
  };

  /// What Work::call() gets.
  struct Seen {
    const CallRecord* call = nullptr;  ///< null: no call (a new one was not accepted)
    bool is_new = false;
    /// A failed call called again before its re-run backoff: wake the flow then.
    std::optional<std::chrono::milliseconds> wake_in;
  };

  struct FailOutcome {
    bool retrying = false;
    std::chrono::milliseconds retry_in{0};
  };

  CallTable(util::ClockInterface& clock, CallPolicy policy, Hooks hooks);
  CallTable(const CallTable&) = delete;
  CallTable& operator=(const CallTable&) = delete;

  /// Replaces the policy (the work's WorkOptions were replaced: a work a
  /// resume made from the journal, asked for again by run()). Later decisions
  /// follow it; a call already running keeps the timeout it started with;
  /// done records past a lower max_cached_calls are forgotten now.
  void set_policy(const CallPolicy& policy);

  /// The flow called the work with `args` during flow run `run`: the same
  /// call as before (in flight, cached, or done and not yet seen by a later
  /// run), or a new one queued as pending when `accept_new`.
  Seen call(Json args, uint64_t run, bool accept_new);

  /// The call to send now, or null: the head of the queue becomes current;
  /// null while current is dispatched or waits for its retry.
  CallRecord* next_to_dispatch();
  void mark_dispatched(uint64_t process_id);
  /// The work reported that the current call started: running; arms the timeout.
  void start_current();
  /// The current call's process waits for resources: still pending, with
  /// reason "waiting_for_resources" and `message` saying which.
  void wait_for_resources(std::string message);
  void succeed_current();
  /// Fails the current call: retried after its backoff while attempts are
  /// left and `may_retry`, else failed (with exit code/signal) and its re-run
  /// backoff starts.
  FailOutcome fail_current(std::string reason, std::string message, bool may_retry,
                           std::optional<int> exit_code = {}, std::optional<int> signal = {});
  /// The current call's node went away in order (Slurm's SIGTERM before the
  /// time limit, a pre-emption): it is pending again (reason "retrying",
  /// `message` says why) and runs again in a new process at once, without
  /// using one of its retries. No-op when there is no current call.
  void interrupt_current(const std::string& message);
  /// Stops the current and every queued call with reason "stopped".
  void stop_all(const std::string& message);

  /// Whether call `call_id` was in flight on process `process_id` when this
  /// table ended it without the process's word (stop_all(), or its timeout):
  /// a CallStarted or CallFinished for it that comes afterwards is late, and
  /// expected, not a protocol error. Remembers the latest such call only (a
  /// work has one call in flight, and a stopped process gets no other).
  bool ended_while_in_flight(uint64_t process_id, uint64_t call_id) const {
    return process_id != 0 && ended_in_flight_.process_id == process_id &&
           ended_in_flight_.call_id == call_id;
  }

  /// In flight or waiting for a retry; null when idle.
  const CallRecord* current() const { return current_.get(); }
  bool is_waiting_to_retry() const { return retry_wait_; }
  /// The call Work::status() shows; null before the first call.
  const CallRecord* latest() const { return latest_.get(); }
  size_t queued() const { return queue_.size(); }
  /// Records kept (for dedupe, cache and re-run backoff): the calls queued or
  /// in flight plus at most max_cached_calls done ones (a few more while the
  /// flow has not yet observed them).
  size_t remembered() const { return by_key_.size(); }
  /// Done records in the LRU (cached successes and failures).
  size_t cached() const { return lru_.size(); }

  /// Calls `fn` once for each record the table holds (queued, current,
  /// latest and every remembered one), in no particular order.
  void for_each_record(const std::function<void(const CallRecord&)>& fn) const;

  /// Everything needed to carry on after a restart (the journal's record).
  /// Calls that were in flight come back pending, not dispatched; waits
  /// (retry, re-run backoff) are saved as what is left of them; the LRU order
  /// of done records is kept ("lru": ids, least recently used first).
  Json save() const;
  /// Replaces the table's contents with `saved`, all or nothing; then evicts
  /// down to max_cached_calls if the saved table had more.
  Status restore(const Json& saved);

 private:
  void set_status(CallRecord& c, WorkStage stage, std::string reason = {},
                  std::string message = {});
  void forget_if_unneeded(const CallRecord& c);
  /// A record in the LRU was used: it moves to the most recently used end.
  void touch(CallRecord& c);
  void drop_from_lru(CallRecord& c);
  bool may_evict(const CallRecord& c) const;
  /// Forgets least recently used done records past max_cached_calls.
  void evict_over_bound();

  util::ClockInterface& clock_;
  CallPolicy policy_;
  Hooks hooks_;
  uint64_t next_call_id_ = 1;
  std::unordered_map<std::string, std::shared_ptr<CallRecord>> by_key_;  // latest call per args
  std::deque<std::shared_ptr<CallRecord>> queue_;                        // not yet started
  std::shared_ptr<CallRecord> current_;                                  // in flight or retrying
  std::shared_ptr<CallRecord> latest_;                                   // drives Work::status()
  std::list<CallRecord*> lru_;  // done records in by_key_, least recently used first
  uint64_t last_run_ = 0;       // the latest flow run that called this work
  uint64_t runs_seen_ = 0;      // distinct flow runs that called this work
  bool retry_wait_ = false;
  struct InFlight {
    uint64_t process_id = 0;
    uint64_t call_id = 0;
  };
  InFlight ended_in_flight_;  // see ended_while_in_flight()
  util::Timer retry_timer_;
  util::Timer timeout_timer_;
};

}  // namespace lightning::runtime
