// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-run's cache-key hash: XXH3-128 over length-prefixed fields.
#include "hash.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace unit_cli {
namespace {

using lightning::cli::CacheKeyHash;

TEST(CacheKeyHashTest, NoFieldsIsXxh3OfNothing) {
  // XXH3_128bits("") from xxHash's own test vectors.
  EXPECT_EQ(CacheKeyHash().hex(), "99aa06d3014798d86001c324468d497f");
}

TEST(CacheKeyHashTest, FieldIsItsLengthThenItsBytes) {
  CacheKeyHash by_field;
  by_field.add("abc");
  CacheKeyHash by_bytes;
  const std::uint64_t size = 3;
  by_bytes.update(&size, sizeof size);
  by_bytes.update("abc", 3);
  EXPECT_EQ(by_field.hex(), by_bytes.hex());
}

TEST(CacheKeyHashTest, FieldBoundariesMatter) {
  EXPECT_NE(CacheKeyHash().add("ab").add("c").hex(), CacheKeyHash().add("a").add("bc").hex());
  EXPECT_NE(CacheKeyHash().add("").hex(), CacheKeyHash().hex());
}

TEST(CacheKeyHashTest, NumbersAreHashedAsTheirDecimalText) {
  EXPECT_EQ(CacheKeyHash().add(std::uint64_t{42}).hex(), CacheKeyHash().add("42").hex());
}

TEST(CacheKeyHashTest, ACopyExtendsIndependently) {
  CacheKeyHash prefix;
  prefix.add("library flags");
  CacheKeyHash a = prefix;
  CacheKeyHash b = prefix;
  a.add("a.hpp");
  b.add("b.hpp");
  EXPECT_NE(a.hex(), b.hex());
  EXPECT_EQ(a.hex(), CacheKeyHash().add("library flags").add("a.hpp").hex());
  EXPECT_EQ(prefix.hex(), CacheKeyHash().add("library flags").hex()) << "the prefix is untouched";
}

TEST(CacheKeyHashTest, HexIs32LowercaseDigitsAndShortHexItsFirst16) {
  const CacheKeyHash h = CacheKeyHash().add("x");
  const std::string hex = h.hex();
  ASSERT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
  EXPECT_EQ(h.short_hex(), hex.substr(0, 16));
}

TEST(CacheKeyHashTest, LongInputsAcrossXxh3sBlockSizesDiffer) {
  // XXH3's streaming path changes at 240 bytes and at its 1 KiB stripes.
  const std::string long_text(5000, 'q');
  std::string changed = long_text;
  changed[4000] = 'r';
  EXPECT_NE(CacheKeyHash().add(long_text).hex(), CacheKeyHash().add(changed).hex());
}

}  // namespace
}  // namespace unit_cli
