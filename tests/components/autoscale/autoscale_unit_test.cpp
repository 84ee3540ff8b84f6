// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Unit tests of the AutoScaler's pure parts (the scaling rule with a time the
// test sets, the replica slots, least-outstanding choice, header and URL
// handling), and of the proxy in this process over real sockets: upstreams
// are lightning::http::HttpServer instances on the same loop thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <lightning/components/autoscale.hpp>
#include <map>
#include <thread>

#include "../../common/http_client.hpp"
#include "load_balancer.hpp"

namespace lightning::components {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using lightning::testing::HttpClient;
using lightning::testing::HttpResult;
namespace bhttp = boost::beast::http;

// ---------------------------------------------------------------- the rule

AutoScalerOptions rule_options() {
  AutoScalerOptions o;
  o.min_replicas = 1;
  o.max_replicas = 4;
  o.target_in_flight = 4;
  o.scale_out_cooldown = 2s;
  o.scale_in_cooldown = 10s;
  return o;
}

ScalingInput input(Clock::time_point now, int replicas, int ready, double in_flight, double p95 = 0,
                   size_t requests = 100, size_t queued = 0) {
  ScalingInput in;
  in.queued = queued;
  in.now = now;
  in.replicas = replicas;
  in.ready = ready;
  in.in_flight_mean = in_flight;
  in.p95_ms = p95;
  in.window_requests = requests;
  return in;
}

TEST(ScalingPolicyTest, ScalesOutToCeilOfInFlightOverTargetCappedAtMax) {
  const Clock::time_point t0{};
  ScalingPolicy p(rule_options(), t0);
  EXPECT_EQ(p.decide(input(t0 + 3s, 1, 1, 4.0)).delta, 0);  // at target: stay
  const ScalingDecision d = p.decide(input(t0 + 3s, 1, 1, 9.0));
  EXPECT_EQ(d.delta, 2);  // ceil(9 / 4) = 3 replicas
  EXPECT_NE(d.reason.find("scale out 1 -> 3"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("9.00"), std::string::npos) << d.reason;
  EXPECT_EQ(p.decide(input(t0 + 6s, 3, 3, 100.0)).delta, 1);  // capped at max 4
  EXPECT_EQ(p.decide(input(t0 + 9s, 4, 4, 100.0)).delta, 0);  // at max
}

TEST(ScalingPolicyTest, ScaleOutWaitsForItsCooldown) {
  const Clock::time_point t0{};
  ScalingPolicy p(rule_options(), t0);
  EXPECT_EQ(p.decide(input(t0 + 1s, 1, 1, 9.0)).delta, 0);  // 1 s after the start
  EXPECT_EQ(p.decide(input(t0 + 2s, 1, 1, 9.0)).delta, 2);
  EXPECT_EQ(p.decide(input(t0 + 3s, 3, 1, 20.0)).delta, 0);  // 1 s after the last
  EXPECT_EQ(p.decide(input(t0 + 4s, 3, 1, 20.0)).delta, 1);
}

TEST(ScalingPolicyTest, ScalesInByOneBelowHalfTheTargetAfterTheInCooldown) {
  const Clock::time_point t0{};
  ScalingPolicy p(rule_options(), t0);
  EXPECT_EQ(p.decide(input(t0 + 9s, 3, 3, 1.0)).delta, 0);   // cooldown from the start
  EXPECT_EQ(p.decide(input(t0 + 10s, 3, 3, 6.0)).delta, 0);  // 2 per replica: not below 2
  const ScalingDecision d = p.decide(input(t0 + 10s, 3, 3, 5.9));
  EXPECT_EQ(d.delta, -1);
  EXPECT_NE(d.reason.find("scale in 3 -> 2"), std::string::npos) << d.reason;
  EXPECT_EQ(p.decide(input(t0 + 15s, 2, 2, 0.0)).delta, 0);  // cooldown since the last
  EXPECT_EQ(p.decide(input(t0 + 20s, 2, 2, 0.0)).delta, -1);
  EXPECT_EQ(p.decide(input(t0 + 40s, 1, 1, 0.0)).delta, 0);  // at min
}

TEST(ScalingPolicyTest, NoScaleInWhileAReplicaStartsOrRightAfterAScaleOut) {
  const Clock::time_point t0{};
  ScalingPolicy p(rule_options(), t0);
  EXPECT_EQ(p.decide(input(t0 + 11s, 3, 2, 0.0)).delta, 0);  // one still starting
  EXPECT_EQ(p.decide(input(t0 + 11s, 2, 2, 20.0)).delta, 2);
  EXPECT_EQ(p.decide(input(t0 + 12s, 4, 4, 0.0)).delta, 0);  // 1 s after the scale-out
  EXPECT_EQ(p.decide(input(t0 + 21s, 4, 4, 0.0)).delta, -1);
}

TEST(ScalingPolicyTest, P95AboveItsMaxScalesOutByOneAndBlocksScaleIn) {
  AutoScalerOptions o = rule_options();
  o.max_p95_latency_ms = 100;
  const Clock::time_point t0{};
  ScalingPolicy p(o, t0);
  EXPECT_EQ(p.decide(input(t0 + 3s, 2, 2, 1.0, 150.0, 0)).delta, 0);  // no requests measured
  const ScalingDecision d = p.decide(input(t0 + 3s, 2, 2, 1.0, 150.0));
  EXPECT_EQ(d.delta, 1);
  EXPECT_NE(d.reason.find("p95"), std::string::npos) << d.reason;
  EXPECT_EQ(p.decide(input(t0 + 20s, 3, 3, 0.0, 60.0)).delta, 0);  // idle but p95 > max / 2
  EXPECT_EQ(p.decide(input(t0 + 20s, 3, 3, 0.0, 40.0)).delta, -1);
}

TEST(ScalingPolicyTest, NothingIsDecidedBeforeAReplicaIsReadyButMinIsKept) {
  const Clock::time_point t0{};
  ScalingPolicy p(rule_options(), t0);
  EXPECT_EQ(p.decide(input(t0 + 60s, 1, 0, 50.0)).delta, 0);
  EXPECT_EQ(p.decide(input(t0 + 60s, 0, 0, 0.0)).delta, 1);  // below min
}

AutoScalerOptions zero_options() {
  AutoScalerOptions o = rule_options();
  o.min_replicas = 0;
  return o;
}

TEST(ScalingPolicyTest, FromZeroOneReplicaStartsAtOnceWhenRequestsAreHeld) {
  const Clock::time_point t0{};
  ScalingPolicy p(zero_options(), t0);
  EXPECT_EQ(p.decide(input(t0, 0, 0, 0.0, 0, 0)).delta, 0);  // min 0: none at the start
  const ScalingDecision d = p.decide(input(t0 + 1ms, 0, 0, 0.0, 0, 0, 3));  // no cooldown
  EXPECT_EQ(d.delta, 1);
  EXPECT_NE(d.reason.find("scale from zero 0 -> 1: 3 request(s) held"), std::string::npos)
      << d.reason;
  // While it starts, more held requests start nothing more.
  EXPECT_EQ(p.decide(input(t0 + 2ms, 1, 0, 0.0, 0, 0, 50)).delta, 0);
}

TEST(ScalingPolicyTest, ToZeroOnlyAfterNoRequestForTheInCooldown) {
  const Clock::time_point t0{};
  ScalingPolicy p(zero_options(), t0);
  // Light load (below half the target) keeps the last replica with min 0.
  EXPECT_EQ(p.decide(input(t0 + 20s, 1, 1, 0.5, 0, 10)).delta, 0);
  // Idle from 20 s on: not before 30 s.
  EXPECT_EQ(p.decide(input(t0 + 21s, 1, 1, 0.0, 0, 0)).delta, 0);
  EXPECT_EQ(p.decide(input(t0 + 29s, 1, 1, 0.0, 0, 0)).delta, 0);
  const ScalingDecision d = p.decide(input(t0 + 30s, 1, 1, 0.0, 0, 0));
  EXPECT_EQ(d.delta, -1);
  EXPECT_NE(d.reason.find("scale to zero 1 -> 0"), std::string::npos) << d.reason;
  EXPECT_EQ(p.decide(input(t0 + 60s, 0, 0, 0.0, 0, 0)).delta, 0);  // stays at zero
}

TEST(ScalingPolicyTest, AHeldRequestOrOneInTheWindowKeepsTheLastReplica) {
  const Clock::time_point t0{};
  ScalingPolicy p(zero_options(), t0);
  EXPECT_EQ(p.decide(input(t0 + 10s, 1, 1, 0.0, 0, 0, 1)).delta, 0);  // held
  EXPECT_EQ(p.decide(input(t0 + 19s, 1, 1, 0.0, 0, 1)).delta, 0);     // answered in the window
  EXPECT_EQ(p.decide(input(t0 + 28s, 1, 1, 0.0, 0, 0)).delta, 0);     // 9 s idle
  EXPECT_EQ(p.decide(input(t0 + 29s, 1, 1, 0.0, 0, 0)).delta, -1);    // 10 s idle
}

TEST(ScalingPolicyTest, MinZeroStillScalesInByTheLoadRuleDownToOne) {
  const Clock::time_point t0{};
  ScalingPolicy p(zero_options(), t0);
  EXPECT_EQ(p.decide(input(t0 + 10s, 2, 2, 1.0)).delta, -1);  // 0.5 per replica < 2
  EXPECT_EQ(p.decide(input(t0 + 20s, 1, 1, 1.0)).delta, 0);   // busy: the last one stays
}

// ---------------------------------------------------------------- replica slots

TEST(ReplicaSetTest, PhasesMoveInOrderAndFreeSlotsAreReusedLowestFirst) {
  ReplicaSet set;
  const Clock::time_point t0{};
  EXPECT_EQ(set.start(t0), 0U);
  EXPECT_EQ(set.start(t0), 1U);
  EXPECT_EQ(set.replicas()[1].name, "replica_1");
  EXPECT_TRUE(set.members().empty());  // no URL yet
  set.set_url(0, "http://127.0.0.1:1");
  ASSERT_EQ(set.members().size(), 1U);  // probed by the balancer from now on
  EXPECT_EQ(set.active(), 2);
  EXPECT_EQ(set.ready(), 0);
  set.mark_ready(0);
  EXPECT_EQ(set.ready(), 1);
  EXPECT_THROW(set.start_drain(1, 5), std::logic_error);  // not ready
  set.start_drain(0, 5);
  EXPECT_EQ(set.replicas()[0].drain_generation, 5U);
  EXPECT_TRUE(set.members().empty());  // out of the balancer's set
  EXPECT_EQ(set.active(), 1);
  set.mark_stopping(0);
  set.free(0);
  EXPECT_EQ(set.start(t0), 0U);  // reused
  EXPECT_EQ(set.replicas()[0].url, "");
  EXPECT_EQ(set.start(t0), 2U);
}

TEST(ReplicaSetTest, DrainsTheReadyReplicaWithTheFewestInFlight) {
  ReplicaSet set;
  for (int i = 0; i < 3; ++i) {
    set.start({});
    set.set_url(static_cast<size_t>(i), "http://127.0.0.1:" + std::to_string(i + 1));
    set.mark_ready(static_cast<size_t>(i));
  }
  std::map<std::string, int> load{{"replica_0", 2}, {"replica_1", 0}, {"replica_2", 1}};
  EXPECT_EQ(set.pick_to_drain([&](const std::string& n) { return load[n]; }), 1);
  load["replica_1"] = 1;
  EXPECT_EQ(set.pick_to_drain([&](const std::string& n) { return load[n]; }), 2);  // tie: highest
}

// ---------------------------------------------------------------- helpers

TEST(LeastOutstandingTest, FewestInFlightWinsAndTiesGoRoundRobin) {
  size_t cursor = 0;
  std::vector<bool> all(3, true);
  EXPECT_EQ(lb::choose_least_outstanding({2, 1, 3}, all, &cursor), 1);
  cursor = 0;
  std::vector<int> picks;
  for (int i = 0; i < 6; ++i)
    picks.push_back(lb::choose_least_outstanding({0, 0, 0}, all, &cursor));
  EXPECT_EQ(picks, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(lb::choose_least_outstanding({0, 5, 0}, {false, true, false}, &cursor), 1);
  EXPECT_EQ(lb::choose_least_outstanding({0, 0}, {false, false}, &cursor), -1);
  EXPECT_EQ(lb::choose_least_outstanding({}, {}, &cursor), -1);
}

TEST(HopByHopTest, RemovesRfc9110HopByHopFieldsAndTheOnesConnectionNames) {
  bhttp::fields f;
  f.set("Connection", "keep-alive, X-Secret , x-other");
  f.set("Keep-Alive", "timeout=5");
  f.set("X-Secret", "1");
  f.set("X-Other", "2");
  f.set("TE", "trailers");
  f.set("Transfer-Encoding", "chunked");
  f.set("Upgrade", "websocket");
  f.set("Proxy-Connection", "keep-alive");
  f.set("Inference-Header-Content-Length", "42");
  f.set("Host", "a:1");
  lb::remove_hop_by_hop(f);
  std::vector<std::string> left;
  for (const auto& field : f) left.emplace_back(field.name_string());
  EXPECT_EQ(left, (std::vector<std::string>{"Inference-Header-Content-Length", "Host"}));
}

TEST(ReplicaUrlTest, OnlyHttpHostPortUrlsAreAccepted) {
  std::string error;
  auto hp = lb::parse_http_url("http://127.0.0.1:8080", &error);
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 8080);
  EXPECT_TRUE(lb::parse_http_url("http://[::1]:9/", &error));
  EXPECT_FALSE(lb::parse_http_url("https://a:1", &error));
  EXPECT_NE(error.find("only http://"), std::string::npos);
  EXPECT_FALSE(lb::parse_http_url("http://a:1/v2", &error));
  EXPECT_FALSE(lb::parse_http_url("http://a", &error));
  EXPECT_FALSE(lb::parse_http_url("http://a:99999", &error));
  EXPECT_FALSE(lb::parse_http_url("http://a:x1", &error));
}

TEST(QuantileTest, NearestRank) {
  EXPECT_EQ(lb::quantile({}, 0.95), 0);
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(lb::quantile(v, 0.95), 95);
  EXPECT_EQ(lb::quantile({7}, 0.95), 7);
}

TEST(LoadBalancerOptionsTest, RoundTripsAndRefusesBadFieldsByName) {
  LoadBalancerOptions o;
  o.port = 9;
  o.upstream_timeout = 1234ms;
  const LoadBalancerOptions back = LoadBalancerOptions::from_json(o.to_json());
  EXPECT_EQ(back.port, 9);
  EXPECT_EQ(back.upstream_timeout, 1234ms);
  auto message = [](const Json& j) {
    try {
      LoadBalancerOptions::from_json(j);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"port", 70000}}).find("'port'"), std::string::npos);
  EXPECT_NE(message({{"window_ms", -1}}).find("'window_ms'"), std::string::npos);
  EXPECT_NE(message({{"ready_path", "health"}}).find("'ready_path'"), std::string::npos);
  EXPECT_NE(message({{"prot", 1}}).find("unknown field 'prot'"), std::string::npos);
}

