// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// PatchBuilder: the coalescer of outgoing state changes (work outbox,
// controller's pending patch, StatePublisher's batches).
#include "core/patch_builder.hpp"

#include <gtest/gtest.h>

#include "core/patch.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"

namespace unit_core {
namespace {

using lightning::Json;
using lightning::detail::PatchBuilder;

TEST(PatchBuilderTest, StartsEmpty) {
  PatchBuilder b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.ops(), Json::array());
}

TEST(PatchBuilderTest, OneFieldChangeIsOneReplaceOp) {
  PatchBuilder b;
  b.set_field("count", 3);
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.ops(), Json::parse(R"([{"op":"replace","path":"/count","value":3}])"));
}

TEST(PatchBuilderTest, LatestValueOfAFieldWinsAndKeepsItsFirstPlace) {
  PatchBuilder b;
  b.set_field("a", 1);
  b.set_field("b", "x");
  for (int i = 2; i <= 1000; ++i) b.set_field("a", i);
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.ops(), Json::parse(R"([{"op":"replace","path":"/a","value":1000},
                                     {"op":"replace","path":"/b","value":"x"}])"));
}

TEST(PatchBuilderTest, TakeReturnsThePatchAndStartsAnEmptyOne) {
  PatchBuilder b;
  b.set_field("a", 1);
  Json first = b.take();
  EXPECT_EQ(first.size(), 1u);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.ops(), Json::array());
  // The index was reset too: the same field starts a new op.
  b.set_field("a", 2);
  EXPECT_EQ(b.ops(), Json::parse(R"([{"op":"replace","path":"/a","value":2}])"));
}

TEST(PatchBuilderTest, ClearDropsEverything) {
  PatchBuilder b;
  b.set_field("a", 1);
  b.clear();
  EXPECT_TRUE(b.empty());
  b.set_field("a", 2);
  EXPECT_EQ(b.size(), 1u);
}

TEST(PatchBuilderTest, AnAddStaysAnAddWithTheLatestValue) {
  PatchBuilder b;
  b.set(Json::json_pointer("/works/w"), Json{{"vars", {{"n", 1}}}}, PatchBuilder::Op::kAdd);
  b.set(Json::json_pointer("/vars/x"), 1);
  b.set(Json::json_pointer("/works/w"), Json{{"vars", {{"n", 2}}}});
  EXPECT_EQ(b.ops(), Json::parse(R"([{"op":"add","path":"/works/w","value":{"vars":{"n":2}}},
                                     {"op":"replace","path":"/vars/x","value":1}])"));
}

TEST(PatchBuilderTest, PointersAreEscapedPerRfc6901) {
  PatchBuilder b;
  b.set_field("a/b", 1);
  b.set_field("c~d", 2);
  b.set(Json::json_pointer() / "works" / "x~/y" / "vars" / "z", 3);
  EXPECT_EQ(b.ops()[0]["path"], "/a~1b");
  EXPECT_EQ(b.ops()[1]["path"], "/c~0d");
  EXPECT_EQ(b.ops()[2]["path"], "/works/x~0~1y/vars/z");
  // The same name coalesces however it was given.
  b.set(Json::json_pointer("/a~1b"), 4);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.ops()[0]["value"], 4);
}

struct BuilderWork : lightning::Work {
  lightning::State<int> count{this, "count", 0};
  lightning::State<std::string> name{this, "name", ""};
  void run(const Json&) override {}
};

struct BuilderFlow : lightning::Flow {
  BuilderWork& w = add_work<BuilderWork>("w");
  void run() override {}
};

TEST(PatchBuilderTest, ItsPatchAppliesToAComponentAsTheLatestValues) {
  BuilderFlow flow;
  PatchBuilder b;
  b.set_field("count", 1);
  b.set_field("name", "a");
  b.set_field("count", 7);
  auto r = lightning::detail::apply_patch(flow.w, b.take());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(flow.w.count.get(), 7);
  EXPECT_EQ(flow.w.name.get(), "a");
}

}  // namespace
}  // namespace unit_core
