// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/status.hpp"

#include <gtest/gtest.h>

#include <string>

namespace unit_util {
namespace {

using lightning::Result;
using lightning::Status;
using lightning::StatusCode;

Result<int> parse_positive(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) {
    return lightning::InvalidArgument("'" + s + "' is not a positive number");
  }
  return std::stoi(s);
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusTest, WithContextPrefixesTheMessageAndKeepsTheCode) {
  Status s = lightning::NotFound("no such file").with_context("cannot read /x");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "cannot read /x: no such file");
  EXPECT_TRUE(Status::Ok().with_context("ignored").ok());
}

TEST(ResultTest, HoldsAValueOrAStatus) {
  Result<int> good = parse_positive("42");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad = parse_positive("4x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "'4x' is not a positive number");
}

TEST(ResultTest, AnOkStatusWithoutAValueBecomesAnError) {
  Result<int> r = Status::Ok();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(ResultDeathTest, ValueOfAnErrorIsAFailedCheck) {
  Result<int> bad = parse_positive("");
  EXPECT_DEATH((void)bad.value(), "check failed.*is not a positive number");
}

TEST(CheckDeathTest, FailedCheckAbortsWithConditionAndMessage) {
  const int id = 7;
  EXPECT_DEATH(LIGHTNING_CHECK(id == 8, "no record for process ", id),
               "check failed at .*status_test.cpp:[0-9]+: id == 8: no record for process 7");
  LIGHTNING_CHECK(id == 7);  // passes silently
}

}  // namespace
}  // namespace unit_util
