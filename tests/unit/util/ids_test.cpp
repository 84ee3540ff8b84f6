// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lightning::util {
namespace {

TEST(EqualSecretTest, EqualOnlyForTheSameBytesOfTheSameLength) {
  EXPECT_TRUE(equal_secret("", ""));
  EXPECT_TRUE(equal_secret("0a1b2c", "0a1b2c"));
  EXPECT_FALSE(equal_secret("0a1b2c", "0a1b2d")) << "last byte differs";
  EXPECT_FALSE(equal_secret("0a1b2c", "1a1b2c")) << "first byte differs";
  EXPECT_FALSE(equal_secret("0a1b2c", "0a1b2")) << "a prefix is not the secret";
  EXPECT_FALSE(equal_secret("0a1b2", "0a1b2c"));
  EXPECT_FALSE(equal_secret(std::string("a\0b", 3), std::string("a\0c", 3))) << "bytes after a NUL";
}

TEST(RandomHexTest, GivesTwoLowercaseHexDigitsPerByteAndDiffersEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string h = random_hex(16);
    ASSERT_EQ(h.size(), 32u);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace lightning::util
