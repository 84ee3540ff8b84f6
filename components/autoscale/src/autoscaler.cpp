// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <utility>

#include "lightning/components/autoscale.hpp"

namespace lightning::components {

using SteadyClock = std::chrono::steady_clock;

namespace {

std::string fmt2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

void check_options(const AutoScalerOptions& o) {
  auto bad = [](const std::string& what) {
    throw std::invalid_argument("AutoScalerOptions: " + what);
  };
  if (o.min_replicas < 0) bad("min_replicas must be >= 0, got " + std::to_string(o.min_replicas));
  if (o.max_replicas < 1 || o.max_replicas < o.min_replicas) {
    bad("max_replicas must be >= 1 and >= min_replicas (" + std::to_string(o.min_replicas) +
        "), got " + std::to_string(o.max_replicas));
  }
  if (o.max_replicas > 1000) bad("max_replicas must be <= 1000");
  if (!(o.target_in_flight > 0))
    bad("target_in_flight must be > 0, got " + fmt2(o.target_in_flight));
  if (o.max_p95_latency_ms < 0) bad("max_p95_latency_ms must be >= 0 (0 turns it off)");
  if (o.window.count() < 100) bad("window must be >= 100 ms");
  if (o.scale_out_cooldown.count() < 0 || o.scale_in_cooldown.count() < 0) {
    bad("cooldowns must be >= 0 ms");
  }
  if (o.ready_timeout.count() <= 0) bad("ready_timeout must be > 0 ms");
  if (o.ready_path.empty() || o.ready_path[0] != '/') {
    bad("ready_path must start with '/', got '" + o.ready_path + "'");
  }
  // The balancer's own checks, here at the first run rather than in its process.
  LoadBalancerOptions::from_json(o.balancer.to_json());
}

}  // namespace

// ---------------------------------------------------------------- policy

ScalingPolicy::ScalingPolicy(const AutoScalerOptions& options, SteadyClock::time_point start)
    : options_(options), last_out_(start), last_scale_(start), last_busy_(start) {}

ScalingDecision ScalingPolicy::decide(const ScalingInput& in) {
  const AutoScalerOptions& o = options_;
  ScalingDecision d;
  if (in.replicas < o.min_replicas) {
    d.delta = o.min_replicas - in.replicas;
    d.reason = "below min_replicas: " + std::to_string(in.replicas) + " < " +
               std::to_string(o.min_replicas);
  } else if (in.replicas > o.max_replicas) {
    d.delta = o.max_replicas - in.replicas;
    d.reason = "above max_replicas: " + std::to_string(in.replicas) + " > " +
               std::to_string(o.max_replicas);
  }
  const bool idle = in.queued == 0 && in.window_requests == 0 && in.in_flight_mean <= 0;
  if (!idle) last_busy_ = in.now;
  if (d.delta == 0 && in.replicas == 0 && in.queued > 0) {
    // Scale from zero: requests wait in the balancer for a replica.
    d.delta = 1;
    d.reason =
        "scale from zero 0 -> 1: " + std::to_string(in.queued) + " request(s) held by the balancer";
    last_scale_ = in.now;
  }
  if (d.delta != 0) return d;   // a correction, not a measured scaling: no cooldown
  if (in.ready == 0) return d;  // nothing measured yet
  const double per_ready = in.in_flight_mean / in.ready;
  const std::string numbers =
      "in_flight_mean " + fmt2(in.in_flight_mean) + " over " + std::to_string(in.ready) +
      " ready = " + fmt2(per_ready) + " per replica (target " + fmt2(o.target_in_flight) +
      "), p95 " + fmt2(in.p95_ms) + " ms over " + std::to_string(in.window_requests) + " requests";
  const bool out_cooled = in.now - last_out_ >= o.scale_out_cooldown;
  if (in.replicas < o.max_replicas && out_cooled) {
    if (per_ready > o.target_in_flight) {
      const int want = static_cast<int>(std::ceil(in.in_flight_mean / o.target_in_flight));
      const int to = std::clamp(want, in.replicas + 1, o.max_replicas);
      d.delta = to - in.replicas;
      d.reason =
          "scale out " + std::to_string(in.replicas) + " -> " + std::to_string(to) + ": " + numbers;
    } else if (o.max_p95_latency_ms > 0 && in.window_requests > 0 &&
               in.p95_ms > o.max_p95_latency_ms) {
      d.delta = 1;
      d.reason = "scale out " + std::to_string(in.replicas) + " -> " +
                 std::to_string(in.replicas + 1) + ": p95 above max_p95_latency_ms " +
                 fmt2(o.max_p95_latency_ms) + ": " + numbers;
    }
    if (d.delta > 0) {
      last_out_ = last_scale_ = in.now;
      return d;
    }
  }
  const bool in_cooled = in.now - last_scale_ >= o.scale_in_cooldown;
  const bool latency_ok = o.max_p95_latency_ms <= 0 || in.p95_ms <= o.max_p95_latency_ms / 2;
  if (in.replicas == 1 && o.min_replicas == 0) {
    // Scale to zero: only after no request at all for scale_in_cooldown.
    if (idle && in.ready == 1 && in_cooled && in.now - last_busy_ >= o.scale_in_cooldown) {
      d.delta = -1;
      d.reason =
          "scale to zero 1 -> 0: no request for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(in.now - last_busy_).count()) +
          " ms (scale_in_cooldown " + std::to_string(o.scale_in_cooldown.count()) + " ms)";
      last_scale_ = in.now;
    }
    return d;
  }
  if (in.replicas > o.min_replicas && in.replicas == in.ready && in_cooled && latency_ok &&
      per_ready < o.target_in_flight / 2) {
    d.delta = -1;
    d.reason = "scale in " + std::to_string(in.replicas) + " -> " +
               std::to_string(in.replicas - 1) + ": " + numbers;
    last_scale_ = in.now;
  }
  return d;
}

// ---------------------------------------------------------------- replica set

const char* ReplicaSet::to_string(Phase p) {
  switch (p) {
    case Phase::kFree:
      return "free";
    case Phase::kStarting:
      return "starting";
    case Phase::kReady:
      return "ready";
    case Phase::kDraining:
      return "draining";
    case Phase::kStopping:
      return "stopping";
  }
  return "?";
}

size_t ReplicaSet::start(SteadyClock::time_point now) {
  size_t i = 0;
  while (i < replicas_.size() && replicas_[i].phase != Phase::kFree) ++i;
  if (i == replicas_.size()) replicas_.emplace_back();
  Replica& r = replicas_[i];
  r = Replica{};
  r.name = name_of(i);
  r.phase = Phase::kStarting;
  r.started = now;
  return i;
}

void ReplicaSet::set_url(size_t i, std::string url) { replicas_.at(i).url = std::move(url); }

void ReplicaSet::mark_ready(size_t i) {
  if (replicas_.at(i).phase != Phase::kStarting) {
    throw std::logic_error("ReplicaSet: only a starting replica can become ready");
  }
  replicas_[i].phase = Phase::kReady;
}

void ReplicaSet::start_drain(size_t i, uint64_t generation) {
  if (replicas_.at(i).phase != Phase::kReady) {
    throw std::logic_error("ReplicaSet: only a ready replica can drain");
  }
  replicas_[i].phase = Phase::kDraining;
  replicas_[i].drain_generation = generation;
}

void ReplicaSet::mark_stopping(size_t i) { replicas_.at(i).phase = Phase::kStopping; }

void ReplicaSet::free(size_t i) {
  replicas_.at(i).phase = Phase::kFree;
  replicas_[i].url.clear();
}

int ReplicaSet::active() const {
  return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(), [](const Replica& r) {
    return r.phase == Phase::kStarting || r.phase == Phase::kReady;
  }));
}

