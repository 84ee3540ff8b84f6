// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// AutoScaler in a real app (apps/autoscale_app.cpp): real replica processes,
// the balancer in its own process, real HTTP clients with keep-alive. The app
// writes <dir>/status.json; the test waits on it (with deadlines) and stops
// the app by creating <dir>/stop.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../../common/http_client.hpp"
#include "../../integration/support.hpp"

namespace lightning::integration {
namespace {

using lightning::testing::HttpClient;
using lightning::testing::HttpResult;
namespace verb = boost::beast::http;

constexpr milliseconds kScaleDeadline{25000};

/// One app run of a scenario; stops it (the stop file) and reaps it at the end.
class ScalerApp {
 public:
  explicit ScalerApp(const std::string& scenario)
      : app_(LIGHTNING_AUTOSCALE_APP,
             {"--run-dir", dir_ / "run", "--quiet-works", "--", scenario, dir_.path()},
             dir_.path()) {}
  ~ScalerApp() { finish(); }

  Json status() const { return read_json(dir_ / "status.json"); }

  /// Waits until status.json satisfies `pred`; returns the last status seen.
  Json wait_status(const std::function<bool(const Json&)>& pred,
                   milliseconds timeout = kScaleDeadline) {
    Json last;
    wait_until(
        [&] {
          last = status();
          return !last.is_discarded() && pred(last);
        },
        timeout, milliseconds(20));
    return last;
  }

  uint16_t port() {
    const Json s =
        wait_status([](const Json& j) { return !j.at("url").get<std::string>().empty(); });
    const std::string url = s.at("url");
    return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }

  ExitStatus finish() {
    if (!finished_) {
      write_file(dir_ / "stop", "");
      exit_ = app_.wait();
      finished_ = true;
    }
    return exit_;
  }
  std::string describe() {
    return "stderr:\n" + app_.stderr_text() + "\nstatus: " + status().dump();
  }

 private:
  TempDir dir_;
  AppProcess app_;
  bool finished_ = false;
  ExitStatus exit_;
};

/// N keep-alive clients sending POST /delay?ms=D in a loop; counts answers.
class Load {
 public:
  Load(uint16_t port, int delay_ms) : port_(port), delay_ms_(delay_ms) {}
  ~Load() { stop_all(); }

  void add(int clients) {
    for (int i = 0; i < clients; ++i) {
      auto stop = std::make_shared<std::atomic<bool>>(false);
      stops_.push_back(stop);
      threads_.emplace_back([this, stop] {
        std::unique_ptr<HttpClient> c;
        while (!*stop) {
          if (!c) c = std::make_unique<HttpClient>(port_);
          const HttpResult r =
              c->request(verb::verb::post, "/delay?ms=" + std::to_string(delay_ms_), "{}");
          if (r.ok && r.status == 200) {
            ++ok_;
            std::lock_guard<std::mutex> lock(mu_);
            ++by_replica_[r.header("X-Replica")];
          } else {
            ++failed_;
            std::lock_guard<std::mutex> lock(mu_);
            errors_.push_back(r.ok ? std::to_string(r.status) + " " + r.body : r.error);
            c.reset();
          }
        }
      });
    }
  }
  /// Stops all but `keep` clients (the last ones added first).
  void keep(size_t keep) {
    for (size_t i = keep; i < stops_.size(); ++i) *stops_[i] = true;
  }
  void stop_all() {
    keep(0);
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int ok() const { return ok_; }
  int failed() const { return failed_; }
  std::string errors() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (size_t i = 0; i < errors_.size() && i < 5; ++i) out += errors_[i] + "\n";
    return out;
  }
  std::map<std::string, int> by_replica() {
    std::lock_guard<std::mutex> lock(mu_);
    return by_replica_;
  }

