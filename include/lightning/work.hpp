// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "lightning/component.hpp"
#include "lightning/compute.hpp"
#include "lightning/status.hpp"

namespace lightning {

#define LIGHTNING_OPTION(type, name, init)     \
 public:                                       \
  auto& name(type value) {                     \
    name##_ = std::move(value);                \
    return *this;                              \
  }                                            \
  const type& name() const { return name##_; } \
                                               \
 private:                                      \
  type name##_ = init

// An option whose setter checks the value (check_<name>, in work.cpp) and
// throws std::invalid_argument, saying how to fix it, at the line that sets it.
#define LIGHTNING_CHECKED_OPTION(type, name, init) \
 public:                                           \
  auto& name(type value) {                         \
    check_##name(value);                           \
    name##_ = std::move(value);                    \
    return *this;                                  \
  }                                                \
  const type& name() const { return name##_; }     \
                                                   \
 private:                                          \
  static void check_##name(const type& value);     \
  type name##_ = init

/// How a work is called and supervised. Fluent setters, e.g.
///   WorkOptions().parallel(true).retries(2).timeout(std::chrono::seconds(30))
/// A setter given a value out of range throws std::invalid_argument with a
/// message that says the allowed range, e.g. `timeout(-1s)`.
class WorkOptions {
 public:
  using EnvMap = std::map<std::string, std::string>;

  /// Upper bounds; larger values are mistakes (and would overflow the clock arithmetic).
  static constexpr int kMaxRetries = 100;
  static constexpr std::chrono::milliseconds kMaxRetryBackoff = std::chrono::minutes(5);
  static constexpr std::chrono::milliseconds kMaxTimeout = std::chrono::hours(24 * 365);
  static constexpr std::chrono::milliseconds kMaxGracePeriod = std::chrono::hours(1);
  static constexpr int kMaxCachedCalls = 100'000'000;
  static constexpr std::chrono::milliseconds kMaxStartTimeout = std::chrono::hours(1);

  /// false (default): a flow that calls this work stops its run() there until
  /// the call is done (Lightning's parallel=False). true: the call returns at once.
  LIGHTNING_OPTION(bool, parallel, false);
  /// true (default): a call whose args already succeeded is not run again.
  LIGHTNING_OPTION(bool, cache_calls, true);
  /// Automatic re-runs of a failed call before it is reported failed; 0..100.
  LIGHTNING_CHECKED_OPTION(int, retries, 0);
  /// Delay before the first automatic retry; doubles for each further one.
  /// A call that finally failed and that the flow calls again re-runs after
  /// the same kind of backoff (doubling per final failure, at most 5 min).
  /// 0..5 min.
  LIGHTNING_CHECKED_OPTION(std::chrono::milliseconds, retry_backoff,
                           std::chrono::milliseconds(100));
  /// A call running longer than this fails with reason "timeout" (0 = none);
  /// at most 365 days.
  LIGHTNING_CHECKED_OPTION(std::chrono::milliseconds, timeout, std::chrono::milliseconds(0));
  /// true (default): a call that finally fails makes the whole app fail. false:
  /// the flow sees the failure in the first run after it; calling it again in a
  /// later run re-runs it (after the re-run backoff, see retry_backoff).
  LIGHTNING_OPTION(bool, raise_exception, true);
  /// How long a stopped work gets between SIGTERM and SIGKILL (0 = SIGKILL at
  /// once); at most 1 hour.
  LIGHTNING_CHECKED_OPTION(std::chrono::milliseconds, grace_period,
                           std::chrono::milliseconds(3000));
  /// How many done calls the controller remembers for this work: succeeded
  /// ones (what cache_calls answers from) and finally failed ones (what their
  /// re-run backoff lives in), together; 1..100,000,000, default 10,000.
  /// Past it the least recently used record is forgotten: calling those args
  /// again runs them again (with no re-run backoff left for a failure). Calls
  /// queued, running, retrying, the latest call, and a done call the flow has
  /// not yet seen (the observed-once rule) are never forgotten. Each record
  /// costs the controller about 0.5 KB with small args (measured: 493 B for a
  /// success, 587 B for a failure with a short message), plus twice the length
  /// of its args as text beyond that; a failure after a crash also keeps up to
  /// 50 lines of stderr. So the default bounds a work at ~5 MB with small args
  /// (docs/design/state-and-calls.md).
  LIGHTNING_CHECKED_OPTION(int, max_cached_calls, 10'000);
  /// How long the work's process may take from its launch to its connection
  /// to the controller before it is killed, and its call fails with reason
  /// "start_timeout" ("did not connect within 30 s (start_timeout)"); retried
  /// like any failure. 0 (default): the app's --start-timeout, 30 s unless
  /// given. At most 1 hour. Raise it for a work whose process does slow work
  /// before run() (static initialisers, a large library loaded at start).
  LIGHTNING_CHECKED_OPTION(std::chrono::milliseconds, start_timeout, std::chrono::milliseconds(0));
  /// Extra environment variables for the work's process. Names are POSIX
  /// names (letters, digits, '_', not starting with a digit); values hold no NUL.
  LIGHTNING_CHECKED_OPTION(EnvMap, env, {});
  /// What the work needs to run (lightning/compute.hpp): CPUs, memory, GPUs,
  /// an accelerator model, e.g. `compute(Compute().gpus(1).cpus(4))` or
  /// `compute(Compute::preset("gpu"))`. Default: nothing asked, the work runs
  /// anywhere (it counts as 1 CPU when works are packed onto workers). In a
  /// local run, a work asking for more than this machine has fails its call
  /// at once, with reason "start_failed" and a message saying what it asked
  /// and what the machine has (docs/design/scheduling.md).
  LIGHTNING_OPTION(Compute, compute, Compute());

 public:
  /// {"parallel", "cache_calls", "retries", "retry_backoff_ms", "timeout_ms",
  /// "max_cached_calls", "raise_exception", "grace_period_ms",
  /// "start_timeout_ms" (durations in milliseconds), "env", "compute"
  /// (Compute::to_json())}. What the journal keeps of a work made inside
  /// Flow::run(), so that `--resume` can make it again (docs/design/journal.md).
  Json to_json() const;
  /// The inverse of to_json(): every value goes through its setter's check;
  /// an absent key keeps its default. Throws std::invalid_argument, starting
  /// "WorkOptions::from_json: ", for a non-object, an unknown key, a value of
  /// the wrong JSON type, or a value a setter refuses (its own message).
  static WorkOptions from_json(const Json& j);
};

namespace detail {
class WorkRecord;
}

/// Does the work: each Work runs in its own OS process. Subclass it, declare
/// State fields, override run(). Must be default-constructible: any process
/// constructs it from (type name, options, state).
///
///   struct Counter : lightning::Work {
///     lightning::State<int> count{this, "count", 0};
///     void run(const lightning::Json& args) override {
///       for (int i = 0; i < args.at("n").get<int>(); ++i) count = count + 1;
///     }
///   };
///
/// From a flow, start it with call(): `counter.call({{"n", 10}})`.
class Work : public Component {
 public:
  /// The body. Runs in the work's own process, once per call. To end early
  /// and cleanly when the work is stopped (Work::stop(), a timeout, the app's
  /// shutdown, SIGTERM), check lightning::stop_requested() (lightning/stop.hpp).
  virtual void run(const Json& args) = 0;

  /// Called from a flow's run(): queues a call with `args` unless the same call
  /// is queued, running, or (with cache_calls) already succeeded; returns the
  /// status of that call. Never blocks the loop; a non-parallel work makes the
  /// calling flow's run() end here until the call is done.
  WorkStatus call(Json args = Json::object());

  /// Status of the latest call.
  const WorkStatus& status() const { return status_; }
  const WorkOptions& options() const { return options_; }
  /// Registered type name (how a process constructs it).
  const std::string& type_name() const { return type_name_; }
  /// Stops the running call and the process (status "stopped").
  void stop();

  /// Publishes the URL of something this work serves (a model server's
  /// address), from inside the work's process, e.g. in run(). It reaches the
  /// controller like a state change and shows as the work's "url" in the state
  /// tree, in GET /api/v1/components and in the dashboard's layout; the flow
  /// reads it as url() (its run() runs again when it changes). It is cleared
  /// when the work's process ends. Throws std::invalid_argument unless `url` is
  /// an absolute http:// or https:// URL of at most kMaxUrlLength characters,
  /// without spaces or control characters.
  ///
  ///   void run(const lightning::Json&) override {
  ///     server.listen(0);
  ///     publish_url("http://127.0.0.1:" + std::to_string(server.port()));
  ///     server.serve();
  ///   }
  void publish_url(const std::string& url);
  /// The URL the work's process published (publish_url()); empty when none.
  const std::string& url() const { return url_; }
  static constexpr size_t kMaxUrlLength = 2048;

  Json snapshot() const override;

 private:
  friend class Flow;
  friend class detail::Runtime;
  friend class detail::WorkRecord;
  friend struct ComponentAccess;

  WorkOptions options_;
  WorkStatus status_;
  std::string type_name_;
  std::string url_;
  detail::WorkRecord* record_ = nullptr;  // controller-side bookkeeping
  // Made by a resume from the journal, with the journaled options: the first
  // add_work() of this name in run() replaces them with the code's.
  bool options_from_journal_ = false;
};

}  // namespace lightning
