// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The `lightning` CLI's view of an app's API: URLs, Server-Sent Events split
// however the bytes arrive, and the API's error bodies.
#include "api_client.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "errors.hpp"

namespace unit_cli {
namespace {

using lightning::cli::ApiResponse;
using lightning::cli::CliError;
using lightning::cli::parse_api_url;
using lightning::cli::SseEvent;
using lightning::cli::SseParser;

TEST(ApiUrlTest, HostAndPortAreRead) {
  const auto url = parse_api_url("http://127.0.0.1:7501/");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 7501);
  EXPECT_EQ(url.text, "http://127.0.0.1:7501");
  EXPECT_EQ(parse_api_url("http://localhost").port, 80);
  const auto v6 = parse_api_url("http://[::1]:8080");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 8080);
}

TEST(ApiUrlTest, WhatIsNotAnAppUrlIsAUsageErrorSayingWhy) {
  for (const char* bad : {"127.0.0.1:7501", "https://h:1", "http://h:1/api", "http://h:0",
                          "http://h:70000", "http://h:x", "http://", "http://[::1"}) {
    try {
      parse_api_url(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const CliError& e) {
      EXPECT_EQ(e.exit_code(), 2) << bad;
      EXPECT_NE(std::string(e.what()).find("--app"), std::string::npos) << e.what();
    }
  }
}

std::vector<SseEvent> feed_all(const std::vector<std::string>& chunks) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (const std::string& chunk : chunks) {
    parser.feed(chunk, [&](const SseEvent& e) { events.push_back(e); });
  }
  return events;
}

TEST(SseParserTest, EventsAreSplitWhateverTheChunking) {
  const std::string stream =
      "id: 42\nevent: snapshot\ndata: {\"a\":1}\n\n: heartbeat\n\nevent: patch\nid: 43\n"
      "data: [1]\n\n";
  const auto whole = feed_all({stream});
  std::vector<std::string> bytes;
  for (const char c : stream) bytes.emplace_back(1, c);
  const auto byte_by_byte = feed_all(bytes);
  for (const auto& events : {whole, byte_by_byte}) {
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].id, "42");
    EXPECT_EQ(events[0].event, "snapshot");
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[1].id, "43");
    EXPECT_EQ(events[1].event, "patch");
    EXPECT_EQ(events[1].data, "[1]");
  }
}

TEST(SseParserTest, CrlfAndCrEndLinesAndDataLinesJoinWithNewlines) {
  const auto events = feed_all({"data: one\r\ndata:two\r", "\n\r\nevent: line\rdata\r\r"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "message");
  EXPECT_EQ(events[0].data, "one\ntwo");
  EXPECT_EQ(events[1].event, "line");
  EXPECT_EQ(events[1].data, "");
}

TEST(SseParserTest, CommentsAndEventsWithoutDataAreNotDispatched) {
  EXPECT_TRUE(feed_all({": heartbeat\n\nevent: x\n\nid: 7\n\n"}).empty());
  // The last event id carries over to the next event.
  const auto events = feed_all({"id: 7\n\ndata: a\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "7");
}

TEST(ApiErrorMessageTest, TheApisMessageIsShownWithTheStatus) {
  EXPECT_EQ(lightning::cli::api_error_message(
                {401, R"({"error":{"code":401,"message":"a write needs the token"}})"}),
            "a write needs the token (HTTP 401)");
  EXPECT_EQ(lightning::cli::api_error_message({502, "bad gateway"}), "HTTP 502: bad gateway");
  EXPECT_EQ(lightning::cli::api_error_message({500, ""}), "HTTP 500");
}

}  // namespace
}  // namespace unit_cli
