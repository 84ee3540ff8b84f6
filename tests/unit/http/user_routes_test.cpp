// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// User routes (Flow::configure_api) served by a real HttpServer on port 0 with
// its loop on a thread of its own: JSON in and out, HttpError and other
// throws, deferred answers and their timeout, bad declarations.
#include "http/user_routes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <thread>

#include "common/http_client.hpp"
#include "http/http_server.hpp"
#include "lightning/state.hpp"

namespace lightning::http {
namespace {

using lightning::testing::HttpClient;
using std::chrono::milliseconds;
namespace beast_http = boost::beast::http;

struct Child : Flow {
  Json ping(const Json&) { return "pong"; }
  std::vector<Route> configure_api() override { return {Route::get("/child/ping", &Child::ping)}; }
  void run() override {}
};

struct ApiFlow : Flow {
  State<int> calls{this, "calls", 0};
  std::vector<Responder> waiting;
  Child& child = add_flow<Child>("child");

  Json double_it(const Json& body) {
    calls = calls + 1;
    return {{"y", 2 * body.at("x").get<double>()}};
  }
  Json echo_query(const Json& query) { return query; }
  Json refuse(const Json&) { throw HttpError(418, "no coffee here"); }
  Json crash(const Json&) { throw std::runtime_error("the model is not loaded"); }
  void later(const Json&, Responder answer) { waiting.push_back(std::move(answer)); }

  std::vector<Route> configure_api() override {
    return {Route::post("/double", &ApiFlow::double_it),
            Route::get("/query", &ApiFlow::echo_query),
            Route::post("/teapot", &ApiFlow::refuse),
            Route::post("/crash", &ApiFlow::crash),
            Route::post_deferred("/later", &ApiFlow::later).timeout(milliseconds(5000)),
            Route::post_deferred("/never", [](const Json&, Responder) {}).timeout(milliseconds(50)),
            Route::get("/lambda", [](const Json&) {
              return Json{{"ok", true}};
            })};
  }
  void run() override {}
};

class UserRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(routes_.add_to(router_, flow_).ok());
    HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<HttpServer>(
        io_, options, [this](const Request& r) { return router_.dispatch(r); });
    ASSERT_TRUE(server_->start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    on_loop([this] {
      server_.reset();
      flow_.waiting.clear();
    });
    work_.reset();
    thread_.join();
  }

  template <class F>
  auto on_loop(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto done = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return done.get();
  }

  static Json json(const std::string& text) { return Json::parse(text); }

  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  ApiFlow flow_;
  runtime::StatePublisher publisher_;
  UserRoutes routes_{io_, publisher_};
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(UserRoutesTest, APostRouteTakesJsonAndAnswersJson) {
  HttpClient client(server_->port());
  auto r = client.request(beast_http::verb::post, "/app/api/double", R"({"x": 21})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(json(r.body), Json({{"y", 42.0}}));
  EXPECT_EQ(on_loop([this] { return flow_.calls.get(); }), 1);
}

TEST_F(UserRoutesTest, AGetRouteGetsItsQueryAsAnObjectOfStrings) {
  HttpClient client(server_->port());
  auto r = client.request(beast_http::verb::get, "/app/api/query?name=a%20b&n=3&flag");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(json(r.body), Json({{"name", "a b"}, {"n", "3"}, {"flag", ""}}));
  EXPECT_EQ(client.request(beast_http::verb::get, "/app/api/lambda").body, R"({"ok":true})");
}

TEST_F(UserRoutesTest, RoutesOfChildFlowsAreServedToo) {
  HttpClient client(server_->port());
  EXPECT_EQ(client.request(beast_http::verb::get, "/app/api/child/ping").body, R"("pong")");
}

TEST_F(UserRoutesTest, HttpErrorAnswersItsStatusAndOtherThrowsAre500) {
  HttpClient client(server_->port());
  auto r = client.request(beast_http::verb::post, "/app/api/teapot");
  EXPECT_EQ(r.status, 418u);
  EXPECT_EQ(json(r.body)["error"]["message"], "no coffee here");
  r = client.request(beast_http::verb::post, "/app/api/crash");
  EXPECT_EQ(r.status, 500u);
  EXPECT_NE(r.body.find("the model is not loaded"), std::string::npos) << r.body;
  // A handler without a body to read: at() throws, which is a 500, and the
  // connection (kept alive) goes on.
  r = client.request(beast_http::verb::post, "/app/api/double", "{}");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(client.request(beast_http::verb::get, "/app/api/lambda").status, 200u);
}

TEST_F(UserRoutesTest, AMalformedBodyIs400) {
  HttpClient client(server_->port());
  auto r = client.request(beast_http::verb::post, "/app/api/double", "{not json");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(client.request(beast_http::verb::get, "/app/api/query?bad=%zz").status, 400u);
}

TEST_F(UserRoutesTest, ADeferredRouteIsAnsweredLaterFromTheLoop) {
  HttpClient client(server_->port());
  auto answer = std::async(std::launch::async, [&] {
    return client.request(beast_http::verb::post, "/app/api/later", R"({"job": 1})");
  });
  // Wait (with a deadline) until the handler has stored its Responder.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (on_loop([this] { return flow_.waiting.size(); }) == 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  EXPECT_TRUE(on_loop([this] { return flow_.waiting[0].reply({{"done", true}}); }));
  const auto r = answer.get();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"done":true})");
  EXPECT_FALSE(on_loop([this] {
    return flow_.waiting[0].reply({{"again", true}});
  })) << "only the first answer counts";
}

TEST_F(UserRoutesTest, ADeferredRouteThatNeverAnswersIs504AfterItsTimeout) {
  HttpClient client(server_->port());
  const auto r = client.request(beast_http::verb::post, "/app/api/never");
  EXPECT_EQ(r.status, 504u);
  EXPECT_NE(r.body.find("did not answer within 50 ms"), std::string::npos) << r.body;
}

TEST(UserRoutesDeclarationTest, ABadPathIsRefusedWhenDeclared) {
  EXPECT_THROW(Route::get("predict", [](const Json&) { return Json(); }), std::invalid_argument);
  EXPECT_THROW(Route::get("/a//b", [](const Json&) { return Json(); }), std::invalid_argument);
  EXPECT_THROW(Route::get("/a/../b", [](const Json&) { return Json(); }), std::invalid_argument);
  EXPECT_THROW(Route::get("/{id}", [](const Json&) { return Json(); }), std::invalid_argument);
  EXPECT_NO_THROW(Route::get("/models/v1.2/predict-now", [](const Json&) { return Json(); }));
}

struct Twin : Flow {
  std::vector<Route> configure_api() override {
    return {Route::get("/same", [](const Json&) { return Json(); })};
  }
  void run() override {}
};
struct Clash : Flow {
  Twin& a = add_flow<Twin>("a");
  Twin& b = add_flow<Twin>("b");
  void run() override {}
};

TEST(UserRoutesDeclarationTest, TwoFlowsWithTheSameRouteAreAnErrorNamingBoth) {
  boost::asio::io_context io;
  runtime::StatePublisher publisher;
  UserRoutes routes(io, publisher);
  Router router;
  Clash flow;
  const Status st = routes.add_to(router, flow);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("root.a"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("root.b"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace lightning::http