// ---------------------------------------------------------------- the proxy, in process

/// A loop thread with the balancer and upstream servers on it.
class ProxyFixture : public ::testing::Test {
 protected:
  template <class Fn>
  auto on_loop(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto f = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return f.get();
  }

  virtual LoadBalancerOptions options() {
    LoadBalancerOptions o;
    o.port = 0;
    // Probes at once when a replica joins, then rarely: a test stops a
    // replica's server and the balancer still has it ready.
    o.probe_interval = 10s;
    o.report_interval = 20ms;
    o.max_queued_requests = 0;  // no replica ready: 503 at once (HoldingProxyFixture holds)
    return o;
  }

  void SetUp() override {
    const LoadBalancerOptions o = options();
    balancer_ = std::make_unique<lb::LoadBalancer>(io_, o);
    ASSERT_TRUE(balancer_->start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    on_loop([this] {
      balancer_->stop();
      for (auto& s : servers_) s->stop();
    });
    guard_.reset();
    io_.stop();
    thread_.join();
  }

  /// An upstream answering /slow after the test releases it, anything else at once.
  std::string add_upstream(const std::string& name) {
    return on_loop([&] {
      http::HttpServerOptions o;
      o.port = 0;
      auto server =
          std::make_unique<http::HttpServer>(io_, o, [this, name](const http::Request& r) {
            if (r.target() == "/slow") {
              http::Reply reply;
              reply.deferred = [this](const std::shared_ptr<http::ResponseSlot>& slot) {
                held_.push_back(slot);
              };
              return reply;
            }
            http::Response res = http::json_response(200, "{}");
            res.set("X-Replica", name);
            return http::Reply{std::move(res), {}};
          });
      EXPECT_TRUE(server->start().ok());
      servers_.push_back(std::move(server));
      return servers_.back()->url();
    });
  }

  void set(uint64_t generation, std::vector<lb::ReplicaAddress> replicas) {
    on_loop([&] {
      balancer_->set_replicas(generation, replicas);
      return 0;
    });
  }
  Json report() {
    return on_loop([&] { return balancer_->report(); });
  }
  bool wait_for(const std::function<bool(const Json&)>& pred) {
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (pred(report())) return true;
      std::this_thread::sleep_for(5ms);
    }
    return pred(report());
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::unique_ptr<lb::LoadBalancer> balancer_;
  std::vector<std::unique_ptr<http::HttpServer>> servers_;
  std::vector<std::shared_ptr<http::ResponseSlot>> held_;  // loop thread only
  std::thread thread_;
};

TEST_F(ProxyFixture, NoReplicaIs503AndANotYetReadyOneIsToo) {
  HttpClient c(balancer_->port());
  HttpResult r = c.request(bhttp::verb::get, "/x");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 503U);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_NE(r.body.find("the set is empty"), std::string::npos) << r.body;
  set(1, {{"a", "http://127.0.0.1:1"}});  // nothing listens on port 1
  r = c.request(bhttp::verb::get, "/x");
  EXPECT_EQ(r.status, 503U);
  EXPECT_NE(r.body.find("none answered /v2/health/ready"), std::string::npos) << r.body;
}

