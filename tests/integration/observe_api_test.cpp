// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the HTTP API shows of a running app (apps/observe_app.cpp): the
// components tree, a work's published URL, work logs (tail, follow, resume,
// across a restart) and /metrics (checked by promtool). A real app process,
// real work processes, a real HTTP client; waits on conditions with deadlines.
#include <gtest/gtest.h>
#include <stdio.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <memory>
#include <regex>

#include "../common/http_client.hpp"
#include "api_app.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

using lightning::testing::HttpResult;
using lightning::testing::SseEvent;
using lightning::testing::SseReader;

constexpr milliseconds kWait{20000};

Json json_of(const std::string& text) { return Json::parse(text, nullptr, false); }

/// A running observe_app ("works" scenario) and its API.
class RunningApp : public ApiApp {
 public:
  RunningApp() : ApiApp(LIGHTNING_OBSERVE_APP, {"works"}) {}

  /// The node of work `name` (a child of the root) in GET /api/v1/components.
  Json work_node(const std::string& name) {
    const Json c = get_json("/api/v1/components");
    if (!c.contains("root")) return Json();
    for (const Json& w : c.at("root").at("works")) {
      if (w.at("name") == name) return w;
    }
    return Json();
  }
  /// Waits until work `name`'s node satisfies `pred`; returns the last node seen.
  Json wait_work(const std::string& name, const std::function<bool(const Json&)>& pred) {
    Json node;
    wait_until(
        [&] {
          node = work_node(name);
          return node.is_object() && pred(node);
        },
        kWait, milliseconds(20));
    return node;
  }
};

bool is_status(const Json& node, const char* status) { return node.at("status") == status; }

TEST(ObserveApiTest, ComponentsShowEachWorksStatusTimesPidLogAndUrl) {
  RunningApp app;
  ASSERT_NE(app.port(), 0) << app.describe();
  const Json printer =
      app.wait_work("printer", [](const Json& n) { return is_status(n, "succeeded"); });
  ASSERT_TRUE(printer.is_object() && is_status(printer, "succeeded")) << printer << app.describe();
  EXPECT_EQ(printer.at("path"), "root.printer");
  EXPECT_EQ(printer.at("kind"), "work");
  EXPECT_EQ(printer.at("call_id"), 1);
  EXPECT_EQ(printer.at("attempt"), 1);
  ASSERT_TRUE(printer.at("started_at").is_number()) << printer;
  ASSERT_TRUE(printer.at("ended_at").is_number()) << printer;
  EXPECT_LE(printer.at("started_at").get<double>(), printer.at("ended_at").get<double>());
  EXPECT_NEAR(printer.at("duration_s").get<double>(),
              printer.at("ended_at").get<double>() - printer.at("started_at").get<double>(), 1e-3);
  EXPECT_GT(printer.at("pid").get<int>(), 0);
  EXPECT_EQ(printer.at("log_path"), app.run_dir() + "/logs/root.printer.log");
  EXPECT_TRUE(file_exists(printer.at("log_path")));
  EXPECT_TRUE(printer.at("url").is_null());
  EXPECT_FALSE(printer.at("host").get<std::string>().empty());

  const Json server =
      app.wait_work("server", [](const Json& n) { return n.at("url").is_string(); });
  ASSERT_TRUE(server.is_object() && server.at("url").is_string()) << server << app.describe();
  EXPECT_TRUE(is_status(server, "running"));
  EXPECT_TRUE(server.at("ended_at").is_null());
  EXPECT_TRUE(server.at("alive").get<bool>());
  const Json c = app.get_json("/api/v1/components");
  EXPECT_EQ(c.at("root").at("kind"), "flow");
  EXPECT_EQ(c.at("root").at("path"), "root");
  EXPECT_TRUE(c.at("version").is_number_unsigned());
}

