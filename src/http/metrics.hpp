// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/router.hpp"
#include "runtime/controller.hpp"
#include "runtime/runtime_events.hpp"
#include "runtime/work_activity.hpp"

namespace lightning::http {

/// The app's Prometheus metrics, served at GET /metrics in the text format
/// 0.0.4 (docs/api.md lists them; docs/design/http.md says why prometheus-cpp).
/// Counts what happens as it happens (a RuntimeEventObserver of the
/// controller: flow runs, calls; HttpApiService: requests) in a
/// prometheus-cpp registry, and reads the rest when scraped (state changes,
/// works by status, each live work process's CPU and RSS from /proc, open
/// event streams). Owned by HttpApiService; loop thread only.
class Metrics final : public runtime::RuntimeEventObserver {
 public:
  /// Open event streams by kind ("state", "logs"), read at scrape time.
  using StreamCounts = std::function<std::vector<std::pair<std::string, size_t>>()>;

  Metrics(runtime::Controller& controller, const runtime::WorkActivity& activity,
          StreamCounts streams);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void add_to(Router& router);
  /// One request answered: `route` is the matched pattern ("" when none).
  void count_request(const std::string& method, const std::string& route, unsigned code);
  /// The whole exposition, as GET /metrics answers it.
  std::string scrape() const;

  void on_flow_run(std::chrono::nanoseconds took) override;
  void on_call_status(const Work& work, const WorkStatus& status, bool is_latest) override;

 private:
  std::vector<prometheus::MetricFamily> collect_now() const;

  runtime::Controller& controller_;
  const runtime::WorkActivity& activity_;
  StreamCounts streams_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& flow_runs_;
  prometheus::Histogram& flow_run_seconds_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& call_seconds_;
  prometheus::Family<prometheus::Counter>& requests_;
  /// requests_'s counters by route, then method and code: a request costs a
  /// lookup here (no allocation) instead of a label map and the family's mutex.
  struct RequestCounter {
    std::string method;
    unsigned code = 0;
    prometheus::Counter* counter = nullptr;
  };
  std::unordered_map<std::string, std::vector<RequestCounter>> request_counters_;
  /// Per work: the call that is running and since when (Unix µs).
  struct Running {
    uint64_t call_id = 0;
    int64_t since_us = 0;
  };
  std::unordered_map<const Work*, Running> running_;
};

}  // namespace lightning::http