int ReplicaSet::ready() const {
  return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(),
                                        [](const Replica& r) { return r.phase == Phase::kReady; }));
}

std::vector<std::pair<std::string, std::string>> ReplicaSet::members() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Replica& r : replicas_) {
    if ((r.phase == Phase::kStarting && !r.url.empty()) || r.phase == Phase::kReady) {
      out.emplace_back(r.name, r.url);
    }
  }
  return out;
}

int ReplicaSet::pick_to_drain(const std::function<int(const std::string&)>& in_flight) const {
  int best = -1;
  int best_load = 0;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    if (replicas_[i].phase != Phase::kReady) continue;
    const int load = in_flight(replicas_[i].name);
    if (best < 0 || load <= best_load) {
      best = static_cast<int>(i);
      best_load = load;
    }
  }
  return best;
}

// ---------------------------------------------------------------- the flow

struct AutoScalerBase::Impl {
  bool started = false;
  std::optional<ScalingPolicy> policy;
  ReplicaSet set;
  std::vector<Work*> works;  // by slot
  int desired = 0;
  uint64_t generation = 0;  // of the set last sent to the balancer
  Json balancer_args;
};

AutoScalerBase::AutoScalerBase()
    : balancer_(add_work<LoadBalancerWork>(
          "balancer", WorkOptions().parallel(true).raise_exception(false).max_cached_calls(16))),
      impl_(std::make_unique<Impl>()) {}