TEST_F(ProxyFixture, ARefusedConnectionIsRetriedOnAnotherReplica) {
  const std::string good = add_upstream("good");
  const std::string dead = add_upstream("dead");
  set(1, {{"good", good}, {"dead", dead}});
  ASSERT_TRUE(wait_for([](const Json& j) {
    return j["replicas"]["good"]["ready"] == true && j["replicas"]["dead"]["ready"] == true;
  }));
  // "dead" dies while the balancer still has it ready (the next probe is 10 s away).
  on_loop([&] {
    servers_.back()->stop();
    return 0;
  });
  for (int i = 0; i < 6; ++i) {
    HttpClient c(balancer_->port());
    const HttpResult r = c.request(bhttp::verb::get, "/fast");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200U) << r.body;
    EXPECT_EQ(r.header("X-Replica"), "good");
  }
  const Json j = report();
  EXPECT_EQ(j["failures_total"], 0) << j;
  EXPECT_EQ(j["retries_total"], 1) << j;  // the refusal took "dead" out of rotation
  EXPECT_EQ(j["replicas"]["dead"]["ready"], false) << j;
}

TEST_F(ProxyFixture, TheOnlyReplicaRefusingIsA502NamingIt) {
  const std::string url = add_upstream("only");
  set(1, {{"only", url}});
  ASSERT_TRUE(wait_for([](const Json& j) { return j["replicas"]["only"]["ready"] == true; }));
  on_loop([&] {
    servers_.back()->stop();
    return 0;
  });
  HttpClient c(balancer_->port());
  const HttpResult r = c.request(bhttp::verb::get, "/fast");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 502U) << r.body;
  EXPECT_NE(r.body.find("replica 'only' failed"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("no other ready replica"), std::string::npos) << r.body;
}

