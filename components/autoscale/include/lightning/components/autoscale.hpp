// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// AutoScaler: N replicas of a serving work behind LoadBalancerWork, scaled
// between min and max on requests in flight or p95 latency
// (docs/components/autoscale.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lightning/components/load_balancer.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"

namespace lightning::components {

/// How AutoScaler scales. Durations in milliseconds. Checked at the flow's
/// first run (std::invalid_argument naming the field, which fails the app).
struct AutoScalerOptions {
  /// Replicas wanted at least / at most (0 <= min <= max, max >= 1).
  /// min 0 scales to zero: the last replica is stopped once no request came
  /// for scale_in_cooldown, and a request that arrives with none ready is
  /// held by the balancer (balancer.max_queued_requests, queue_timeout) while
  /// one is started for it at once.
  int min_replicas = 1, max_replicas = 4;
  /// Requests in flight per ready replica (mean over `window`, as the
  /// balancer measures it): above it, scale out to ceil(in_flight / target)
  /// replicas (at most max); below half of it, scale in by one. > 0.
  double target_in_flight = 4.0;
  /// > 0: also scale out by one when the balancer's p95 latency over `window`
  /// is above it (ms); scale-in then also needs p95 below half of it. 0: off.
  double max_p95_latency_ms = 0;
  /// The balancer's sliding window for in_flight_mean and p95 (>= 100 ms);
  /// the least time between two scale-outs; the least time after any scaling
  /// (and after the start) before a scale-in.
  std::chrono::milliseconds window{2000}, scale_out_cooldown{2000}, scale_in_cooldown{10000};
  /// Each replica must answer GET ready_path with 200 before it gets traffic
  /// (probed by the balancer).
  std::string ready_path = "/v2/health/ready";
  /// A replica not ready this long after its start is stopped and replaced.
  std::chrono::milliseconds ready_timeout{120000};
  /// Each replica's call args.
  lightning::Json replica_args = lightning::Json::object();
  /// Each replica's WorkOptions; parallel(true) and raise_exception(false)
  /// are forced (a replica that fails is replaced, it does not fail the app).
  lightning::WorkOptions replica_options;
  /// The balancer's limits and timeouts (its ready_path and window are the
  /// ones above).
  LoadBalancerOptions balancer;
};

/// The scaling rule, a pure function of the balancer's numbers and the time
/// (docs/components/autoscale.md, "The scaling rule"). Unit-tested alone.
struct ScalingInput {
  std::chrono::steady_clock::time_point now;
  int replicas = 0;            ///< wanted now (starting + ready)
  int ready = 0;               ///< answering ready_path, in the balancer's set
  double in_flight_mean = 0;   ///< all replicas together, mean over the window
  double p95_ms = 0;           ///< over the window
  size_t window_requests = 0;  ///< answered within the window
  size_t queued = 0;           ///< held by the balancer now: no replica ready
};
struct ScalingDecision {
  int delta = 0;       ///< > 0 scale out by this; < 0 scale in by -delta; 0 stay
  std::string reason;  ///< the rule and the numbers that caused it
};
class ScalingPolicy {
 public:
  /// `start`: cooldowns (and the idle time before a scale to zero) count
  /// from here before the first scaling.
  ScalingPolicy(const AutoScalerOptions& options, std::chrono::steady_clock::time_point start);
  /// Decides and, for a delta != 0, remembers the time (cooldowns); also
  /// remembers the last time it saw any request (scale to zero).
  ScalingDecision decide(const ScalingInput& in);

