// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/access.hpp"

#include <gtest/gtest.h>

namespace lightning::http {
namespace {

namespace beast_http = boost::beast::http;

Request make_request(beast_http::verb method, const std::string& host = "127.0.0.1:7501") {
  Request r{method, "/api/v1/app/stop", 11};
  if (!host.empty()) r.set(beast_http::field::host, host);
  return r;
}

const AccessPolicy kLoopback{"s3cret", true, "/runs/r1/api-token"};
const AccessPolicy kExposed{"s3cret", false, "/runs/r1/api-token"};
const Peer kMe{true};
const Peer kAnotherUser{false};

TEST(AccessTest, LoopbackReadNeedsNoToken) {
  EXPECT_FALSE(check_access(make_request(beast_http::verb::get), kLoopback, kMe));
}

TEST(AccessTest, WriteWithoutTokenIs401WithWwwAuthenticate) {
  const auto denied = check_access(make_request(beast_http::verb::post), kLoopback, kMe);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->result_int(), 401u);
  EXPECT_EQ((*denied)[beast_http::field::www_authenticate], R"(Bearer realm="lightning")");
}

TEST(AccessTest, WriteWithTheTokenGoesOn) {
  Request r = make_request(beast_http::verb::post);
  r.set(beast_http::field::authorization, "Bearer s3cret");
  EXPECT_FALSE(check_access(r, kLoopback, kMe));
  r.set(beast_http::field::authorization, "bearer s3cret");
  EXPECT_FALSE(check_access(r, kLoopback, kMe));
}

TEST(AccessTest, WrongTokenOrSchemeIs401) {
  for (const char* value :
       {"Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "Bearer ", "s3cret"}) {
    Request r = make_request(beast_http::verb::post);
    r.set(beast_http::field::authorization, value);
    const auto denied = check_access(r, kLoopback, kMe);
    ASSERT_TRUE(denied) << value;
    EXPECT_EQ(denied->result_int(), 401u) << value;
  }
}

TEST(AccessTest, BeyondLoopbackEveryRequestNeedsTheToken) {
  const auto denied =
      check_access(make_request(beast_http::verb::get, "10.0.0.5:7501"), kExposed, kMe);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->result_int(), 401u);
  Request r = make_request(beast_http::verb::get, "10.0.0.5:7501");
  r.set(beast_http::field::authorization, "Bearer s3cret");
  EXPECT_FALSE(check_access(r, kExposed, kMe));
}

TEST(AccessTest, LoopbackServerRefusesAForeignHostName) {
  const auto denied =
      check_access(make_request(beast_http::verb::get, "evil.example:7501"), kLoopback, kMe);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->result_int(), 403u);
  for (const char* host : {"localhost:7501", "LOCALHOST", "127.0.0.2", "[::1]:7501", ""}) {
    EXPECT_FALSE(check_access(make_request(beast_http::verb::get, host), kLoopback, kMe)) << host;
  }
}

TEST(AccessTest, AnotherUserOfThisMachineNeedsTheTokenToReadAndGetsNoneInThePage) {
  // A shared login node: every user reaches loopback.
  const auto denied = check_access(make_request(beast_http::verb::get), kLoopback, kAnotherUser);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->result_int(), 401u);
  EXPECT_NE(denied->body().find("only the user that started the app"), std::string::npos)
      << denied->body();
  EXPECT_NE(denied->body().find("/runs/r1/api-token"), std::string::npos) << denied->body();
  Request r = make_request(beast_http::verb::get);
  r.set(beast_http::field::authorization, "Bearer s3cret");
  EXPECT_FALSE(check_access(r, kLoopback, kAnotherUser)) << "with the token they may";
  EXPECT_TRUE(is_loopback_request(make_request(beast_http::verb::get), kLoopback, kMe));
  EXPECT_FALSE(is_loopback_request(make_request(beast_http::verb::get), kLoopback, kAnotherUser));
}

}  // namespace
}  // namespace lightning::http
