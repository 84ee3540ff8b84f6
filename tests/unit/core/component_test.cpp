// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The object model: names, dotted paths, the component tree, snapshots and the
// work type registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "fakes/fake_runtime.hpp"
#include "lightning/flow.hpp"
#include "lightning/registry.hpp"
#include "lightning/state.hpp"
#include "lightning/work.hpp"

namespace unit_core {

using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

struct CounterWork : Work {
  State<int> count{this, "count", 0};
  void run(const Json&) override {}
};

struct OtherWork : Work {
  void run(const Json&) override {}
};

/// A flow whose protected API is public, so tests can build trees directly.
struct OpenFlow : Flow {
  using Flow::add_flow;
  using Flow::add_work;
  using Flow::set_work_env;
  void run() override {}
};

struct CounterFlow : OpenFlow {
  State<std::string> label{this, "label", "hi"};
  CounterWork& counter = add_work<CounterWork>("counter");
};

struct SubFlow : OpenFlow {
  CounterWork& w = add_work<CounterWork>("w");
  State<int> level{this, "level", 1};
};

struct NestedFlow : OpenFlow {
  SubFlow& sub = add_flow<SubFlow>("sub");
};

// Expects `fn` to throw std::invalid_argument whose message contains `needle`.
template <class Fn>
void expect_invalid_argument(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected std::invalid_argument mentioning \"" << needle << "\"";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << needle;
  }
}

// ------------------------------------------------------------------ names

TEST(NameValidationTest, AcceptsLettersDigitsAndUnderscores) {
  EXPECT_NO_THROW(lightning::validate_name("trainer", "Work", "root"));
  EXPECT_NO_THROW(lightning::validate_name("_private2", "Work", "root"));
  EXPECT_NO_THROW(lightning::validate_name("A_b_9", "Work", "root"));
  EXPECT_NO_THROW(lightning::validate_name(std::string(64, 'a'), "Work", "root"));
}

TEST(NameValidationTest, EmptyNameIsRejectedWithAnExample) {
  expect_invalid_argument([] { lightning::validate_name("", "Work", "root"); }, "is empty");
  expect_invalid_argument([] { lightning::validate_name("", "Work", "root"); }, "'trainer'");
}

TEST(NameValidationTest, DotIsRejectedAndUnderscoreSuggested) {
  expect_invalid_argument([] { lightning::validate_name("a.b", "Work", "root"); }, "'.'");
  expect_invalid_argument([] { lightning::validate_name("a.b", "Work", "root"); }, "use '_'");
}

TEST(NameValidationTest, SlashIsRejectedAndUnderscoreSuggested) {
  expect_invalid_argument([] { lightning::validate_name("a/b", "Work", "root"); }, "'/'");
  expect_invalid_argument([] { lightning::validate_name("a/b", "Work", "root"); }, "use '_'");
}

TEST(NameValidationTest, LeadingDigitIsRejected) {
  expect_invalid_argument([] { lightning::validate_name("1st", "Work", "root"); },
                          "must start with a letter or '_'");
}

TEST(NameValidationTest, OtherCharactersAreRejectedByName) {
  expect_invalid_argument([] { lightning::validate_name("my-work", "Work", "root"); },
                          "contains '-'");
  expect_invalid_argument([] { lightning::validate_name("my work", "Work", "root"); },
                          "letters, digits and '_'");
}

TEST(NameValidationTest, NameLongerThan64CharactersIsRejected) {
  expect_invalid_argument([] { lightning::validate_name(std::string(65, 'a'), "Work", "root"); },
                          "longer than 64");
}

TEST(NameValidationTest, MessageSaysWhatAndWhere) {
  expect_invalid_argument([] { lightning::validate_name("a.b", "State field", "root.counter"); },
                          "State field name 'a.b' in 'root.counter'");
}

TEST(NameValidationTest, BadStateFieldNameThrowsAtDeclaration) {
  CounterWork w;
  expect_invalid_argument([&] { State<int> f(&w, "bad.name", 0); }, "use '_'");
  EXPECT_EQ(w.fields().size(), 1u) << "a rejected field must not stay registered";
}

TEST(NameValidationTest, BadWorkNameThrowsAtAddWork) {
  OpenFlow f;
  expect_invalid_argument([&] { f.add_work<CounterWork>("2nd"); }, "must start with a letter");
  EXPECT_TRUE(f.works().empty());
}

TEST(NameValidationTest, BadFlowNameThrowsAtAddFlow) {
  OpenFlow f;
  expect_invalid_argument([&] { f.add_flow<SubFlow>("sub/flow"); }, "'/'");
  EXPECT_TRUE(f.flows().empty());
}

// ------------------------------------------------------------------ the tree

TEST(ComponentTreeTest, DuplicateFieldNameIsRejected) {
  CounterWork w;
  expect_invalid_argument([&] { State<int> again(&w, "count", 1); }, "already used");
}

