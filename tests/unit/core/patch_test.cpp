// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// JSON Patch (RFC 6902) applied to a component's state fields: what is
// accepted, what is rejected, and that a rejected patch changes nothing.
#include "core/patch.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fakes/fake_runtime.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"

namespace unit_core {
namespace {

using lightning::Json;
using lightning::State;
using lightning::detail::apply_patch;
using lightning::detail::apply_patch_text;
using lightning::detail::PatchResult;

struct PatchWork : lightning::Work {
  State<int> count{this, "count", 1};
  State<int> other{this, "other", 2};
  State<std::string> name{this, "name", "a"};
  State<std::vector<int>> list{this, "list", {1, 2}};
  State<std::map<std::string, int>> obj{this, "obj", {{"k", 1}}};
  void run(const Json&) override {}
};

struct PatchFlow : lightning::Flow {
  PatchWork& w = add_work<PatchWork>("w");
  void run() override {}
};

class PatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_.attach(flow_);
    before_ = w().fields_json();
  }

  PatchWork& w() { return flow_.w; }
  PatchResult apply(const char* text) { return apply_patch_text(w(), text); }

  // Asserts that `r` failed with an error containing `needle` and that no
  // field changed.
  void expect_rejected(const PatchResult& r, const std::string& needle) {
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.changed.empty());
    EXPECT_NE(r.error.find(needle), std::string::npos)
        << "error: " << r.error << "\nexpected to contain: " << needle;
    EXPECT_EQ(w().fields_json(), before_) << "a rejected patch must change nothing";
  }

  static std::vector<std::string> names(const PatchResult& r) {
    std::vector<std::string> out;
    for (auto* f : r.changed) out.push_back(f->name());
    return out;
  }

  PatchFlow flow_;
  lightning::testing::FakeRuntime runtime_;
  Json before_;
};