 private:
  AutoScalerOptions options_;
  std::chrono::steady_clock::time_point last_out_, last_scale_, last_busy_;
};

/// The lifecycle of each replica slot, driven by AutoScalerBase (a pure
/// state machine, unit-tested alone). A slot is reused after its work ended.
///   starting --(url published, balancer says ready)--> ready
///   ready --(scale in)--> draining --(balancer at that generation, 0 in flight)--> stopping
///   starting --(ready_timeout)--> stopping;  any --(work ended)--> free
class ReplicaSet {
 public:
  enum class Phase { kFree, kStarting, kReady, kDraining, kStopping };
  struct Replica {
    std::string name;
    Phase phase = Phase::kFree;
    std::string url;
    std::chrono::steady_clock::time_point started;
    uint64_t drain_generation = 0;  ///< the balancer generation that left it out
    uint64_t call_id = 0;           ///< its work's call (0 until one is queued)
  };
  /// The lowest free slot becomes `starting`; returns its index.
  size_t start(std::chrono::steady_clock::time_point now);
  void set_url(size_t i, std::string url);
  void set_call_id(size_t i, uint64_t id) { replicas_.at(i).call_id = id; }
  void mark_ready(size_t i);
  void start_drain(size_t i, uint64_t generation);
  void mark_stopping(size_t i);
  void free(size_t i);
  /// starting + ready; ready.
  int active() const;
  int ready() const;
  /// What the balancer routes to (or probes): starting ones with a URL, and ready ones.
  std::vector<std::pair<std::string, std::string>> members() const;
  /// The ready replica to drain: the one with the fewest requests in flight
  /// (`in_flight(name)`), the highest index on ties.
  int pick_to_drain(const std::function<int(const std::string&)>& in_flight) const;
  const std::vector<Replica>& replicas() const { return replicas_; }
  static std::string name_of(size_t i) { return "replica_" + std::to_string(i); }
  static const char* to_string(Phase p);

 private:
  std::vector<Replica> replicas_;
};

/// The flow: starts min_replicas replicas and the balancer (LoadBalancerWork,
/// child "balancer"), probes nothing itself (the balancer probes ready_path),
/// and once per run reads the balancer's report, moves replicas through their
/// phases (ReplicaSet), applies the ScalingPolicy and sends the balancer the
/// new set. Its parent calls run() from its own run(). Loop thread only.
///
///   auto& serve = add_flow<lc::AutoScaler<FashionServe>>("serve");
///   // in the parent's constructor or before its first run:
///   serve.options.replica_args = {{"model", path}};
///   // in the parent's run():
///   serve.run();
///   if (!serve.url().empty()) { /* clients use serve.url() */ }
///
/// Works made in run() (the replicas) are dynamic works: `--resume` makes
/// them again from the journal, and their calls run again in new processes
/// (docs/design/journal.md, "Resume").
class AutoScalerBase : public lightning::Flow {
 public:
  AutoScalerBase();
  ~AutoScalerBase() override;

  void run() override;

  /// Set before the first run().
  AutoScalerOptions options;

  /// The balancer's URL, what clients use ("" until it listens).
  const std::string& url() const { return url_.get(); }
  /// Replicas wanted now (starting + ready), and those ready.
  int replicas() const { return replicas_.get(); }
  int ready_replicas() const { return ready_replicas_.get(); }
  LoadBalancerWork& balancer() { return balancer_; }

 protected:
  /// Makes (or returns) the child work of replica slot `name`.
  virtual lightning::Work& make_replica(const std::string& name,
                                        const lightning::WorkOptions& options) = 0;

 private:
  void start_replica();
  void push_set(const char* why);
  lightning::Json replica_args() const;

  LoadBalancerWork& balancer_;
  lightning::State<std::string> url_{this, "url", ""};
  lightning::State<int> replicas_{this, "replicas", 0};
  lightning::State<int> ready_replicas_{this, "ready_replicas", 0};
  /// The latest scaling decision, with its numbers.
  lightning::State<std::string> last_decision_{this, "last_decision", ""};
  /// replica name -> phase ("starting", "ready", "draining", "stopping").
  lightning::State<lightning::Json> phases_{this, "phases", lightning::Json::object()};

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// AutoScalerBase whose replicas are works of type W (any Work that publishes
/// its URL with publish_url() and answers options.ready_path with 200 when it
/// can serve).
template <class W>
class AutoScaler : public AutoScalerBase {
 protected:
  lightning::Work& make_replica(const std::string& name,
                                const lightning::WorkOptions& options) override {
    return add_work<W>(name, options);
  }
};

}  // namespace lightning::components