 private:
  uint16_t port_;
  int delay_ms_;
  std::vector<std::shared_ptr<std::atomic<bool>>> stops_;
  std::vector<std::thread> threads_;
  std::atomic<int> ok_{0}, failed_{0};
  std::mutex mu_;
  std::map<std::string, int> by_replica_;
  std::vector<std::string> errors_;
};

/// `n` requests at once (one connection each); the replica that answered each.
std::vector<std::string> concurrent_replicas(uint16_t port, int n, int delay_ms) {
  std::vector<std::string> out(static_cast<size_t>(n));
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < n; ++i) clients.push_back(std::make_unique<HttpClient>(port));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      const HttpResult r = clients[static_cast<size_t>(i)]->request(
          verb::verb::post, "/delay?ms=" + std::to_string(delay_ms), "{}");
      out[static_cast<size_t>(i)] = r.ok && r.status == 200 ? r.header("X-Replica") : "failed";
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

bool ready_is(const Json& s, int n) { return s.at("ready") == n && s.at("replicas") == n; }

TEST(AutoScalerTest, RequestsSpreadByLeastOutstandingRequests) {
  ScalerApp app("fixed3");
  const uint16_t port = app.port();
  ASSERT_TRUE(ready_is(app.wait_status([](const Json& s) { return ready_is(s, 3); }), 3))
      << app.describe();
  // Three slow requests at once: each replica has one.
  const auto three = concurrent_replicas(port, 3, 400);
  EXPECT_EQ(std::set<std::string>(three.begin(), three.end()).size(), 3U)
      << three[0] << " " << three[1] << " " << three[2];
  // Six: two each.
  std::map<std::string, int> count;
  for (const auto& r : concurrent_replicas(port, 6, 400)) ++count[r];
  EXPECT_EQ(count.size(), 3U);
  for (const auto& [replica, n] : count) EXPECT_EQ(n, 2) << replica;
  EXPECT_EQ(app.finish().exit_code, 0) << app.describe();
}

TEST(AutoScalerTest, BinaryBodiesAndInferenceHeaderContentLengthPassThroughHopByHopDoNot) {
  ScalerApp app("fixed3");
  const uint16_t port = app.port();
  app.wait_status([](const Json& s) { return s.at("ready") == 3; });
  std::string body = R"({"inputs":[]})";
  for (int i = 0; i < 1 << 16; ++i) body.push_back(static_cast<char>(i % 256));  // NULs included
  HttpClient c(port);
  const HttpResult r = c.request(verb::verb::post, "/echo", body,
                                 {{"Inference-Header-Content-Length", "13"},
                                  {"Content-Type", "application/octet-stream"},
                                  {"Connection", "keep-alive, X-Hop"},
                                  {"X-Hop", "secret"},
                                  {"Keep-Alive", "timeout=5"},
                                  {"X-Forwarded-For", "10.0.0.7"}});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.status, 200U) << r.body;
  EXPECT_TRUE(r.body == body) << "the body changed on the way: " << r.body.size() << " bytes";
  EXPECT_EQ(r.header("Inference-Header-Content-Length"), "13");
  const Json seen = Json::parse(r.header("X-Seen-Headers"));
  EXPECT_EQ(seen.value("Inference-Header-Content-Length", ""), "13") << seen;
  EXPECT_FALSE(seen.contains("X-Hop")) << seen;
  EXPECT_FALSE(seen.contains("Keep-Alive")) << seen;
  EXPECT_EQ(seen.value("X-Forwarded-For", ""), "10.0.0.7, 127.0.0.1") << seen;
  EXPECT_EQ(seen.value("X-Forwarded-Host", ""), "127.0.0.1") << seen;
  EXPECT_EQ(seen.value("X-Forwarded-Proto", ""), "http") << seen;
  // The same keep-alive connection serves the balancer's own /metrics.
  const HttpResult m = c.request(verb::verb::get, "/metrics");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_EQ(m.status, 200U);
  EXPECT_TRUE(contains(m.body, "lightning_lb_requests_total{code=\"200\",replica=\"" +
                                   r.header("X-Replica") + "\"} 1"))
      << m.body;
  EXPECT_TRUE(contains(m.body, "lightning_lb_in_flight_requests{replica=\"replica_0\"} 0"))
      << m.body;
  EXPECT_TRUE(contains(m.body, "lightning_lb_request_duration_seconds_bucket{le=\"+Inf\"} 1"))
      << m.body;
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
    TempDir tmp;
    write_file(tmp / "metrics.txt", m.body);
    EXPECT_EQ(std::system(("promtool check metrics < " + (tmp / "metrics.txt") + " >" +
                           (tmp / "promtool.out") + " 2>&1")
                              .c_str()),
              0)
        << read_file(tmp / "promtool.out");
  }
  EXPECT_EQ(app.finish().exit_code, 0) << app.describe();
}

