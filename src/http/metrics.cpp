// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <boost/beast/http/field.hpp>
#include <map>

#include "util/process_usage.hpp"

namespace lightning::http {

namespace {

namespace prom = prometheus;

const prom::Histogram::BucketBoundaries kFlowRunBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
const prom::Histogram::BucketBoundaries kCallBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5,  1,   5,
                                                        10,    30,    60,   300,  900, 1800, 3600};

prom::MetricFamily family(std::string name, std::string help, prom::MetricType type) {
  prom::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

prom::ClientMetric sample(prom::MetricType type, double value,
                          std::vector<prom::ClientMetric::Label> labels = {}) {
  prom::ClientMetric m;
  m.label = std::move(labels);
  if (type == prom::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

void for_each_work(const Flow& flow, const std::function<void(const Work&)>& fn) {
  for (const Work* w : flow.works()) fn(*w);
  for (const Flow* f : flow.flows()) for_each_work(*f, fn);
}

}  // namespace

Metrics::Metrics(runtime::Controller& controller, const runtime::WorkActivity& activity,
                 StreamCounts streams)
    : controller_(controller),
      activity_(activity),
      streams_(std::move(streams)),
      registry_(std::make_shared<prom::Registry>()),
      flow_runs_(prom::BuildCounter()
                     .Name("lightning_flow_runs_total")
                     .Help("Runs of the root flow's run().")
                     .Register(*registry_)
                     .Add({})),
      flow_run_seconds_(prom::BuildHistogram()
                            .Name("lightning_flow_run_duration_seconds")
                            .Help("How long each run of the root flow's run() took.")
                            .Register(*registry_)
                            .Add({}, kFlowRunBuckets)),
      calls_(prom::BuildCounter()
                 .Name("lightning_work_calls_total")
                 .Help("Calls of a work that ended, by outcome (succeeded, failed, stopped); "
                       "automatic retries are part of one call.")
                 .Register(*registry_)),
      call_seconds_(prom::BuildHistogram()
                        .Name("lightning_work_call_duration_seconds")
                        .Help("How long a work's call ran (its last attempt), by work.")
                        .Register(*registry_)),
      requests_(prom::BuildCounter()
                    .Name("lightning_http_requests_total")
                    .Help("HTTP API requests answered, by method, route pattern and status code.")
                    .Register(*registry_)) {}

void Metrics::add_to(Router& router) {
  router.add("GET", "/metrics", [this](const Request& request, const PathParams&) {
    Response res{boost::beast::http::status::ok, request.version()};
    res.set(boost::beast::http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.set(boost::beast::http::field::cache_control, "no-store");
    res.keep_alive(request.keep_alive());
    res.body() = scrape();
    res.prepare_payload();
    return Reply{std::move(res), {}};
  });
}

void Metrics::count_request(const std::string& method, const std::string& route, unsigned code) {
  std::vector<RequestCounter>& counters = request_counters_[route];
  for (const RequestCounter& c : counters) {
    if (c.code == code && c.method == method) return c.counter->Increment();
  }
  prom::Counter& counter = requests_.Add({{"method", method},
                                          {"route", route.empty() ? "unmatched" : route},
                                          {"code", std::to_string(code)}});
  counters.push_back({method, code, &counter});
  counter.Increment();
}

void Metrics::on_flow_run(std::chrono::nanoseconds took) {
  flow_runs_.Increment();
  flow_run_seconds_.Observe(std::chrono::duration<double>(took).count());
}

void Metrics::on_call_status(const Work& work, const WorkStatus& status, bool /*is_latest*/) {
  if (status.is_running()) {
    running_[&work] = Running{status.call_id, status.timestamp_us};
    return;
  }
  if (!status.is_done()) return;
  calls_.Add({{"work", work.path()}, {"outcome", std::string(to_string(status.stage))}})
      .Increment();
  auto it = running_.find(&work);
  if (it != running_.end() && it->second.call_id == status.call_id) {
    const int64_t ran_us = std::max<int64_t>(0, status.timestamp_us - it->second.since_us);
    call_seconds_.Add({{"work", work.path()}}, kCallBuckets)
        .Observe(static_cast<double>(ran_us) / 1e6);
    running_.erase(it);
  }
}

std::vector<prom::MetricFamily> Metrics::collect_now() const {
  using prom::MetricType;
  std::vector<prom::MetricFamily> out;

  auto changes = family("lightning_state_changes_total",
                        "Changes to the app's state (its state version).", MetricType::Counter);
  changes.metric.push_back(
      sample(MetricType::Counter, static_cast<double>(controller_.state_version())));
  out.push_back(std::move(changes));

  std::map<std::string, size_t> by_status;
  for (WorkStage stage : {WorkStage::kNotStarted, WorkStage::kPending, WorkStage::kRunning,
                          WorkStage::kSucceeded, WorkStage::kFailed, WorkStage::kStopped}) {
    by_status[std::string(to_string(stage))] = 0;
  }
  auto cpu = family("lightning_work_cpu_seconds_total",
                    "CPU time (user + system) of each work's live process, from /proc.",
                    MetricType::Counter);
  auto rss = family("lightning_work_resident_memory_bytes",
                    "Resident memory of each work's live process, from /proc.", MetricType::Gauge);
  for_each_work(controller_.root(), [&](const Work& work) {
    ++by_status[std::string(to_string(work.status().stage))];
    const runtime::WorkActivity::Facts* facts = activity_.find(work);
    if (facts == nullptr || !facts->alive) return;
    const auto usage = util::read_process_usage(facts->pid);
    if (!usage) return;
    cpu.metric.push_back(sample(MetricType::Counter, usage->cpu_seconds, {{"work", work.path()}}));
    rss.metric.push_back(sample(MetricType::Gauge, static_cast<double>(usage->resident_bytes),
                                {{"work", work.path()}}));
  });
  auto works =
      family("lightning_works", "Works by the status of their latest call.", MetricType::Gauge);
  for (const auto& [status, count] : by_status) {
    works.metric.push_back(
        sample(MetricType::Gauge, static_cast<double>(count), {{"status", status}}));
  }
  out.push_back(std::move(works));
  if (!cpu.metric.empty()) out.push_back(std::move(cpu));
  if (!rss.metric.empty()) out.push_back(std::move(rss));

  auto sse = family("lightning_http_sse_clients", "Open Server-Sent Events streams, by stream.",
                    MetricType::Gauge);
  if (streams_) {
    for (const auto& [stream, count] : streams_()) {
      sse.metric.push_back(
          sample(MetricType::Gauge, static_cast<double>(count), {{"stream", stream}}));
    }
  }
  if (!sse.metric.empty()) out.push_back(std::move(sse));
  return out;
}

std::string Metrics::scrape() const {
  std::vector<prom::MetricFamily> families = registry_->Collect();
  std::vector<prom::MetricFamily> now = collect_now();
  families.insert(families.end(), std::make_move_iterator(now.begin()),
                  std::make_move_iterator(now.end()));
  return prom::TextSerializer().Serialize(families);
}

}  // namespace lightning::http
