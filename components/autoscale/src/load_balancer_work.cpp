// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include <pthread.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "lightning/components/load_balancer.hpp"
#include "load_balancer.hpp"

namespace lightning::components {

namespace {

std::chrono::milliseconds ms_field(const Json& j, const char* name, std::chrono::milliseconds def,
                                   int64_t min_ms) {
  if (!j.contains(name)) return def;
  const Json& v = j.at(name);
  if (!v.is_number_integer() || v.get<int64_t>() < min_ms) {
    throw std::invalid_argument(std::string("LoadBalancerOptions: '") + name +
                                "' must be an integer number of milliseconds >= " +
                                std::to_string(min_ms) + ", got " + v.dump());
  }
  return std::chrono::milliseconds(v.get<int64_t>());
}

template <class T>
T uint_field(const Json& j, const char* name, T def, T min) {
  if (!j.contains(name)) return def;
  const Json& v = j.at(name);
  if (!v.is_number_unsigned() || v.get<uint64_t>() < static_cast<uint64_t>(min) ||
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
    throw std::invalid_argument(std::string("LoadBalancerOptions: '") + name +
                                "' must be an integer from " + std::to_string(min) + " to " +
                                std::to_string(std::numeric_limits<T>::max()) + ", got " +
                                v.dump());
  }
  return static_cast<T>(v.get<uint64_t>());
}

}  // namespace

Json LoadBalancerOptions::to_json() const {
  return Json{{"host", host},
              {"port", port},
              {"max_body_bytes", max_body_bytes},
              {"max_header_bytes", max_header_bytes},
              {"client_read_timeout_ms", client_read_timeout.count()},
              {"connect_timeout_ms", connect_timeout.count()},
              {"upstream_timeout_ms", upstream_timeout.count()},
              {"max_connections", max_connections},
              {"max_idle_per_replica", max_idle_per_replica},
              {"ready_path", ready_path},
              {"probe_interval_ms", probe_interval.count()},
              {"report_interval_ms", report_interval.count()},
              {"window_ms", window.count()},
              {"max_queued_requests", max_queued_requests},
              {"queue_timeout_ms", queue_timeout.count()}};
}

LoadBalancerOptions LoadBalancerOptions::from_json(const Json& j) {
  LoadBalancerOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw std::invalid_argument("LoadBalancerOptions: must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (o.to_json().count(key) == 0) {
      throw std::invalid_argument("LoadBalancerOptions: unknown field '" + key + "'");
    }
  }
  if (j.contains("host")) {
    if (!j.at("host").is_string() || j.at("host").get<std::string>().empty()) {
      throw std::invalid_argument("LoadBalancerOptions: 'host' must be a non-empty string");
    }
    o.host = j.at("host").get<std::string>();
  }
  o.port = uint_field<uint16_t>(j, "port", o.port, 0);
  o.max_body_bytes = uint_field<size_t>(j, "max_body_bytes", o.max_body_bytes, 1);
  o.max_header_bytes = uint_field<uint32_t>(j, "max_header_bytes", o.max_header_bytes, 256);
  o.max_connections = uint_field<size_t>(j, "max_connections", o.max_connections, 1);
  o.max_idle_per_replica = uint_field<size_t>(j, "max_idle_per_replica", o.max_idle_per_replica, 0);
  o.client_read_timeout = ms_field(j, "client_read_timeout_ms", o.client_read_timeout, 1);
  o.connect_timeout = ms_field(j, "connect_timeout_ms", o.connect_timeout, 1);
  o.upstream_timeout = ms_field(j, "upstream_timeout_ms", o.upstream_timeout, 1);
  o.probe_interval = ms_field(j, "probe_interval_ms", o.probe_interval, 10);
  o.report_interval = ms_field(j, "report_interval_ms", o.report_interval, 10);
  o.window = ms_field(j, "window_ms", o.window, 100);
  o.max_queued_requests = uint_field<size_t>(j, "max_queued_requests", o.max_queued_requests, 0);
  o.queue_timeout = ms_field(j, "queue_timeout_ms", o.queue_timeout, 1);
  if (j.contains("ready_path")) {
    const Json& p = j.at("ready_path");
    if (!p.is_string() || p.get<std::string>().empty() || p.get<std::string>()[0] != '/') {
      throw std::invalid_argument("LoadBalancerOptions: 'ready_path' must start with '/', got " +
                                  p.dump());
    }
    o.ready_path = p.get<std::string>();
  }
  return o;
}

Json SharedJsonField::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_;
}

void SharedJsonField::set(Json value) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    value_ = value;
  }
  report_change(std::move(value));
}

void SharedJsonField::assign_json(const Json& value) {
  std::lock_guard<std::mutex> lock(mu_);
  value_ = value;
}

LoadBalancerWork::LoadBalancerWork() = default;

LoadBalancerWork::~LoadBalancerWork() {
  if (io_ && thread_.joinable()) {
    boost::asio::post(*io_, [this] {
      balancer_->stop();
      io_->stop();
    });
    thread_.join();
  }
  balancer_.reset();
  io_.reset();
}

void LoadBalancerWork::run(const Json& args) {
  if (!args.is_object()) throw std::invalid_argument("LoadBalancerWork: args must be an object");
  const uint64_t generation = args.value("generation", uint64_t{0});
  std::vector<lb::ReplicaAddress> replicas;
  if (args.contains("replicas")) {
    const Json& list = args.at("replicas");
    if (!list.is_array()) {
      throw std::invalid_argument("LoadBalancerWork: 'replicas' must be an array of {name, url}");
    }
    for (const Json& r : list) {
      if (!r.is_object() || !r.contains("name") || !r.contains("url") ||
          !r.at("name").is_string() || !r.at("url").is_string()) {
        throw std::invalid_argument(
            "LoadBalancerWork: each replica must be {\"name\": string, \"url\": string}, got " +
            r.dump());
      }
      replicas.push_back({r.at("name").get<std::string>(), r.at("url").get<std::string>()});
    }
  }
  if (!io_) {
    const LoadBalancerOptions options =
        LoadBalancerOptions::from_json(args.value("options", Json::object()));
    io_ = std::make_unique<boost::asio::io_context>(1);
    balancer_ =
        std::make_unique<lb::LoadBalancer>(*io_, options, [this](const Json& r) { report.set(r); });
    const Status s = balancer_->start();
    if (!s.ok()) {
      balancer_.reset();
      io_.reset();
      throw std::runtime_error("LoadBalancerWork: " + s.message());
    }
    balancer_->set_replicas(generation, replicas);
    report.set(balancer_->report());
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "lightning-lb");
      auto guard = boost::asio::make_work_guard(*io_);
      io_->run();
    });
    publish_url(balancer_->url());
    return;
  }
  // Later calls: the new set, applied on the proxy's thread; the call returns
  // once it is (so the report after it has this generation).
  std::promise<void> applied;
  boost::asio::post(*io_, [&] {
    balancer_->set_replicas(generation, replicas);
    applied.set_value();
  });
  applied.get_future().wait();
}

}  // namespace lightning::components