TEST(ComponentTreeTest, DuplicateWorkNameIsRejected) {
  OpenFlow f;
  f.add_work<CounterWork>("a");
  expect_invalid_argument([&] { f.add_work<CounterWork>("a"); }, "already used");
  EXPECT_EQ(f.works().size(), 1u);
}

TEST(ComponentTreeTest, WorkNamedLikeAFieldIsRejected) {
  CounterFlow f;
  expect_invalid_argument([&] { f.add_work<OtherWork>("label"); }, "already used");
}

TEST(ComponentTreeTest, FlowNamedLikeAWorkIsRejected) {
  CounterFlow f;
  expect_invalid_argument([&] { f.add_flow<SubFlow>("counter"); }, "already used");
}

TEST(ComponentTreeTest, FieldNamedLikeAChildIsRejected) {
  CounterFlow f;
  expect_invalid_argument([&] { State<int> clash(&f, "counter", 0); }, "already used");
}

TEST(ComponentTreeTest, NegativeRetriesAreRejected) {
  OpenFlow f;
  expect_invalid_argument([&] { f.add_work<CounterWork>("w", WorkOptions().retries(-1)); }, ">= 0");
}

TEST(ComponentTreeTest, StateFieldWithoutOwnerExplainsHowToDeclareIt) {
  expect_invalid_argument([] { State<int> orphan(nullptr, "count", 0); }, "{this, \"count\"");
}

TEST(ComponentTreeTest, RootIsNamedRoot) {
  OpenFlow f;
  EXPECT_EQ(f.name(), "root");
  EXPECT_EQ(f.path(), "root");
  EXPECT_EQ(f.parent(), nullptr);
}

TEST(ComponentTreeTest, FieldPathIsDottedFromTheRoot) {
  CounterFlow f;
  EXPECT_EQ(f.counter.path(), "root.counter");
  EXPECT_EQ(f.counter.count.path(), "root.counter.count");
  EXPECT_EQ(f.label.path(), "root.label");
  EXPECT_EQ(f.counter.parent(), &f);
}

TEST(ComponentTreeTest, NestedFlowPathsIncludeEveryLevel) {
  NestedFlow f;
  EXPECT_EQ(f.sub.path(), "root.sub");
  EXPECT_EQ(f.sub.w.path(), "root.sub.w");
  EXPECT_EQ(f.sub.w.count.path(), "root.sub.w.count");
  EXPECT_EQ(f.sub.level.path(), "root.sub.level");
}

TEST(ComponentTreeTest, PathsRefreshWhenAFlowIsAdoptedAsAChild) {
  // SubFlow adds its work while it is still a root ("root.w").
  auto standalone = std::make_unique<SubFlow>();
  EXPECT_EQ(standalone->w.path(), "root.w");

  OpenFlow top;
  SubFlow& sub = top.add_flow<SubFlow>("child");
  EXPECT_EQ(sub.w.path(), "root.child.w");
  EXPECT_EQ(sub.w.count.path(), "root.child.w.count");

  NestedFlow deeper;
  SubFlow& inner = deeper.sub.add_flow<SubFlow>("inner");
  EXPECT_EQ(inner.w.count.path(), "root.sub.inner.w.count");
}

TEST(ComponentTreeTest, FindFieldReturnsTheFieldOrNull) {
  CounterWork w;
  EXPECT_EQ(w.find_field("count"), &w.count);
  EXPECT_EQ(w.find_field("nope"), nullptr);
}

TEST(ComponentTreeTest, DestroyedFieldIsUnregistered) {
  CounterWork w;
  {
    State<int> temp(&w, "temp", 1);
    EXPECT_EQ(w.fields().size(), 2u);
  }
  EXPECT_EQ(w.fields().size(), 1u);
  EXPECT_EQ(w.find_field("temp"), nullptr);
}

TEST(ComponentTreeTest, WorksAndFlowsAreListedInDeclarationOrder) {
  OpenFlow f;
  auto& a = f.add_work<CounterWork>("a");
  auto& b = f.add_work<OtherWork>("b");
  auto& s = f.add_flow<SubFlow>("s");
  ASSERT_EQ(f.works().size(), 2u);
  EXPECT_EQ(f.works()[0], &a);
  EXPECT_EQ(f.works()[1], &b);
  ASSERT_EQ(f.flows().size(), 1u);
  EXPECT_EQ(f.flows()[0], &s);
}

TEST(ComponentTreeTest, AddWorkStoresOptionsAndTypeName) {
  OpenFlow f;
  auto& w = f.add_work<CounterWork>("w", WorkOptions().parallel(true).retries(3));
  EXPECT_TRUE(w.options().parallel());
  EXPECT_EQ(w.options().retries(), 3);
  EXPECT_EQ(w.type_name(), "unit_core::CounterWork");
  EXPECT_EQ(w.status().stage, lightning::WorkStage::kNotStarted);
}