TEST(ObserveApiTest, PublishedUrlIsRealAndInTheStateTree) {
  RunningApp app;
  const Json server =
      app.wait_work("server", [](const Json& n) { return n.at("url").is_string(); });
  ASSERT_TRUE(server.is_object() && server.at("url").is_string()) << server << app.describe();
  const std::string url = server.at("url");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(url, m, std::regex(R"(http://127\.0\.0\.1:(\d+))"))) << url;
  // The work really listens there.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(
      {boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(std::stoi(m[1].str()))},
      ec);
  EXPECT_FALSE(ec) << ec.message();
  const Json state = app.get_json("/api/v1/state");
  EXPECT_EQ(state.at("state").at("works").at("server").at("url"), url);
  EXPECT_TRUE(state.at("state").at("works").at("printer").at("url").is_null());
}

TEST(ObserveApiTest, LogTailGivesTheLastLinesAndBadRequestsGet4xx) {
  RunningApp app;
  // Output reaches the controller through a pipe, apart from the call's end.
  ASSERT_TRUE(wait_until(
      [&] {
        const Json all = app.get_json("/api/v1/works/root.printer/logs");
        return all.contains("lines") && all.at("lines").size() == 10;
      },
      kWait, milliseconds(20)))
      << app.describe();
  const HttpResult tail = app.get("/api/v1/works/root.printer/logs?tail=3");
  ASSERT_EQ(tail.status, 200u) << tail.body << app.describe();
  const Json body = json_of(tail.body);
  EXPECT_EQ(body.at("path"), "root.printer");
  EXPECT_EQ(body.at("lines"), (Json{"line 7", "line 8", "line 9"}));
  EXPECT_EQ(body.at("truncated"), true);
  const Json all = app.get_json("/api/v1/works/root.printer/logs");
  EXPECT_EQ(all.at("lines").size(), 10u);
  EXPECT_EQ(all.at("truncated"), false);

  EXPECT_EQ(app.get("/api/v1/works/root.nope/logs").status, 404u);
  EXPECT_EQ(app.get("/api/v1/works/root.printer/logs?tail=abc").status, 400u);
  EXPECT_EQ(app.get("/api/v1/works/root.printer/logs?tail=10001").status, 400u);
  EXPECT_EQ(app.get("/api/v1/works/../logs").status, 400u);
  EXPECT_EQ(app.get("/api/v1/works/%2E%2E/logs").status, 400u);
  const HttpResult escape = app.get("/api/v1/works/..%2F..%2Fapi-token/logs");
  EXPECT_EQ(escape.status / 100, 4u);
  EXPECT_FALSE(contains(escape.body, app.run_dir())) << escape.body;
  EXPECT_TRUE(json_of(escape.body).contains("error")) << escape.body;
}

/// The number N of a "tick N" line, or -1.
int tick_of(const std::string& line) {
  return line.rfind("tick ", 0) == 0 ? std::stoi(line.substr(5)) : -1;
}

TEST(ObserveApiTest, FollowStreamsNewLinesLiveAndResumesFromLastEventIdWithoutAGap) {
  RunningApp app;
  app.wait_work("server", [](const Json& n) { return n.at("url").is_string(); });
  std::string last_id;
  int last_tick = -1;
  {
    SseReader stream(app.port(), "/api/v1/works/root.server/logs?follow=1&tail=1");
    ASSERT_TRUE(stream.started()) << stream.head() << app.describe();
    EXPECT_TRUE(contains(stream.head(), "text/event-stream"));
    // The tail, then lines written after we connected: more than one tick.
    SseEvent ev;
    uint64_t previous_id = 0;
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(stream.next(&ev)) << "event " << i << app.describe();
      EXPECT_EQ(ev.event, "line");
      const uint64_t id = std::stoull(ev.id);
      EXPECT_GT(id, previous_id);
      previous_id = id;
      const int tick = tick_of(ev.data);
      ASSERT_GE(tick, 0) << ev.data;
      if (last_tick >= 0) EXPECT_EQ(tick, last_tick + 1) << "a line was lost";
      last_tick = tick;
      last_id = ev.id;
    }
  }
  // Resume: the next line is the one after the last we had.
  SseReader resumed(app.port(), "/api/v1/works/root.server/logs?follow=1",
                    {{"Last-Event-ID", last_id}});
  ASSERT_TRUE(resumed.started()) << resumed.head();
  SseEvent ev;
  ASSERT_TRUE(resumed.next(&ev));
  EXPECT_EQ(tick_of(ev.data), last_tick + 1) << ev.data;
  EXPECT_GT(std::stoull(ev.id), std::stoull(last_id));
}

