// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// HttpServer with a real socket on port 0 and its io_context on a thread of
// its own (as the app's loop); handlers are fakes. Limits are set small so
// each case takes milliseconds.
#include "http/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

#include "common/http_client.hpp"
#include "http/router.hpp"
#include "http/sse.hpp"

namespace lightning::http {
namespace {

using lightning::testing::HttpClient;
using lightning::testing::SseEvent;
using lightning::testing::SseReader;
using std::chrono::milliseconds;
namespace beast_http = boost::beast::http;

/// A server on its own loop thread, with a router of fakes.
class ServerFixture : public ::testing::Test {
 protected:
  void start(HttpServerOptions options) {
    options.port = 0;
    router_.add("GET", "/hello", [](const Request&, const PathParams&) -> Reply {
      return {json_response(200, R"({"hello":true})"), {}};
    });
    router_.add("POST", "/echo", [](const Request& r, const PathParams&) -> Reply {
      return {json_response(200, r.body()), {}};
    });
    router_.add("GET", "/stream", [this](const Request&, const PathParams&) -> Reply {
      Reply reply{Response{beast_http::status::ok, 11}, {}};
      reply.response.set(beast_http::field::content_type, "text/event-stream");
      reply.stream = [this](const std::shared_ptr<SseSink>& sink) {
        sink->send(std::make_shared<const std::string>(format_sse_event(1, "snapshot", "{}")));
        sink_ = sink;
      };
      return reply;
    });
    server_ = std::make_unique<HttpServer>(
        io_, options, [this](const Request& r) { return router_.dispatch(r); });
    ASSERT_TRUE(server_->start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (!thread_.joinable()) return;
    on_loop([this] {
      server_.reset();
      sink_.reset();
    });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  /// Runs `fn` on the loop thread and waits for it.
  template <class F>
  auto on_loop(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto done = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return done.get();
  }

  uint16_t port() const { return server_->port(); }

  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<SseSink> sink_;
  std::thread thread_;
};

using HttpServerTest = ServerFixture;

TEST_F(HttpServerTest, KeepAliveAnswersSeveralRequestsOnOneConnection) {
  start({});
  HttpClient client(port());
  for (int i = 0; i < 3; ++i) {
    const auto res = client.request(beast_http::verb::get, "/hello");
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, R"({"hello":true})");
  }
  EXPECT_EQ(on_loop([this] { return server_->open_connections(); }), 1u);
}

TEST_F(HttpServerTest, BodyOverTheLimitIsA413) {
  HttpServerOptions options;
  options.max_body_bytes = 100;
  start(options);
  HttpClient client(port());
  // Headers only: the server answers from Content-Length, before any body.
  const auto res =
      client.send_raw("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 101\r\n\r\n");
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.status, 413u);
  EXPECT_NE(res.body.find("\"code\":413"), std::string::npos) << res.body;
  HttpClient ok(port());
  EXPECT_EQ(ok.request(beast_http::verb::post, "/echo", std::string(100, 'x')).status, 200u);
}

TEST_F(HttpServerTest, Expect100ContinueIsAnsweredBeforeTheBodyIsRead) {
  HttpServerOptions options;
  options.max_body_bytes = 100;
  start(options);
  HttpClient client(port());
  // The headers alone: the server says 100 Continue, then reads the body.
  ASSERT_TRUE(
      client.write_raw("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 11\r\n"
                       "Expect: 100-continue\r\n\r\n"));
  const auto interim = client.read_response();
  ASSERT_TRUE(interim.ok) << interim.error;
  EXPECT_EQ(interim.status, 100u);
  ASSERT_TRUE(client.write_raw(R"({"x":12345})"));
  const auto res = client.read_response();
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, R"({"x":12345})");
  // The connection goes on (keep-alive).
  EXPECT_EQ(client.request(beast_http::verb::get, "/hello").status, 200u);
  // A body over the limit: 413 at once, no 100 and no body read.
  HttpClient big(port());
  const auto refused = big.send_raw(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 101\r\n"
      "Expect: 100-continue\r\n\r\n");
  ASSERT_TRUE(refused.ok) << refused.error;
  EXPECT_EQ(refused.status, 413u);
  // Any other expectation: 417.
  HttpClient odd(port());
  const auto other = odd.send_raw(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
      "Expect: teapot\r\n\r\n");
  ASSERT_TRUE(other.ok) << other.error;
  EXPECT_EQ(other.status, 417u);
  EXPECT_NE(other.body.find("unsupported Expect 'teapot'"), std::string::npos) << other.body;
}

TEST_F(HttpServerTest, CurlWithExpect100ContinueDoesNotWaitForItsTimeout) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no curl";
  start({});
  // curl waits --expect100-timeout (here 5 s) for the 100 before it sends the body.
  const std::string cmd =
      "curl -sS -o /dev/null -w '%{http_code}' --expect100-timeout 5 "
      "-H 'Expect: 100-continue' -H 'Content-Type: application/json' "
      "--data-binary '{\"a\":1}' http://127.0.0.1:" +
      std::to_string(port()) + "/echo";
  const auto t0 = std::chrono::steady_clock::now();
  FILE* out = ::popen(cmd.c_str(), "r");
  ASSERT_NE(out, nullptr);
  char code[8] = {};
  const size_t n = std::fread(code, 1, sizeof code - 1, out);
  ::pclose(out);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(std::string(code, n), "200");
  EXPECT_LT(took, std::chrono::seconds(4)) << "curl waited for its expect100 timeout";
}