TEST(AutoScalerTest, ScalesOutAndInUnderLoadWithZeroFailedRequests) {
  ScalerApp app("scale");
  const uint16_t port = app.port();
  ASSERT_EQ(app.wait_status([](const Json& s) { return s.at("ready") == 1; }).at("ready"), 1)
      << app.describe();
  Load load(port, 20);
  load.add(1);  // the one that stays
  load.add(7);  // 8 in flight, target 2 per replica: out to max (3)
  const Json out = app.wait_status([](const Json& s) { return ready_is(s, 3); });
  ASSERT_TRUE(ready_is(out, 3)) << app.describe();
  EXPECT_TRUE(contains(out.at("last_decision"), "scale out")) << out;
  load.keep(1);  // ~1 in flight over 3 replicas: below half the target, in one by one to min (1)
  const Json in = app.wait_status(
      [](const Json& s) { return s.at("replicas") == 1 && s.at("phases").size() == 1; });
  EXPECT_EQ(in.at("replicas"), 1) << app.describe();
  EXPECT_TRUE(contains(in.at("last_decision"), "scale in 2 -> 1")) << in;
  // Real traffic went through all of it: at least 100 answers (on a loaded
  // machine under ASan the scaling can be over before that many; the one
  // remaining client makes up the rest).
  EXPECT_TRUE(wait_until([&] { return load.ok() > 100; }, kScaleDeadline)) << load.ok();
  load.stop_all();
  EXPECT_EQ(load.failed(), 0) << load.errors();
  EXPECT_EQ(load.by_replica().size(), 3U);  // all three served
  EXPECT_EQ(app.finish().exit_code, 0) << app.describe();
}

TEST(AutoScalerTest, AReplicaKilledUnderLoadFailsNoRequestAndIsReplaced) {
  ScalerApp app("kill");
  const uint16_t port = app.port();
  const Json before = app.wait_status([](const Json& s) {
    return ready_is(s, 2) && s.at("pids").size() == 2 && s.at("pids").at("replica_0") != 0;
  });
  ASSERT_TRUE(ready_is(before, 2)) << app.describe();
  const int victim = before.at("pids").at("replica_0").get<int>();
  Load load(port, 50);
  load.add(4);
  ASSERT_TRUE(wait_until([&] { return load.ok() > 20; }, kScaleDeadline));
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  const Json after = app.wait_status([&](const Json& s) {
    return ready_is(s, 2) && s.at("pids").value("replica_0", 0) != victim &&
           s.at("pids").value("replica_0", 0) != 0;
  });
  EXPECT_TRUE(ready_is(after, 2)) << app.describe();
  EXPECT_NE(after.at("pids").value("replica_0", 0), victim);
  // The kill landed under load: requests that had reached the victim were retried.
  const Json retried =
      app.wait_status([](const Json& s) { return s.at("report").value("retries_total", 0) >= 1; });
  EXPECT_GE(retried.at("report").value("retries_total", 0), 1) << retried;
  const int served = load.ok();
  ASSERT_TRUE(wait_until([&] { return load.ok() > served + 20; }, kScaleDeadline));
  load.stop_all();
  EXPECT_EQ(load.failed(), 0) << load.errors();
  EXPECT_EQ(app.finish().exit_code, 0) << app.describe();
}