TEST(ObserveApiTest, FollowSurvivesTheWorksRestartAndAFinishedWorksLogStaysReadable) {
  RunningApp app;
  ASSERT_TRUE(wait_until([&] { return file_exists(app.run_dir() + "/flaky-started"); }, kWait))
      << app.describe();
  SseReader stream(app.port(), "/api/v1/works/root.flaky/logs?follow=1");
  ASSERT_TRUE(stream.started()) << stream.head();
  SseEvent ev;
  ASSERT_TRUE(stream.next(&ev)) << app.describe();
  EXPECT_EQ(ev.data, "first attempt");
  write_file(app.run_dir() + "/go", "");  // the first process exits 3; the retry runs
  ASSERT_TRUE(stream.next(&ev)) << app.describe();
  EXPECT_EQ(ev.data, "second attempt");

  const Json flaky =
      app.wait_work("flaky", [](const Json& n) { return is_status(n, "succeeded"); });
  EXPECT_EQ(flaky.at("attempt"), 2) << flaky;
  EXPECT_GT(flaky.at("pid").get<int>(), 0) << flaky;  // the retry's process
  const Json logs = app.get_json("/api/v1/works/root.flaky/logs");
  EXPECT_EQ(logs.at("lines"), (Json{"first attempt", "second attempt"}));
}

/// The value of the sample `name{labels}` in a text exposition, or nothing.
std::optional<double> sample_of(const std::string& text, const std::string& series) {
  for (const std::string& line : lines_of(text)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

TEST(ObserveApiTest, MetricsPassPromtoolAndCountWhatHappened) {
  RunningApp app;
  app.wait_work("printer", [](const Json& n) { return is_status(n, "succeeded"); });
  app.wait_work("server", [](const Json& n) { return n.at("url").is_string(); });
  app.get("/api/v1/works/root.printer/logs?tail=1");
  const HttpResult res = app.get("/metrics");
  ASSERT_EQ(res.status, 200u) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = res.body;

  EXPECT_EQ(
      sample_of(text, R"(lightning_work_calls_total{outcome="succeeded",work="root.printer"})"),
      1.0)
      << text;
  EXPECT_GE(sample_of(text, "lightning_flow_runs_total").value_or(0), 1.0) << text;
  EXPECT_GE(sample_of(text, "lightning_flow_run_duration_seconds_count").value_or(0), 1.0);
  EXPECT_EQ(sample_of(text, R"(lightning_work_call_duration_seconds_count{work="root.printer"})"),
            1.0);
  EXPECT_GE(sample_of(text, "lightning_state_changes_total").value_or(0), 1.0);
  EXPECT_GE(sample_of(text, R"(lightning_works{status="running"})").value_or(0), 1.0);
  EXPECT_GT(
      sample_of(text, R"(lightning_work_resident_memory_bytes{work="root.server"})").value_or(0),
      1e6)
      << text;
  EXPECT_TRUE(sample_of(text, R"(lightning_work_cpu_seconds_total{work="root.server"})")) << text;
  EXPECT_GE(
      sample_of(
          text,
          R"(lightning_http_requests_total{code="200",method="GET",route="/api/v1/works/{path}/logs"})")
          .value_or(0),
      1.0)
      << text;
  EXPECT_FALSE(contains(text, "root.printer/logs")) << "a raw path as a label";

  // promtool (Debian package prometheus; scripts/install-deps.sh installs it).
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (apt-get install prometheus)";
  }
  TempDir dir;
  write_file(dir / "metrics.txt", text);
  const std::string command =
      "promtool check metrics < " + (dir / "metrics.txt") + " > " + (dir / "out.txt") + " 2>&1";
  const int rc = std::system(command.c_str());
  EXPECT_EQ(rc, 0) << read_file(dir / "out.txt") << "\n" << text;
}

}  // namespace
}  // namespace lightning::integration
