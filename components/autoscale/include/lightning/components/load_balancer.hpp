// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// LoadBalancerWork: an HTTP/1.1 reverse proxy in a work of its own, in front
// of the replicas of a serving work (docs/components/autoscale.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "lightning/json.hpp"
#include "lightning/state.hpp"
#include "lightning/work.hpp"

namespace boost::asio {
class io_context;
}

namespace lightning::components {

namespace lb {
class LoadBalancer;
}

/// LoadBalancerWork's limits, timeouts and probing. Travels in its call args
/// (to_json/from_json); every duration in milliseconds.
struct LoadBalancerOptions {
  /// Address to listen on; port 0 picks a free one (the published URL has it).
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  /// A request body over this gets 413 (HttpServer's limit); also the largest
  /// response body taken from a replica (over it: 502). Bytes.
  size_t max_body_bytes = 64 << 20;
  /// Request line and headers together; over it: 431. Bytes.
  uint32_t max_header_bytes = 16 * 1024;
  /// A client's whole request (and keep-alive idle time) must arrive within this.
  std::chrono::milliseconds client_read_timeout{30000};
  /// Connecting to a replica; over it counts as a failure to connect (retried).
  std::chrono::milliseconds connect_timeout{1000};
  /// From the request written to a replica to its whole response; over it: 504.
  std::chrono::milliseconds upstream_timeout{60000};
  /// Open client connections; one more is answered 503 (HttpServer's limit).
  size_t max_connections = 1024;
  /// Idle keep-alive connections kept per replica.
  size_t max_idle_per_replica = 64;
  /// The path each replica must answer 200 on before it gets traffic.
  std::string ready_path = "/v2/health/ready";
  /// How often each replica's ready_path is probed (also while ready: three
  /// failed probes in a row take it out of rotation until one succeeds).
  std::chrono::milliseconds probe_interval{200};
  /// A report in state (and the decision's numbers) at most this often.
  std::chrono::milliseconds report_interval{250};
  /// The sliding window of p95_ms and in_flight_mean.
  std::chrono::milliseconds window{2000};
  /// A request that arrives while no replica is ready (none in the set yet,
  /// all starting, or all failing their probes) is held, oldest first, until
  /// one is ready, for at most queue_timeout (ms); past it, or with
  /// max_queued_requests already held, it gets 503 with Retry-After.
  /// max_queued_requests 0 turns holding off (503 at once). This is what lets
  /// AutoScaler scale from zero replicas (docs/components/autoscale.md).
  size_t max_queued_requests = 1024;
  std::chrono::milliseconds queue_timeout{30000};

  Json to_json() const;
  /// Throws std::invalid_argument naming the field for a bad value.
  static LoadBalancerOptions from_json(const Json& j);
};

/// A State field that any thread of the work may set (the proxy's thread sets
/// it while the work's run thread serves calls): its value is guarded by a
/// mutex. Used for LoadBalancerWork's report.
class SharedJsonField final : public StateFieldBase {
 public:
  SharedJsonField(Component* owner, std::string name) : StateFieldBase(owner, std::move(name)) {}
  /// A copy of the value (thread-safe).
  Json get() const;
  /// Sets the value and reports the change (thread-safe).
  void set(Json value);
  Json to_json() const override { return get(); }
  void check_json(const Json&) const override {}
  void assign_json(const Json& value) override;

 private:
  mutable std::mutex mu_;  // guards value_
  Json value_ = Json::object();
};

/// An HTTP/1.1 reverse proxy (Boost.Beast) in its own process: keep-alive to
/// clients, pooled keep-alive connections to each replica, least outstanding
/// requests (ties round robin), a replica gets traffic only once its
/// ready_path answered 200, a request that arrives while none is ready is
/// held until one is (LoadBalancerOptions::max_queued_requests,
/// queue_timeout), a request that got no byte back from a replica is retried
/// once on another one (or held, when none is ready), `GET /metrics` is its
/// own (Prometheus), every other request is proxied.
///
/// Each call updates the replica set; the proxy runs on a thread of the
/// work's process from the first call until the process ends, so a call
/// returns at once. Call args:
///   {"generation": N, "replicas": [{"name": "replica_0", "url": "http://127.0.0.1:PORT"}],
///    "options": LoadBalancerOptions::to_json()}   // options: read by the first call only
/// `generation` must change with the set (calls are cached by their args).
/// Errors (the call fails): bad options, a port that cannot be bound.
/// The AutoScaler flow drives it; a flow of your own can too.
class LoadBalancerWork : public Work {
 public:
  LoadBalancerWork();
  ~LoadBalancerWork() override;

  void run(const Json& args) override;

  /// What the proxy reports, at most every report_interval: see
  /// lb::LoadBalancer::report() (generation, requests_total, failures_total,
  /// retries_total, in_flight, in_flight_mean, p95_ms, window_requests, queued,
  /// queued_total, replicas{...}).
  SharedJsonField report{this, "report"};

 private:
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<lb::LoadBalancer> balancer_;
  std::thread thread_;
};

}  // namespace lightning::components