TEST(AutoScalerTest, KilledWithSigkillAndResumedItServesAgainFromItsReplicasMadeAgain) {
  // The replicas are works the AutoScaler makes inside run(): --resume makes
  // them again from the journal (docs/design/journal.md, "Resume").
  TempDir dir;
  const std::string run_dir = dir / "run";
  auto ready3 = [&](std::set<int>* pids) {
    return wait_until(
        [&] {
          const Json s = read_json(dir / "status.json");
          if (s.is_discarded() || !ready_is(s, 3) || s.at("url").get<std::string>().empty())
            return false;
          for (const auto& [name, pid] : s.at("pids").items()) {
            if (pid.get<int>() != 0) pids->insert(pid.get<int>());
          }
          return true;
        },
        kScaleDeadline, milliseconds(20));
  };
  std::set<int> before;
  {
    AppProcess app(LIGHTNING_AUTOSCALE_APP,
                   {"--run-dir", run_dir, "--quiet-works", "--", "fixed3", dir.path()},
                   dir.path());
    ASSERT_TRUE(ready3(&before)) << app.stderr_text();
    app.send_signal(SIGKILL);
    ASSERT_EQ(app.wait().signal, SIGKILL);
  }
  std::filesystem::remove(dir / "status.json");
  std::filesystem::create_directories(dir / "resumed");
  // No app arguments: the run's own ("fixed3 <dir>") come from the journal.
  AppProcess resumed(LIGHTNING_AUTOSCALE_APP, {"--resume", run_dir, "--quiet-works"},
                     dir / "resumed");
  std::set<int> after;
  ASSERT_TRUE(ready3(&after)) << resumed.stderr_text();
  for (const int pid : after) EXPECT_EQ(before.count(pid), 0U) << "pid " << pid;
  const Json s = read_json(dir / "status.json");
  const std::string url = s.at("url");
  HttpClient client(static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
  const HttpResult r = client.request(verb::verb::post, "/delay?ms=1", "{}");
  EXPECT_TRUE(r.ok && r.status == 200) << r.error << r.body;
  EXPECT_TRUE(contains(resumed.stderr_text(), "resuming the run in")) << resumed.stderr_text();
  write_file(dir / "stop", "");
  const ExitStatus exit = resumed.wait();
  EXPECT_EQ(exit.exit_code, 0) << exit << resumed.stderr_text();
}

/// The first replica in `status` with a process (pid != 0), and its pid; {"", 0} if none.
std::pair<std::string, int> some_replica(const Json& status, int other_than = 0) {
  for (const auto& [name, pid] : status.at("pids").items()) {
    if (pid.get<int>() != 0 && pid.get<int>() != other_than) return {name, pid.get<int>()};
  }
  return {"", 0};
}

TEST(AutoScalerTest, AReplicaNotReadyWithinReadyTimeoutGetsNoTrafficAndIsReplaced) {
  ScalerApp app("never_ready");  // ready_timeout 2 s; its replicas answer 503 on the ready path
  const uint16_t port = app.port();
  const Json first = app.wait_status([](const Json& s) { return some_replica(s).second != 0; });
  const auto [name, pid] = some_replica(first);
  ASSERT_NE(pid, 0) << app.describe();
  // Published, but its ready path says 503: the request is held for a ready
  // replica, and past the balancer's queue_timeout (500 ms) it gets a 503.
  HttpClient c(port);
  const auto sent = Clock::now();
  const HttpResult r = c.request(verb::verb::post, "/delay?ms=0", "{}");
  const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - sent);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 503U) << r.body;
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_TRUE(contains(Json::parse(r.body).at("error").at("message"),
                       "no replica became ready within queue_timeout 500 ms"))
      << r.body;
  EXPECT_GE(waited.count(), 450) << "answered before queue_timeout";
  // At ready_timeout it is stopped, and another process takes its place.
  const Json next = app.wait_status([&, pid = pid](const Json& s) {
    return process_is_gone(pid) && some_replica(s, pid).second != 0;
  });
  EXPECT_TRUE(process_is_gone(pid)) << name << " " << app.describe();
  EXPECT_NE(some_replica(next, pid).second, 0) << app.describe();
  EXPECT_EQ(next.at("ready"), 0);
  EXPECT_GE(next.at("report").value("queued_total", 0), 1) << next;
  EXPECT_EQ(app.finish().exit_code, 0) << app.describe();
}

