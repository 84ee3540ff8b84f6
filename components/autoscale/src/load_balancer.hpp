// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The reverse proxy inside LoadBalancerWork (docs/components/autoscale.md,
// "Design notes"): lightning::http::HttpServer on the client side (its
// deferred replies), pooled Beast keep-alive connections to each replica,
// least-outstanding-requests choice, readiness probes, one retry of a request
// that got no byte back, drain of removed replicas, Prometheus metrics.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/http_server.hpp"
#include "lightning/components/load_balancer.hpp"
#include "lightning/json.hpp"

namespace lightning::components::lb {

/// One member of the replica set: a name (for metrics and reports) and the
/// base URL it published ("http://127.0.0.1:PORT").
struct ReplicaAddress {
  std::string name;
  std::string url;
  bool operator==(const ReplicaAddress& o) const { return name == o.name && url == o.url; }
};

/// Parses "http://host:port" (an optional trailing '/'); nullopt for anything
/// else (https, a path, no port), with the reason in `error`.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
std::optional<HostPort> parse_http_url(const std::string& url, std::string* error);

/// Hop-by-hop headers (RFC 9110 §7.6.1): Connection, the fields it names,
/// Proxy-Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade.
/// Removes them from `fields` in place.
void remove_hop_by_hop(boost::beast::http::fields& fields);

/// Least outstanding requests, ties by round robin: the index in `in_flight`
/// (skipping those with `eligible[i]` false) with the fewest requests in
/// flight; among equals the first at or after `*cursor` (cyclically), and the
/// cursor moves past it. -1 when none is eligible.
int choose_least_outstanding(const std::vector<int>& in_flight, const std::vector<bool>& eligible,
                             size_t* cursor);

/// The p-quantile (0..1) of `values` (nearest rank); 0 for none.
double quantile(std::vector<double> values, double p);

/// The reverse proxy. Single-threaded: every call, every handler and every
/// callback on the io_context it is given (LoadBalancerWork runs that one
/// on its own thread; tests run it on theirs).
class LoadBalancer {
 public:
  /// Called at most every options.report_interval, with what report() gives,
  /// when it changed.
  using ReportSink = std::function<void(const Json&)>;

  LoadBalancer(boost::asio::io_context& io, LoadBalancerOptions options, ReportSink sink = {});
  ~LoadBalancer();
  LoadBalancer(const LoadBalancer&) = delete;
  LoadBalancer& operator=(const LoadBalancer&) = delete;

  /// Binds and listens (HttpServer::start's errors).
  Status start();
  void stop();
  std::string url() const { return server_.url(); }
  uint16_t port() const { return server_.port(); }

  /// Replaces the replica set. A new member gets traffic once its ready path
  /// answers 200; a member left out gets no new request, its requests in
  /// flight complete, and it is forgotten once none is left (drained).
  /// `generation` is echoed in report() so the flow knows which set it reflects.
  void set_replicas(uint64_t generation, const std::vector<ReplicaAddress>& replicas);

  /// {"generation", "requests_total", "failures_total", "retries_total",
  ///  "in_flight", "in_flight_mean" (over the window), "p95_ms" (over the
  ///  window), "window_requests", "queued" (held now: no replica ready),
  ///  "queued_total", "replicas": {name: {"in_flight", "requests",
  ///  "failures", "ready", "draining", "url"}}}.
  Json report() const;
  /// GET /metrics's body (Prometheus text format 0.0.4).
  std::string metrics_text() const;

  struct Upstream;
  struct Exchange;
  struct GaugeSeries;

 private:
  http::Reply handle(const http::Request& request);
  void start_exchange(const std::shared_ptr<Exchange>& ex);
  /// Sends `ex` to the least loaded ready replica; with none ready, holds it
  /// (options.max_queued_requests, queue_timeout) or answers 503.
  void route(const std::shared_ptr<Exchange>& ex);
  void hold(const std::shared_ptr<Exchange>& ex);
  /// Routes the held requests, oldest first, while a replica is ready.
  void dispatch_held();
  bool any_routable() const;
  /// 503 with Retry-After and the balancer's JSON error.
  void unavailable(const std::shared_ptr<Exchange>& ex, const std::string& message);
  std::string why_none_ready() const;
  void attempt(const std::shared_ptr<Exchange>& ex, bool fresh_connection);
  void on_attempt_failed(const std::shared_ptr<Exchange>& ex, const std::string& why,
                         bool got_bytes, bool reused, bool refused);
  void finish(const std::shared_ptr<Exchange>& ex, http::Response response);
  void release(Upstream& up);
  void forget_if_drained(const std::string& name);
  void probe_all();
  void probe(const std::shared_ptr<Upstream>& up);
  void probe_on(const std::shared_ptr<Upstream>& up, bool fresh_connection);
  void tick();
  void arm_tick();
  void count_response(const std::string& replica, unsigned code);

  boost::asio::io_context& io_;
  LoadBalancerOptions options_;
  ReportSink sink_;
  http::HttpServer server_;
  uint64_t generation_ = 0;
  std::map<std::string, std::shared_ptr<Upstream>> upstreams_;  // members and draining ones
  size_t cursor_ = 0;
  uint64_t requests_total_ = 0, failures_total_ = 0, retries_total_ = 0;
  int in_flight_ = 0;
  /// Requests held while no replica is ready, oldest first.
  std::deque<std::shared_ptr<Exchange>> held_;
  uint64_t queued_total_ = 0;
  /// Latencies (ms) answered within the window, oldest first.
  std::deque<std::pair<std::chrono::steady_clock::time_point, double>> latencies_;
  /// Total in flight, sampled every kSampleEvery, over the window.
  std::deque<int> in_flight_samples_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer probe_timer_;
  std::chrono::steady_clock::time_point last_report_at_{};
  Json last_report_;
  bool stopped_ = false;

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_family_;
  prometheus::Family<prometheus::Gauge>& in_flight_family_;
  prometheus::Counter& retries_counter_;
  prometheus::Gauge& queued_gauge_;
  prometheus::Histogram& duration_;
  std::map<std::pair<std::string, unsigned>, prometheus::Counter*> request_counters_;
  /// Each replica name's in-flight series, while an Upstream of it lives.
  std::map<std::string, std::weak_ptr<GaugeSeries>> gauges_;
};

}  // namespace lightning::components::lb