TEST_F(PatchTest, ReplaceOfATopLevelFieldAssignsIt) {
  auto r = apply(R"([{"op":"replace","path":"/count","value":7}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().count.get(), 7);
  EXPECT_EQ(names(r), std::vector<std::string>{"count"});
}

TEST_F(PatchTest, AddOfATopLevelFieldAssignsIt) {
  auto r = apply(R"([{"op":"add","path":"/name","value":"zed"}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().name.get(), "zed");
}

TEST_F(PatchTest, AppliedChangesAreNotReportedBack) {
  auto r = apply(R"([{"op":"replace","path":"/count","value":7}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(runtime_.changes().empty());
}

TEST_F(PatchTest, SeveralFieldsInOnePatchAreAllAssigned) {
  auto r = apply(R"([{"op":"replace","path":"/count","value":3},
                     {"op":"replace","path":"/name","value":"b"},
                     {"op":"replace","path":"/count","value":4}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().count.get(), 4) << "the last op on a field wins";
  EXPECT_EQ(w().name.get(), "b");
  EXPECT_EQ(names(r), (std::vector<std::string>{"count", "name"}));
}

TEST_F(PatchTest, EmptyPatchSucceedsAndChangesNothing) {
  auto r = apply("[]");
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.changed.empty());
  EXPECT_EQ(w().fields_json(), before_);
}

TEST_F(PatchTest, AddAppendsToAnArrayField) {
  auto r = apply(R"([{"op":"add","path":"/list/-","value":3}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().list.get(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(names(r), std::vector<std::string>{"list"});
}

TEST_F(PatchTest, ReplaceOfANestedKeyAssignsOnlyThatKey) {
  auto r = apply(R"([{"op":"replace","path":"/obj/k","value":5},
                     {"op":"add","path":"/obj/j","value":6}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().obj.get(), (std::map<std::string, int>{{"k", 5}, {"j", 6}}));
}

TEST_F(PatchTest, RemoveOfAnArrayElementIsAccepted) {
  auto r = apply(R"([{"op":"remove","path":"/list/0"}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().list.get(), (std::vector<int>{2}));
}

TEST_F(PatchTest, PassingTestOpLetsTheRestApply) {
  auto r = apply(R"([{"op":"test","path":"/count","value":1},
                     {"op":"replace","path":"/count","value":2}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().count.get(), 2);
}

TEST_F(PatchTest, FailingTestOpRejectsThePatch) {
  expect_rejected(apply(R"([{"op":"replace","path":"/count","value":9},
                            {"op":"test","path":"/count","value":100}])"),
                  "patch for 'root.w'");
}

TEST_F(PatchTest, MoveWithinAFieldIsAccepted) {
  auto r = apply(R"([{"op":"move","from":"/list/0","path":"/list/-"}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().list.get(), (std::vector<int>{2, 1}));
}

TEST_F(PatchTest, CopyFromOneFieldToAnotherAssignsTheTarget) {
  auto r = apply(R"([{"op":"copy","from":"/count","path":"/other"}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().other.get(), 1);
  EXPECT_EQ(w().count.get(), 1);
}

TEST_F(PatchTest, CopyIntoANestedPathIsAccepted) {
  auto r = apply(R"([{"op":"copy","from":"/count","path":"/list/0"}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().list.get(), (std::vector<int>{1, 1, 2}));
}

TEST_F(PatchTest, MovingAWholeFieldAwayIsRejectedBecauseItRemovesIt) {
  expect_rejected(apply(R"([{"op":"move","from":"/count","path":"/other"}])"),
                  "removes field 'count'");
}

TEST_F(PatchTest, RemovingAFieldIsRejected) {
  expect_rejected(apply(R"([{"op":"remove","path":"/count"}])"), "cannot be removed");
}

TEST_F(PatchTest, MalformedJsonIsRejected) {
  expect_rejected(apply(R"([{"op":"replace",)"), "not valid JSON");
}

TEST_F(PatchTest, PatchThatIsNotAnArrayIsRejected) {
  expect_rejected(apply(R"({"op":"replace","path":"/count","value":2})"), "JSON array");
}

TEST_F(PatchTest, OperationWithoutPathIsRejected) {
  expect_rejected(apply(R"([{"op":"replace","value":2}])"), "\"path\"");
}

TEST_F(PatchTest, OperationWithoutOpIsRejected) {
  expect_rejected(apply(R"([{"path":"/count","value":2}])"), "\"op\"");
}

TEST_F(PatchTest, OperationThatIsNotAnObjectIsRejected) {
  expect_rejected(apply(R"([42])"), "must be an object");
}

TEST_F(PatchTest, PathNotStartingWithSlashIsRejected) {
  expect_rejected(apply(R"([{"op":"replace","path":"count","value":2}])"), "must start with '/");
}

TEST_F(PatchTest, PathThatIsNotAStringIsRejected) {
  expect_rejected(apply(R"([{"op":"replace","path":3,"value":2}])"), "must be a string");
}

TEST_F(PatchTest, UnknownFieldIsRejectedByName) {
  expect_rejected(apply(R"([{"op":"replace","path":"/nope","value":2}])"),
                  "unknown state field 'nope'");
}

TEST_F(PatchTest, UnknownFromFieldIsRejected) {
  expect_rejected(apply(R"([{"op":"copy","from":"/nope","path":"/count"}])"),
                  "unknown state field 'nope'");
}

TEST_F(PatchTest, UnknownOperationIsRejected) {
  expect_rejected(apply(R"([{"op":"frobnicate","path":"/count","value":2}])"),
                  "patch for 'root.w'");
}

TEST_F(PatchTest, ReplaceWithoutValueIsRejected) {
  expect_rejected(apply(R"([{"op":"replace","path":"/count"}])"), "patch for 'root.w'");
}

TEST_F(PatchTest, WrongValueTypeIsRejectedNamingTheFieldPath) {
  expect_rejected(apply(R"([{"op":"replace","path":"/count","value":"many"}])"),
                  "field 'root.w.count' cannot take \"many\"");
}

TEST_F(PatchTest, WrongTypeInsideANestedValueIsRejected) {
  expect_rejected(apply(R"([{"op":"add","path":"/list/-","value":"three"}])"),
                  "field 'root.w.list'");
}

TEST_F(PatchTest, NestedPathBeyondTheValueIsRejected) {
  expect_rejected(apply(R"([{"op":"replace","path":"/list/7","value":1}])"), "patch for");
}

TEST_F(PatchTest, OneBadOpAmongGoodOnesChangesNothing) {
  // Bad type in the second op of a whole-field patch.
  expect_rejected(apply(R"([{"op":"replace","path":"/count","value":5},
                            {"op":"replace","path":"/name","value":3}])"),
                  "root.w.name");
  // Unknown field after a good op.
  expect_rejected(apply(R"([{"op":"replace","path":"/count","value":5},
                            {"op":"replace","path":"/ghost","value":1}])"),
                  "ghost");
  // Nested ops: a good append, then a bad remove.
  expect_rejected(apply(R"([{"op":"add","path":"/list/-","value":3},
                            {"op":"remove","path":"/obj/missing"}])"),
                  "patch for");
  // Nested good op, then a type error on another field.
  expect_rejected(apply(R"([{"op":"add","path":"/obj/z","value":1},
                            {"op":"add","path":"/list/-","value":"x"}])"),
                  "root.w.list");
}

TEST_F(PatchTest, TildeOneInANestedSegmentIsASlash) {
  auto r = apply(R"([{"op":"add","path":"/obj/a~1b","value":3}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().obj->count("a/b"), 1u);
  EXPECT_EQ(w().obj->at("a/b"), 3);
}

TEST_F(PatchTest, TildeZeroInANestedSegmentIsATilde) {
  auto r = apply(R"([{"op":"add","path":"/obj/a~0b","value":4}])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().obj->at("a~b"), 4);
}

TEST_F(PatchTest, EscapedTopSegmentIsUnescapedBeforeTheFieldLookup) {
  // "/co~1unt" names the field "co/unt", which cannot exist.
  expect_rejected(apply(R"([{"op":"replace","path":"/co~1unt","value":2}])"),
                  "unknown state field 'co/unt'");
}

TEST_F(PatchTest, BadTildeEscapeIsRejected) {
  expect_rejected(apply(R"([{"op":"replace","path":"/count~2","value":2}])"), "bad '~' escape");
}

TEST_F(PatchTest, ApplyPatchTakesParsedJsonToo) {
  Json patch = Json::array({lightning::detail::replace_op("count", 11)});
  auto r = apply_patch(w(), patch);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(w().count.get(), 11);
}

TEST(ReplaceOpTest, BuildsAReplaceOfATopLevelField) {
  EXPECT_EQ(lightning::detail::replace_op("count", 3),
            (Json{{"op", "replace"}, {"path", "/count"}, {"value", 3}}));
}

}  // namespace
}  // namespace unit_core