TEST(ComponentTreeTest, AddFlowAfterTheAppStartedIsALogicError) {
  OpenFlow f;
  lightning::testing::FakeRuntime rt;
  rt.attach(f);
  EXPECT_THROW(f.add_flow<SubFlow>("late"), std::logic_error);
  EXPECT_TRUE(f.flows().empty());
}

TEST(ComponentTreeTest, CallOutsideARunningAppIsALogicError) {
  CounterFlow f;
  EXPECT_THROW(f.counter.call(), std::logic_error);
}

TEST(ComponentTreeTest, CallThroughARuntimeWithoutAControllerIsALogicError) {
  CounterFlow f;
  lightning::testing::FakeRuntime rt;
  rt.attach(f);
  EXPECT_THROW(f.counter.call({{"n", 1}}), std::logic_error);
}

// ------------------------------------------------------------------ snapshot

TEST(SnapshotTest, FlowSnapshotHasVarsWorksAndFlows) {
  NestedFlow f;
  f.sub.w.count = 7;
  const Json s = f.snapshot();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.at("vars"), Json::object());
  EXPECT_EQ(s.at("works"), Json::object());
  const Json& sub = s.at("flows").at("sub");
  EXPECT_EQ(sub.at("vars"), (Json{{"level", 1}}));
  EXPECT_EQ(sub.at("flows"), Json::object());
  EXPECT_EQ(sub.at("works").at("w").at("vars"), (Json{{"count", 7}}));
}

TEST(SnapshotTest, WorkSnapshotHasTypeVarsStatusAndUrl) {
  CounterFlow f;
  const Json s = f.counter.snapshot();
  EXPECT_EQ(s.size(), 4u);
  EXPECT_TRUE(s.at("url").is_null());
  EXPECT_EQ(s.at("type"), "unit_core::CounterWork");
  EXPECT_EQ(s.at("vars"), (Json{{"count", 0}}));
  EXPECT_EQ(s.at("status").at("stage"), "not_started");
  EXPECT_EQ(s.at("status").at("call_id"), 0);
  EXPECT_EQ(f.snapshot().at("vars"), (Json{{"label", "hi"}}));
}

// ------------------------------------------------------------------ registry

TEST(FlowTest, SetWorkEnvReplacesTheEnvironmentOfTheNextLaunch) {
  CounterFlow flow;
  CounterWork& w =
      flow.add_work<CounterWork>("w2", WorkOptions().parallel(true).env({{"A", "1"}, {"B", "2"}}));
  flow.set_work_env(w, {{"MASTER_PORT", "29501"}});
  EXPECT_EQ(w.options().env(), (WorkOptions::EnvMap{{"MASTER_PORT", "29501"}}));
  EXPECT_TRUE(w.options().parallel());  // the other options are kept
}

TEST(FlowTest, SetWorkEnvRejectsABadNameAndAnotherFlowsWork) {
  CounterFlow flow;
  expect_invalid_argument(
      [&] {
        flow.set_work_env(flow.counter, {{"1BAD", "x"}});
      },
      "is not an environment variable name");
  EXPECT_TRUE(flow.counter.options().env().empty());
  NestedFlow nested;
  expect_invalid_argument(
      [&] {
        flow.set_work_env(nested.sub.w, {{"A", "1"}});
      },
      "a flow can only set the environment of its own works");
}

TEST(WorkRegistryTest, AddWorkRegistersTheTypeByItsDemangledName) {
  OpenFlow f;
  f.add_work<CounterWork>("w");
  EXPECT_EQ(lightning::detail::WorkType<CounterWork>::name(), "unit_core::CounterWork");
  const auto names = lightning::detail::registered_work_types();
  EXPECT_NE(std::find(names.begin(), names.end(), "unit_core::CounterWork"), names.end());
}

TEST(WorkRegistryTest, CreateWorkConstructsTheRegisteredType) {
  OpenFlow f;
  f.add_work<CounterWork>("w");
  std::unique_ptr<Work> w = lightning::detail::create_work("unit_core::CounterWork");
  ASSERT_NE(w, nullptr);
  auto* counter = dynamic_cast<CounterWork*>(w.get());
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->count.get(), 0);
}

TEST(WorkRegistryTest, UnknownTypeNameGivesNull) {
  EXPECT_EQ(lightning::detail::create_work("unit_core::NoSuchWork"), nullptr);
  EXPECT_EQ(lightning::detail::create_work(""), nullptr);
}

TEST(WorkRegistryTest, DemangleTurnsTypeidIntoTheQualifiedName) {
  EXPECT_EQ(lightning::detail::demangle(typeid(OtherWork).name()), "unit_core::OtherWork");
}

}  // namespace unit_core
