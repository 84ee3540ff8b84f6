// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning::Json converts numbers with range checks at every depth: top-level
// values, containers, user types and call args. Out-of-range values are
// refused with a clear error, never converted with undefined behaviour (this
// binary also runs under UBSan in CI, which would flag such a conversion).
#include "lightning/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/patch.hpp"
#include "fakes/fake_runtime.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"

namespace unit_core {
namespace {

using lightning::Json;
using lightning::State;

struct Point {
  int x = 0;
  uint8_t level = 0;
  float scale = 1;
  bool operator==(const Point& o) const { return x == o.x && level == o.level && scale == o.scale; }
};

void to_json(Json& j, const Point& p) { j = Json{{"x", p.x}, {"level", p.level}, {"scale", p.scale}}; }

// Written the ordinary way: nothing but get_to/get, no checks of its own.
void from_json(const Json& j, Point& p) {
  j.at("x").get_to(p.x);
  j.at("level").get_to(p.level);
  p.scale = j.at("scale").get<float>();
}

// Asserts that converting `text` into T throws a Json exception whose
// message contains `needle`.
template <class T>
void expect_refused(const std::string& text, const std::string& needle) {
  const Json j = Json::parse(text);
  try {
    (void)j.get<T>();
    ADD_FAILURE() << text << " was converted; expected an error mentioning \"" << needle << "\"";
  } catch (const Json::exception& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << text << ": " << e.what() << "\nexpected to contain: " << needle;
  }
}

TEST(JsonNumbersTest, IntegersWithinRangeConvert) {
  EXPECT_EQ(Json::parse("2147483647").get<int>(), 2147483647);
  EXPECT_EQ(Json::parse("-2147483648").get<int>(), -2147483648);
  EXPECT_EQ(Json::parse("255").get<uint8_t>(), 255);
  EXPECT_EQ(Json::parse("18446744073709551615").get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(Json::parse("-9223372036854775808").get<int64_t>(), INT64_MIN);
  EXPECT_EQ(Json::parse("0").get<unsigned>(), 0u);
}

TEST(JsonNumbersTest, OutOfRangeIntegersAreRefused) {
  expect_refused<int>("2147483648", "out of range for a 32-bit signed integer");
  expect_refused<int>("-2147483649", "out of range");
  expect_refused<int>("4294967297", "-2147483648..2147483647");
  expect_refused<uint8_t>("256", "out of range for a 8-bit unsigned integer");
  expect_refused<int16_t>("-32769", "out of range");
  expect_refused<int64_t>("9223372036854775808", "out of range for a 64-bit signed integer");
}

TEST(JsonNumbersTest, NegativeIntoUnsignedIsRefused) {
  expect_refused<unsigned>("-1", "out of range for a 32-bit unsigned integer");
  expect_refused<uint64_t>("-9223372036854775808", "out of range");
  expect_refused<uint8_t>("-1", "0..255");
}

TEST(JsonNumbersTest, FloatsIntoIntegersAreRefused) {
  expect_refused<int>("1.5", "must be an integer");
  expect_refused<int>("2.0", "must be an integer");
  expect_refused<int64_t>("1e3", "must be an integer");
  // 52 digits: too long for any integer type, so parsed as a float (1e51).
  expect_refused<int>("1" + std::string(51, '0'), "must be an integer");
  expect_refused<uint64_t>("1e300", "must be an integer");
}

TEST(JsonNumbersTest, NanAndInfinityAreRefusedForIntegers) {
  for (double d : {std::nan(""), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    const Json j = d;
    EXPECT_THROW((void)j.get<int>(), Json::type_error) << d;
    EXPECT_THROW((void)j.get<uint64_t>(), Json::type_error) << d;
  }
}

TEST(JsonNumbersTest, NanAndInfinityPassIntoFloatingPoint) {
  EXPECT_TRUE(std::isnan(Json(std::nan("")).get<double>()));
  EXPECT_TRUE(std::isinf(Json(std::numeric_limits<double>::infinity()).get<float>()));
}

TEST(JsonNumbersTest, FloatingPointBeyondFloatIsRefused) {
  expect_refused<float>("1e300", "out of range for a 32-bit floating-point number");
  expect_refused<float>("-1e39", "out of range");
  EXPECT_FLOAT_EQ(Json::parse("3.5e38").get<double>(), 3.5e38);
  EXPECT_FLOAT_EQ(Json::parse("-3e38").get<float>(), -3e38f);
  EXPECT_DOUBLE_EQ(Json::parse("7").get<double>(), 7.0);
  EXPECT_DOUBLE_EQ(Json::parse("18446744073709551615").get<double>(), 18446744073709551615.0);
}

TEST(JsonNumbersTest, NonNumbersAreTypeErrors) {
  expect_refused<int>("true", "must be an integer, but is boolean");
  expect_refused<int>("\"1\"", "must be an integer, but is string");
  expect_refused<double>("null", "must be number, but is null");
  expect_refused<bool>("1", "must be boolean");
}

TEST(JsonNumbersTest, ContainerElementsAreChecked) {
  expect_refused<std::vector<int>>("[1, 2, 4294967297]", "out of range");
  expect_refused<std::vector<std::vector<uint8_t>>>("[[1], [300]]", "out of range");
  expect_refused<std::map<std::string, int>>(R"({"a": 1, "b": 1.5})", "must be an integer");
  EXPECT_EQ((Json::parse("[1, -2]").get<std::vector<int>>()), (std::vector<int>{1, -2}));
}

TEST(JsonNumbersTest, UserTypeMembersAreChecked) {
  expect_refused<Point>(R"({"x": 1e51, "level": 0, "scale": 1})", "must be an integer");
  expect_refused<Point>(R"({"x": 2147483648, "level": 0, "scale": 1})", "out of range");
  expect_refused<Point>(R"({"x": 1, "level": -1, "scale": 1})", "out of range");
  expect_refused<Point>(R"({"x": 1, "level": 0, "scale": 1e300})", "out of range");
  const Point p = Json::parse(R"({"x": -5, "level": 200, "scale": 0.5})").get<Point>();
  EXPECT_EQ(p, (Point{-5, 200, 0.5f}));
}

TEST(JsonNumbersTest, VectorOfUserTypesIsChecked) {
  expect_refused<std::vector<Point>>(
      R"([{"x": 1, "level": 0, "scale": 1}, {"x": 1.5, "level": 0, "scale": 1}])",
      "must be an integer");
}

TEST(JsonNumbersTest, ValueWithDefaultIsChecked) {
  const Json args = Json::parse(R"({"n": 1e51})");
  EXPECT_THROW((void)args.value("n", 3), Json::type_error);
  EXPECT_EQ(args.value("m", 3), 3);
}

// ---------------------------------------------------------------- state fields

struct UserTypeWork : lightning::Work {
  State<Point> point{this, "point", Point{1, 2, 3}};
  State<std::vector<Point>> points{this, "points", {Point{1, 2, 3}}};
  State<int> count{this, "count", 7};
  int last_n = 0;
  void run(const Json& args) override { last_n = args.at("n").get<int>(); }
};

struct UserTypeFlow : lightning::Flow {
  UserTypeWork& w = add_work<UserTypeWork>("w");
  void run() override {}
};

class JsonStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_.attach(flow_);
    before_ = flow_.w.fields_json();
  }
  void expect_rejected(const std::string& patch, const std::string& needle) {
    auto r = lightning::detail::apply_patch_text(flow_.w, patch);
    EXPECT_FALSE(r.ok) << patch;
    EXPECT_TRUE(r.changed.empty());
    EXPECT_NE(r.error.find(needle), std::string::npos) << r.error;
    EXPECT_EQ(flow_.w.fields_json(), before_) << "a rejected patch must change nothing";
  }

  UserTypeFlow flow_;
  lightning::testing::FakeRuntime runtime_;
  Json before_;
};

TEST_F(JsonStateTest, PatchPuttingAnOutOfRangeIntInsideAUserTypeIsRejectedWhole) {
  // What CI's fuzzer found: a user-type field replaced with a 52-digit integer.
  expect_rejected(R"([{"op": "replace", "path": "/count", "value": 8},
                      {"op": "replace", "path": "/point",
                       "value": {"x": 1000000000000000000000000000000000000000000000000000,
                                 "level": 0, "scale": 1}}])",
                  "must be an integer");
  expect_rejected(R"([{"op": "replace", "path": "/point/level", "value": 256}])", "out of range");
  expect_rejected(R"([{"op": "replace", "path": "/point/x", "value": -2147483649}])",
                  "out of range");
}

TEST_F(JsonStateTest, PatchPuttingAnOutOfRangeNumberInAVectorOfUserTypesIsRejectedWhole) {
  expect_rejected(R"([{"op": "add", "path": "/points/-",
                       "value": {"x": 1, "level": 0, "scale": 1e300}}])",
                  "out of range");
  expect_rejected(R"([{"op": "replace", "path": "/points/0/x", "value": 0.5}])",
                  "must be an integer");
}

TEST_F(JsonStateTest, InRangePatchInsideAUserTypeApplies) {
  auto r = lightning::detail::apply_patch_text(
      flow_.w, R"([{"op": "replace", "path": "/point/level", "value": 255}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(flow_.w.point->level, 255);
}

TEST_F(JsonStateTest, CallArgsOutOfRangeFailTheCallWithAClearError) {
  try {
    flow_.w.run(Json::parse(R"({"n": 99999999999})"));
    ADD_FAILURE() << "an out-of-range argument was converted";
  } catch (const Json::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("99999999999 is out of range"), std::string::npos)
        << e.what();
  }
  flow_.w.run(Json::parse(R"({"n": 12})"));
  EXPECT_EQ(flow_.w.last_n, 12);
}

}  // namespace
}  // namespace unit_core
