// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/router.hpp"

#include <gtest/gtest.h>

#include "lightning/json.hpp"

namespace lightning::http {
namespace {

namespace beast_http = boost::beast::http;

Request make_request(beast_http::verb method, const std::string& target) {
  Request r{method, target, 11};
  r.set(beast_http::field::host, "127.0.0.1");
  return r;
}

Json error_of(const Reply& reply) { return Json::parse(reply.response.body()).at("error"); }

Router make_router(std::string* seen = nullptr) {
  Router router;
  router.add("GET", "/healthz", [](const Request&, const PathParams&) -> Reply {
    return {json_response(200, R"({"status":"ok"})"), {}};
  });
  router.add("POST", "/api/v1/works/{path}/stop",
             [seen](const Request&, const PathParams& params) -> Reply {
               if (seen != nullptr) *seen = params.at("path");
               return {json_response(202, "{}"), {}};
             });
  router.add("GET", "/boom", [](const Request&, const PathParams&) -> Reply {
    throw std::runtime_error("kaboom");
  });
  return router;
}

TEST(RouterTest, ExactPathReachesItsHandler) {
  const Reply reply = make_router().dispatch(make_request(beast_http::verb::get, "/healthz"));
  EXPECT_EQ(reply.response.result_int(), 200u);
  EXPECT_EQ(reply.response.body(), R"({"status":"ok"})");
}

TEST(RouterTest, ParameterSegmentIsCapturedAndPercentDecoded) {
  std::string seen;
  const Reply reply = make_router(&seen).dispatch(
      make_request(beast_http::verb::post, "/api/v1/works/root.a%5Fb/stop?x=1"));
  EXPECT_EQ(reply.response.result_int(), 202u);
  EXPECT_EQ(seen, "root.a_b");
}

TEST(RouterTest, UnknownPathIsA404WithAJsonErrorBody) {
  const Reply reply = make_router().dispatch(make_request(beast_http::verb::get, "/nope"));
  EXPECT_EQ(reply.response.result_int(), 404u);
  EXPECT_EQ(error_of(reply).at("code"), 404);
  EXPECT_NE(error_of(reply).at("message").get<std::string>().find("/nope"), std::string::npos);
  EXPECT_EQ(reply.response[beast_http::field::content_type], "application/json");
}

TEST(RouterTest, KnownPathWithAnotherMethodIsA405ThatSaysWhatIsAllowed) {
  const Reply reply = make_router().dispatch(make_request(beast_http::verb::delete_, "/healthz"));
  EXPECT_EQ(reply.response.result_int(), 405u);
  EXPECT_EQ(reply.response[beast_http::field::allow], "GET");
  EXPECT_EQ(error_of(reply).at("code"), 405);
}

TEST(RouterTest, EmptyParameterSegmentDoesNotMatch) {
  const Reply reply =
      make_router().dispatch(make_request(beast_http::verb::post, "/api/v1/works//stop"));
  EXPECT_EQ(reply.response.result_int(), 404u);
}

TEST(RouterTest, DotDotSegmentsAndBadEscapesAreA400) {
  Router router = make_router();
  for (const char* target : {"/api/v1/works/../stop", "/api/v1/works/%2e%2E/stop", "/x/%zz",
                             "/x/%4", "/a%00b", "/a/%2Fb", "healthz", "*"}) {
    const Reply reply = router.dispatch(make_request(beast_http::verb::get, target));
    EXPECT_EQ(reply.response.result_int(), 400u) << target;
    EXPECT_EQ(error_of(reply).at("code"), 400) << target;
  }
}

TEST(RouterTest, TrailingSlashIsAnotherPath) {
  const Reply reply = make_router().dispatch(make_request(beast_http::verb::get, "/healthz/"));
  EXPECT_EQ(reply.response.result_int(), 404u);
}

TEST(RouterTest, RestSegmentTakesTheRestOfThePathAndIsCheckedLikeAnySegment) {
  Router router;
  std::string rest = "unset";
  router.add("GET", "/files/{dir}/{rest*}", [&rest](const Request&, const PathParams& params) {
    rest = params.at("rest");
    return Reply{json_response(200, "{}"), {}};
  });
  EXPECT_EQ(router.dispatch(make_request(beast_http::verb::get, "/files/d/a/b%20c.txt"))
                .response.result_int(),
            200u);
  EXPECT_EQ(rest, "a/b c.txt");
  EXPECT_EQ(router.dispatch(make_request(beast_http::verb::get, "/files/d/")).response.result_int(),
            200u);
  EXPECT_EQ(rest, "");
  EXPECT_EQ(router.dispatch(make_request(beast_http::verb::get, "/files/d")).response.result_int(),
            404u);
  EXPECT_EQ(router.dispatch(make_request(beast_http::verb::get, "/files/d/a/../../x"))
                .response.result_int(),
            400u);
  EXPECT_EQ(router.dispatch(make_request(beast_http::verb::get, "/files/d/a%2F..%2Fx"))
                .response.result_int(),
            400u);
}

TEST(RouterTest, HandlerThatThrowsGivesA500AndTheRouterGoesOn) {
  Router router = make_router();
  const Reply reply = router.dispatch(make_request(beast_http::verb::get, "/boom"));
  EXPECT_EQ(reply.response.result_int(), 500u);
  EXPECT_NE(error_of(reply).at("message").get<std::string>().find("kaboom"), std::string::npos);
  EXPECT_EQ(router.dispatch(make_request(beast_http::verb::get, "/healthz")).response.result_int(),
            200u);
}

TEST(RouterTest, ReplyKeepsTheRequestsHttpVersionAndClose) {
  Request request = make_request(beast_http::verb::get, "/healthz");
  request.version(10);
  const Reply reply = make_router().dispatch(request);
  EXPECT_EQ(reply.response.version(), 10u);
  EXPECT_FALSE(reply.response.keep_alive());
}

TEST(RouterTest, StatusCodesMapOntoHttp) {
  EXPECT_EQ(http_status_of(InvalidArgument("x")), 400u);
  EXPECT_EQ(http_status_of(NotFound("x")), 404u);
  EXPECT_EQ(http_status_of(FailedPrecondition("x")), 409u);
  EXPECT_EQ(http_status_of(Unavailable("x")), 503u);
  EXPECT_EQ(http_status_of(Internal("x")), 500u);
}

}  // namespace
}  // namespace lightning::http