/// Sends POST /delay?ms=0 on a fresh connection; the result and how long it took.
std::pair<HttpResult, milliseconds> timed_request(uint16_t port) {
  HttpClient c(port, milliseconds(20000));
  const auto sent = Clock::now();
  HttpResult r = c.request(verb::verb::post, "/delay?ms=0", "{}");
  return {r, std::chrono::duration_cast<milliseconds>(Clock::now() - sent)};
}

TEST(AutoScalerTest, MinZeroStartsAReplicaForAHeldRequestAndScalesBackToZeroWhenIdle) {
  ScalerApp app("zero");  // min 0, max 2, scale_in_cooldown 1 s
  const uint16_t port = app.port();
  const Json start = app.status();
  EXPECT_EQ(start.at("replicas"), 0) << start;
  EXPECT_TRUE(start.at("pids").empty()) << start;
  EXPECT_TRUE(start.at("phases").empty()) << start;

  // The first request is held until a replica, started because of it, is ready.
  const auto [r, cold] = timed_request(port);
  ASSERT_TRUE(r.ok) << r.error << app.describe();
  EXPECT_EQ(r.status, 200U) << r.body;
  EXPECT_EQ(r.header("X-Replica"), "replica_0");
  std::cout << "[ cold start ] request -> answer with 0 replicas: " << cold.count() << " ms\n";
  const Json up = app.wait_status([](const Json& s) { return s.at("ready") == 1; });
  EXPECT_EQ(up.at("report").value("queued_total", 0), 1) << up;
  EXPECT_EQ(up.at("report").value("failures_total", 1), 0) << up;
  const int first_pid = up.at("pids").value("replica_0", 0);
  ASSERT_NE(first_pid, 0) << up;

  // Idle for scale_in_cooldown: back to zero, the replica's process gone.
  const Json down = app.wait_status([](const Json& s) {
    return s.at("replicas") == 0 && s.at("phases").empty() &&
           contains(s.at("last_decision"), "scale to zero 1 -> 0");
  });
  EXPECT_TRUE(contains(down.at("last_decision"), "scale to zero 1 -> 0")) << app.describe();
  EXPECT_TRUE(wait_process_gone(first_pid, kScaleDeadline)) << "replica_0 still runs";

  // And from zero again (the slot is reused by a new process).
  const auto [again, cold2] = timed_request(port);
  ASSERT_TRUE(again.ok) << again.error << app.describe();
  EXPECT_EQ(again.status, 200U) << again.body;
  std::cout << "[ cold start ] again: " << cold2.count() << " ms\n";
  const Json up2 = app.wait_status([](const Json& s) { return s.at("ready") == 1; });
  EXPECT_TRUE(contains(up2.at("last_decision"), "scale from zero 0 -> 1")) << up2;
  const int second_pid = up2.at("pids").value(again.header("X-Replica"), 0);
  EXPECT_NE(second_pid, 0) << up2;
  EXPECT_NE(second_pid, first_pid) << up2;
  EXPECT_EQ(app.finish().exit_code, 0) << app.describe();
}

}  // namespace
}  // namespace lightning::integration