TEST_F(ProxyFixture, ARemovedReplicaFinishesItsRequestInFlightAndGetsNoNewOne) {
  const std::string a = add_upstream("a");
  const std::string b = add_upstream("b");
  set(1, {{"a", a}, {"b", b}});
  ASSERT_TRUE(wait_for([](const Json& j) {
    return j["replicas"]["a"]["ready"] == true && j["replicas"]["b"]["ready"] == true;
  }));
  // One request held on whichever replica takes it.
  HttpClient slow(balancer_->port());
  ASSERT_TRUE(slow.write_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait_for([](const Json& j) { return j["in_flight"] == 1; }));
  const Json r1 = report();
  const std::string holder = r1["replicas"]["a"]["in_flight"] == 1 ? "a" : "b";
  const std::string other = holder == "a" ? "b" : "a";
  set(2, {{other, holder == "a" ? b : a}});  // the holder leaves the set
  const Json r2 = report();
  EXPECT_EQ(r2["generation"], 2);
  EXPECT_EQ(r2["replicas"][holder]["draining"], true);
  EXPECT_EQ(r2["replicas"][holder]["in_flight"], 1);
  for (int i = 0; i < 4; ++i) {
    HttpClient c(balancer_->port());
    const HttpResult r = c.request(bhttp::verb::get, "/fast");
    EXPECT_EQ(r.header("X-Replica"), other);
  }
  on_loop([&] {
    for (auto& s : held_) s->answer(http::json_response(200, R"({"late":true})"));
    return 0;
  });
  const HttpResult late = slow.read_response();
  ASSERT_TRUE(late.ok) << late.error;
  EXPECT_EQ(late.status, 200U);
  EXPECT_EQ(late.body, R"({"late":true})");
  EXPECT_TRUE(wait_for([&](const Json& j) { return !j["replicas"].contains(holder); }))
      << report().dump();  // drained and forgotten
  // ... and so is its in-flight series: no stale replica="..." at 0.
  const std::string metrics = on_loop([&] { return balancer_->metrics_text(); });
  EXPECT_EQ(metrics.find("lightning_lb_in_flight_requests{replica=\"" + holder + "\"}"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("lightning_lb_in_flight_requests{replica=\"" + other + "\"} 0"),
            std::string::npos)
      << metrics;
}

/// The balancer probing every 20 ms.
class FastProbeProxyFixture : public ProxyFixture {
 protected:
  LoadBalancerOptions options() override {
    LoadBalancerOptions o = ProxyFixture::options();
    o.probe_interval = 20ms;
    return o;
  }
};

TEST_F(FastProbeProxyFixture, ReadinessProbesReuseOneKeepAliveConnection) {
  // An upstream that records, for each probe, whether it asked for keep-alive
  // and how many connections the upstream had open then.
  struct Seen {
    int probes = 0;
    int closing = 0;
    size_t max_open = 0;
  };
  auto seen = std::make_shared<Seen>();
  const std::string url = on_loop([&] {
    http::HttpServerOptions o;
    o.port = 0;
    servers_.push_back(std::make_unique<http::HttpServer>(
        io_, o, [this, seen, index = servers_.size()](const http::Request& r) {
          if (r.target() == "/v2/health/ready") {
            ++seen->probes;
            if (!r.keep_alive()) ++seen->closing;
            seen->max_open = std::max(seen->max_open, servers_[index]->open_connections());
          }
          return http::Reply{http::json_response(200, "{}"), {}};
        }));
    EXPECT_TRUE(servers_.back()->start().ok());
    return servers_.back()->url();
  });
  set(1, {{"a", url}});
  ASSERT_TRUE(wait_for([&](const Json&) { return on_loop([&] { return seen->probes; }) >= 10; }));
  const Seen s = on_loop([&] { return *seen; });
  EXPECT_EQ(s.closing, 0) << "a probe asked to close its connection";
  EXPECT_EQ(s.max_open, 1U) << "probes opened more than one connection";
  EXPECT_EQ(on_loop([&] { return servers_.back()->open_connections(); }), 1U);
}

/// The balancer with holding on: a request with no replica ready waits
/// (max 2 held, queue_timeout 1 s).
class HoldingProxyFixture : public ProxyFixture {
 protected:
  LoadBalancerOptions options() override {
    LoadBalancerOptions o = ProxyFixture::options();
    o.max_queued_requests = 2;
    o.queue_timeout = 1000ms;
    return o;
  }
};

TEST_F(HoldingProxyFixture, AHeldRequestGoesToTheFirstReplicaThatBecomesReady) {
  HttpClient held(balancer_->port());
  ASSERT_TRUE(held.write_raw("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait_for([](const Json& j) { return j["queued"] == 1; })) << report().dump();
  EXPECT_NE(
      on_loop([&] { return balancer_->metrics_text(); }).find("lightning_lb_queued_requests 1"),
      std::string::npos);
  const std::string url = add_upstream("late");
  set(1, {{"late", url}});  // probed at once; once ready, the held request goes to it
  const HttpResult r = held.read_response();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200U) << r.body;
  EXPECT_EQ(r.header("X-Replica"), "late");
  const Json j = report();
  EXPECT_EQ(j["queued"], 0) << j;
  EXPECT_EQ(j["queued_total"], 1) << j;
  EXPECT_EQ(j["failures_total"], 0) << j;
  EXPECT_NE(
      on_loop([&] { return balancer_->metrics_text(); }).find("lightning_lb_queued_requests 0"),
      std::string::npos);
}

TEST_F(HoldingProxyFixture, PastQueueTimeoutOrMaxQueuedItIsA503WithRetryAfter) {
  set(1, {{"a", "http://127.0.0.1:1"}});  // known, never ready: nothing listens on port 1
  HttpClient c1(balancer_->port());
  HttpClient c2(balancer_->port());
  ASSERT_TRUE(c1.write_raw("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c2.write_raw("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait_for([](const Json& j) { return j["queued"] == 2; })) << report().dump();
  HttpClient c3(balancer_->port());  // a third: over max_queued_requests, 503 at once
  const HttpResult full = c3.request(bhttp::verb::get, "/x");
  ASSERT_TRUE(full.ok) << full.error;
  EXPECT_EQ(full.status, 503U);
  EXPECT_EQ(full.header("Retry-After"), "1");
  EXPECT_NE(full.body.find("max_queued_requests (2)"), std::string::npos) << full.body;
  for (HttpClient* c : {&c1, &c2}) {
    const HttpResult r = c->read_response();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 503U);
    EXPECT_EQ(r.header("Retry-After"), "1");
    EXPECT_NE(r.body.find("no replica became ready within queue_timeout 1000 ms (1 known, none "
                          "answered /v2/health/ready with 200 yet)"),
              std::string::npos)
        << r.body;
  }
  const Json j = report();
  EXPECT_EQ(j["queued"], 0) << j;
  EXPECT_EQ(j["failures_total"], 3) << j;
}

TEST_F(HoldingProxyFixture, ARequestWhoseOnlyReplicaDiedWaitsForTheNextOne) {
  const std::string first = add_upstream("first");
  set(1, {{"first", first}});
  ASSERT_TRUE(wait_for([](const Json& j) { return j["replicas"]["first"]["ready"] == true; }));
  // It dies while the balancer still has it ready (the next probe is 10 s away).
  on_loop([&] {
    servers_.back()->stop();
    return 0;
  });
  HttpClient c(balancer_->port());
  ASSERT_TRUE(c.write_raw("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Refused, no other replica ready: held, not a 502.
  ASSERT_TRUE(wait_for([](const Json& j) { return j["queued"] == 1; })) << report().dump();
  const std::string second = add_upstream("second");
  set(2, {{"second", second}});
  const HttpResult r = c.read_response();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200U) << r.body;
  EXPECT_EQ(r.header("X-Replica"), "second");
  const Json j = report();
  EXPECT_EQ(j["failures_total"], 0) << j;
  EXPECT_EQ(j["retries_total"], 1) << j;
}

}  // namespace
}  // namespace lightning::components
