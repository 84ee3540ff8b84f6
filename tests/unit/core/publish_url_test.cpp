// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "lightning/work.hpp"

namespace lightning {
namespace {

struct ServeWork : Work {
  void run(const Json&) override {}
};

TEST(PublishUrlTest, AValidUrlIsKeptAndShownInTheSnapshot) {
  ServeWork w;
  EXPECT_TRUE(w.url().empty());
  EXPECT_TRUE(w.snapshot().at("url").is_null());
  w.publish_url("https://example.org:8443/predict?x=1");
  EXPECT_EQ(w.url(), "https://example.org:8443/predict?x=1");
  EXPECT_EQ(w.snapshot().at("url"), "https://example.org:8443/predict?x=1");
}

TEST(PublishUrlTest, AnythingButAnAbsoluteHttpUrlThrowsSayingWhy) {
  ServeWork w;
  for (const std::string& bad :
       std::vector<std::string>{"", "127.0.0.1:80", "ftp://x", "http://", "http://a b",
                                "http://a\nb", std::string("http://") + std::string(2048, 'a')}) {
    try {
      w.publish_url(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("publish_url"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(w.url().empty());
}

}  // namespace
}  // namespace lightning