AutoScalerBase::~AutoScalerBase() = default;

void AutoScalerBase::start_replica() {
  const auto now = SteadyClock::now();
  const size_t i = impl_->set.start(now);
  const std::string& name = impl_->set.replicas()[i].name;
  WorkOptions wo = options.replica_options;
  wo.parallel(true).raise_exception(false);
  Work& w = make_replica(name, wo);
  if (impl_->works.size() <= i) impl_->works.resize(i + 1, nullptr);
  impl_->works[i] = &w;
  // A slot reused after its work ended: this call() observes the old call's
  // end, and a later run's queues the new one (the observed-once rule).
  const WorkStatus st = w.call(replica_args());
  if (!st.is_done()) impl_->set.set_call_id(i, st.call_id);
  spdlog::info("autoscaler {}: starting {} ({} wanted)", path(), name, impl_->desired);
}

Json AutoScalerBase::replica_args() const {
  return options.replica_args.is_null() ? Json::object() : options.replica_args;
}

void AutoScalerBase::push_set(const char* why) {
  ++impl_->generation;
  Json list = Json::array();
  for (const auto& [name, url] : impl_->set.members())
    list.push_back({{"name", name}, {"url", url}});
  LoadBalancerOptions lbo = options.balancer;
  lbo.ready_path = options.ready_path;
  lbo.window = options.window;
  impl_->balancer_args = {
      {"generation", impl_->generation}, {"replicas", list}, {"options", lbo.to_json()}};
  spdlog::debug("autoscaler {}: balancer set generation {} ({}): {}", path(), impl_->generation,
                why, list.dump());
}

