// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// State<T>: what counts as a change, and JSON conversion.
#include "lightning/state.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/point.hpp"
#include "fakes/fake_runtime.hpp"
#include "lightning/work.hpp"

namespace unit_core {
namespace {

using lightning::Json;
using lightning::State;
using lightning::testing::FakeRuntime;

using lightning::testing::Point;

// Has no operator==: every assignment is a change.
struct Blob {
  std::string data;
};
void to_json(Json& j, const Blob& b) { j = b.data; }
void from_json(const Json& j, Blob& b) { b.data = j.get<std::string>(); }

struct StateWork : lightning::Work {
  State<int> count{this, "count", 1};
  State<std::string> text{this, "text", "a"};
  State<std::vector<int>> list{this, "list", {}};
  State<Point> point{this, "point", Point{1, 2}};
  State<Blob> blob{this, "blob", Blob{"x"}};
  void run(const Json&) override {}
};

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override { runtime_.attach(work_); }
  StateWork work_;
  FakeRuntime runtime_;
};

TEST_F(StateTest, AssigningAnEqualValueIsNotAChange) {
  work_.count = 1;
  work_.text = std::string("a");
  work_.point = Point{1, 2};
  EXPECT_TRUE(runtime_.changes().empty());
}

TEST_F(StateTest, AssigningADifferentValueReportsOneChangeWithTheNewValue) {
  work_.count = 5;
  ASSERT_EQ(runtime_.changes().size(), 1u);
  EXPECT_EQ(runtime_.changes()[0].owner_path, "root");
  EXPECT_EQ(runtime_.changes()[0].field, "count");
  EXPECT_EQ(runtime_.changes()[0].value, Json(5));
  EXPECT_EQ(work_.count.get(), 5);
}

TEST_F(StateTest, UpdateAlwaysReports) {
  work_.list.update([](std::vector<int>& v) { v.push_back(3); });
  work_.list.update([](std::vector<int>&) {});
  ASSERT_EQ(runtime_.changes().size(), 2u);
  EXPECT_EQ(runtime_.changes()[0].value, Json::array({3}));
  EXPECT_EQ(runtime_.changes()[1].value, Json::array({3}));
}

TEST_F(StateTest, TypeWithoutEqualityReportsEveryAssignment) {
  work_.blob = Blob{"x"};
  EXPECT_EQ(runtime_.changes().size(), 1u);
}

TEST_F(StateTest, PlusAndMinusAssignReportTheResult) {
  work_.count += 2;
  EXPECT_EQ(work_.count.get(), 3);
  work_.count -= 1;
  EXPECT_EQ(work_.count.get(), 2);
  ASSERT_EQ(runtime_.changes().size(), 2u);
  EXPECT_EQ(runtime_.changes()[0].value, Json(3));
  EXPECT_EQ(runtime_.changes()[1].value, Json(2));
  work_.count += 0;
  EXPECT_EQ(runtime_.changes().size(), 2u) << "+= 0 leaves the value equal";
}

TEST_F(StateTest, UserStructRoundTripsThroughJson) {
  work_.point = Point{3, 4};
  ASSERT_EQ(runtime_.changes().size(), 1u);
  EXPECT_EQ(runtime_.changes()[0].value, (Json{{"x", 3}, {"y", 4}}));
  EXPECT_EQ(work_.point.to_json(), (Json{{"x", 3}, {"y", 4}}));

  work_.point.assign_json(Json{{"x", -1}, {"y", 9}});
  EXPECT_EQ(work_.point->x, -1);
  EXPECT_EQ(work_.point.get().y, 9);
}

TEST_F(StateTest, AssignJsonDoesNotReportAChange) {
  work_.count.assign_json(Json(42));
  EXPECT_EQ(work_.count.get(), 42);
  EXPECT_TRUE(runtime_.changes().empty());
}

TEST_F(StateTest, CheckJsonRejectsAValueOfTheWrongType) {
  EXPECT_ANY_THROW(work_.text.check_json(Json(3)));
  EXPECT_ANY_THROW(work_.point.check_json(Json{{"x", 1}}));
  EXPECT_ANY_THROW(work_.list.check_json(Json("no")));
  EXPECT_NO_THROW(work_.text.check_json(Json("fine")));
  EXPECT_EQ(work_.text.get(), "a") << "check_json must not assign";
}

TEST_F(StateTest, ConvertsImplicitlyToItsValue) {
  const int& v = work_.count;
  EXPECT_EQ(v, 1);
  EXPECT_EQ(work_.text->size(), 1u);
}

TEST(StateWithoutRuntimeTest, AssignmentChangesTheValueAndReportsNothing) {
  StateWork w;
  w.count = 9;
  w.list.update([](std::vector<int>& v) { v.push_back(1); });
  EXPECT_EQ(w.count.get(), 9);
  EXPECT_EQ(w.list->size(), 1u);
  EXPECT_EQ(w.fields_json().at("count"), 9);
}

TEST(StateWithoutRuntimeTest, FieldsJsonHasEveryFieldByName) {
  StateWork w;
  const Json j = w.fields_json();
  EXPECT_EQ(j, (Json{{"count", 1},
                     {"text", "a"},
                     {"list", Json::array()},
                     {"point", {{"x", 1}, {"y", 2}}},
                     {"blob", "x"}}));
}

}  // namespace
}  // namespace unit_core