TEST_F(HttpServerTest, HeaderFloodIsA431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  start(options);
  HttpClient client(port());
  std::string req = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 100; ++i)
    req += "X-Flood-" + std::to_string(i) + ": " + std::string(40, 'a') + "\r\n";
  req += "\r\n";
  const auto res = client.send_raw(req);
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.status, 431u);
}

TEST_F(HttpServerTest, MalformedRequestIsA400AndTheServerGoesOn) {
  start({});
  HttpClient client(port());
  const auto res = client.send_raw("GET /hello HTTP/9.9 what\r\n\r\n");
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.status, 400u);
  EXPECT_NE(res.body.find("\"code\":400"), std::string::npos);
  HttpClient next(port());
  EXPECT_EQ(next.request(beast_http::verb::get, "/hello").status, 200u);
}

TEST_F(HttpServerTest, SlowClientIsDroppedAfterTheReadTimeout) {
  HttpServerOptions options;
  options.read_timeout = milliseconds(200);
  start(options);
  HttpClient slow(port(), milliseconds(5000));
  ASSERT_TRUE(slow.write_raw("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  const auto began = std::chrono::steady_clock::now();
  EXPECT_TRUE(slow.wait_closed()) << "the server kept a half-sent request open";
  EXPECT_LT(std::chrono::steady_clock::now() - began, milliseconds(4000));
  HttpClient client(port());
  EXPECT_EQ(client.request(beast_http::verb::get, "/hello").status, 200u);
}

TEST_F(HttpServerTest, ConnectionOverTheCapIsA503) {
  HttpServerOptions options;
  options.max_connections = 2;
  start(options);
  HttpClient a(port());
  HttpClient b(port());
  ASSERT_EQ(a.request(beast_http::verb::get, "/hello").status, 200u);
  ASSERT_EQ(b.request(beast_http::verb::get, "/hello").status, 200u);
  HttpClient c(port());
  const auto res = c.read_response();
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.status, 503u);
}

TEST_F(HttpServerTest, StreamSendsHeadersThenEventsInOrder) {
  start({});
  SseReader reader(port(), "/stream");
  ASSERT_TRUE(reader.started()) << reader.head();
  EXPECT_NE(reader.head().find("text/event-stream"), std::string::npos);
  SseEvent ev;
  ASSERT_TRUE(reader.next(&ev));
  EXPECT_EQ(ev.event, "snapshot");
  on_loop([this] {
    for (int i = 2; i <= 4; ++i) {
      sink_->send(std::make_shared<const std::string>(format_sse_event(i, "patch", "[]")));
    }
  });
  for (const char* id : {"2", "3", "4"}) {
    ASSERT_TRUE(reader.next(&ev));
    EXPECT_EQ(ev.id, id);
    EXPECT_EQ(ev.event, "patch");
  }
}

TEST_F(HttpServerTest, StreamClientThatFallsBehindIsDroppedAndTheServerGoesOn) {
  HttpServerOptions options;
  options.sse_max_queued_bytes = 64 * 1024;
  start(options);
  SseReader reader(port(), "/stream", {}, milliseconds(10000), 4096);
  ASSERT_TRUE(reader.started());
  // The client reads nothing more; the server queues until the cap.
  const bool dropped = on_loop([this] {
    const auto big = std::make_shared<const std::string>(
        format_sse_event(2, "patch", std::string(16 * 1024, 'x')));
    for (int i = 0; i < 10000; ++i) {
      if (!sink_->send(big)) return true;
    }
    return false;
  });
  EXPECT_TRUE(dropped);
  EXPECT_FALSE(on_loop([this] { return sink_->is_open(); }));
  EXPECT_TRUE(reader.client().wait_closed());
  HttpClient client(port());
  EXPECT_EQ(client.request(beast_http::verb::get, "/hello").status, 200u);
}

TEST_F(HttpServerTest, DefaultPortTakenFallsBackToAFreeOne) {
  // Hold a port ourselves, then ask for it as the default port would be.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor holder(io);
  boost::system::error_code ec;
  holder.open(boost::asio::ip::tcp::v4());
  holder.bind({boost::asio::ip::make_address("127.0.0.1"), HttpServerOptions::kDefaultPort}, ec);
  if (ec) {
    // Someone else holds it: that is the case under test as well.
    holder.close();
  } else {
    holder.listen();
  }
  HttpServerOptions options;
  options.port = HttpServerOptions::kDefaultPort;
  HttpServer server(io, options, [](const Request&) { return Reply{}; });
  ASSERT_TRUE(server.start().ok());
  EXPECT_TRUE(server.fell_back());
  EXPECT_NE(server.port(), HttpServerOptions::kDefaultPort);
}

TEST_F(HttpServerTest, OtherPortTakenIsAnError) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor holder(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpServerOptions options;
  options.port = holder.local_endpoint().port();
  HttpServer server(io, options, [](const Request&) { return Reply{}; });
  const Status st = server.start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("--port"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace lightning::http