void AutoScalerBase::run() {
  Impl& s = *impl_;
  const auto now = SteadyClock::now();
  if (!s.started) {
    check_options(options);
    s.started = true;
    s.policy.emplace(options, now);
    s.desired = options.min_replicas;
    push_set("start");
  }
  const Json report = balancer_.report.get();
  const uint64_t seen_generation = report.value("generation", uint64_t{0});
  const Json replicas_report = report.value("replicas", Json::object());
  auto replica_report = [&](const std::string& name) -> Json {
    auto it = replicas_report.find(name);
    return it == replicas_report.end() ? Json::object() : *it;
  };
  bool changed = false;

  // The balancer: a failed call (it could not listen) is retried as a new generation.
  if (balancer_.status().has_failed()) {
    spdlog::error("autoscaler {}: the balancer failed ({}): starting it again", path(),
                  balancer_.status().message);
    changed = true;
  }

  // Each replica through its phases.
  for (size_t i = 0; i < s.set.replicas().size(); ++i) {
    const ReplicaSet::Replica& r = s.set.replicas()[i];
    if (r.phase == ReplicaSet::Phase::kFree) continue;
    Work& w = *s.works[i];
    if (r.call_id == 0) {  // its call is not queued yet (a reused slot)
      const WorkStatus queued = w.call(replica_args());
      if (!queued.is_done()) s.set.set_call_id(i, queued.call_id);
      continue;
    }
    const WorkStatus& st = w.status();
    if (st.is_done() && st.call_id == r.call_id) {
      if (r.phase != ReplicaSet::Phase::kStopping) {
        spdlog::warn("autoscaler {}: {} ended while {} ({} {}{}); it leaves the set", path(),
                     r.name, ReplicaSet::to_string(r.phase), to_string(st.stage), st.reason,
                     st.message.empty() ? "" : ": " + st.message.substr(0, 200));
        changed = changed || !r.url.empty();
      }
      s.set.free(i);
      continue;
    }
    const Json rr = replica_report(r.name);
    switch (r.phase) {
      case ReplicaSet::Phase::kStarting:
        if (!w.url().empty() && w.url() != r.url) {
          s.set.set_url(i, w.url());
          changed = true;
        } else if (!r.url.empty() && rr.value("ready", false) && rr.value("url", "") == r.url) {
          s.set.mark_ready(i);
          spdlog::info(
              "autoscaler {}: {} is ready at {} ({} ms after its start)", path(), r.name, r.url,
              std::chrono::duration_cast<std::chrono::milliseconds>(now - r.started).count());
        } else if (now - r.started > options.ready_timeout) {
          spdlog::warn(
              "autoscaler {}: {} not ready within ready_timeout {} ms (url '{}'): "
              "stopping it; a new one replaces it",
              path(), r.name, options.ready_timeout.count(), r.url);
          changed = changed || !r.url.empty();
          s.set.mark_stopping(i);
          w.stop();
        }
        break;
      case ReplicaSet::Phase::kDraining:
        if (seen_generation >= r.drain_generation &&
            (rr.empty() || rr.value("url", "") != r.url || rr.value("in_flight", 0) == 0)) {
          spdlog::info("autoscaler {}: {} drained (balancer generation {}): stopping it", path(),
                       r.name, seen_generation);
          s.set.mark_stopping(i);
          w.stop();
        }
        break;
      case ReplicaSet::Phase::kReady:
      case ReplicaSet::Phase::kStopping:
      case ReplicaSet::Phase::kFree:
        break;
    }
  }

  // The rule.
  ScalingInput in;
  in.now = now;
  in.replicas = s.desired;
  in.ready = s.set.ready();
  in.in_flight_mean = report.value("in_flight_mean", 0.0);
  in.p95_ms = report.value("p95_ms", 0.0);
  in.window_requests = report.value("window_requests", size_t{0});
  in.queued = report.value("queued", size_t{0});
  const ScalingDecision d = s.policy->decide(in);
  if (d.delta > 0) {
    s.desired += d.delta;
    spdlog::info("autoscaler {}: {}", path(), d.reason);
    last_decision_ = d.reason;
  } else if (d.delta < 0) {
    for (int k = 0; k < -d.delta; ++k) {
      const int victim = s.set.pick_to_drain(
          [&](const std::string& name) { return replica_report(name).value("in_flight", 0); });
      if (victim < 0) break;
      --s.desired;
      s.set.start_drain(static_cast<size_t>(victim), s.generation + 1);
      changed = true;
      spdlog::info("autoscaler {}: {}; draining {}", path(), d.reason,
                   s.set.replicas()[static_cast<size_t>(victim)].name);
    }
    last_decision_ = d.reason;
  }
  // Replace what ended, start what was decided (never above max).
  while (s.set.active() < std::min(s.desired, options.max_replicas)) start_replica();

  if (changed) push_set("replicas changed");
  balancer_.call(s.balancer_args);

  // What the parent and the dashboard see.
  url_ = balancer_.url();
  replicas_ = s.set.active();
  ready_replicas_ = s.set.ready();
  Json phases = Json::object();
  for (const auto& r : s.set.replicas()) {
    if (r.phase != ReplicaSet::Phase::kFree) phases[r.name] = ReplicaSet::to_string(r.phase);
  }
  phases_ = phases;
  // Cooldowns and timeouts end without a state change: look again soon.
  schedule_in(std::max(options.balancer.report_interval, std::chrono::milliseconds(50)));
}

}  // namespace lightning::components
