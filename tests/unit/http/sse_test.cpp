// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/sse.hpp"

#include <gtest/gtest.h>

namespace lightning::http {
namespace {

TEST(SseTest, EventHasIdEventAndDataLinesThenABlankLine) {
  EXPECT_EQ(
      format_sse_event(7, "patch", R"([{"op":"replace","path":"/vars/n","value":2}])"),
      "id: 7\nevent: patch\ndata: [{\"op\":\"replace\",\"path\":\"/vars/n\",\"value\":2}]\n\n");
}

TEST(SseTest, DataWithLineBreaksBecomesOneDataLinePerLine) {
  EXPECT_EQ(format_sse_event(1, "x", "a\nb\r\nc\rd"),
            "id: 1\nevent: x\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(format_sse_event(2, "x", ""), "id: 2\nevent: x\ndata: \n\n");
  EXPECT_EQ(format_sse_event(3, "x", "a\n"), "id: 3\nevent: x\ndata: a\ndata: \n\n");
}

TEST(SseTest, CommentIsALineThatStartsWithAColon) {
  EXPECT_EQ(format_sse_comment("heartbeat"), ": heartbeat\n\n");
}

TEST(SseTest, LastEventIdIsDigitsOnly) {
  EXPECT_EQ(parse_last_event_id("42"), std::optional<uint64_t>(42));
  EXPECT_EQ(parse_last_event_id("0"), std::optional<uint64_t>(0));
  EXPECT_FALSE(parse_last_event_id(""));
  EXPECT_FALSE(parse_last_event_id("-1"));
  EXPECT_FALSE(parse_last_event_id("4 2"));
  EXPECT_FALSE(parse_last_event_id("12345678901234567890123"));
}

TEST(SseQueueTest, EventsLeaveInOrderAndBytesAreCounted) {
  SseQueue queue(100);
  EXPECT_TRUE(queue.push(std::make_shared<const std::string>("aaa")));
  EXPECT_TRUE(queue.push(std::make_shared<const std::string>("bb")));
  EXPECT_EQ(queue.bytes(), 5u);
  EXPECT_EQ(queue.front(), "aaa");
  queue.pop();
  EXPECT_EQ(queue.front(), "bb");
  EXPECT_EQ(queue.bytes(), 2u);
  queue.pop();
  EXPECT_TRUE(queue.empty());
}

TEST(SseQueueTest, ClientOverItsCapIsRefusedSoItCanBeDropped) {
  SseQueue queue(10);
  EXPECT_TRUE(queue.push(std::make_shared<const std::string>("123456")));
  EXPECT_TRUE(queue.push(std::make_shared<const std::string>("1234")));
  EXPECT_FALSE(queue.push(std::make_shared<const std::string>("1")));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.bytes(), 10u);
}

TEST(SseQueueTest, OneEventLargerThanTheCapStillGoesOutAlone) {
  SseQueue queue(4);
  EXPECT_TRUE(queue.push(std::make_shared<const std::string>("a large snapshot")));
  EXPECT_FALSE(queue.push(std::make_shared<const std::string>("x")));
}

}  // namespace
}  // namespace lightning::http
