// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// detail::load_snapshot, the inverse of Flow::snapshot(): symmetric, all or
// nothing, errors that name the JSON pointer, statuses restored as data, and
// no change reported to the runtime.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/point.hpp"
#include "core/component_access.hpp"
#include "core/snapshot.hpp"
#include "fakes/fake_runtime.hpp"
#include "lightning/state.hpp"

namespace unit_core {
namespace {

using lightning::Json;
using lightning::State;
using lightning::Status;
using lightning::WorkStage;
using lightning::WorkStatus;
using lightning::detail::load_snapshot;
using lightning::detail::work_status_from_json;

using lightning::testing::Point;

struct LoadWork : lightning::Work {
  State<int> count{this, "count", 0};
  State<std::vector<Point>> points{this, "points", {}};
  void run(const Json&) override {}
};

struct OtherWork : lightning::Work {
  State<std::string> text{this, "text", ""};
  void run(const Json&) override {}
};

struct LoadChild : lightning::Flow {
  State<std::map<std::string, double>> weights{this, "weights", {}};
  LoadWork& deep = add_work<LoadWork>("deep");
  void run() override {}
};

struct LoadRoot : lightning::Flow {
  State<int> step{this, "step", 0};
  State<std::string> name{this, "name", "start"};
  LoadWork& w = add_work<LoadWork>("w");
  OtherWork& o = add_work<OtherWork>("o");
  LoadChild& child = add_flow<LoadChild>("child");
  void run() override {}
};

WorkStatus failed_status() {
  WorkStatus st;
  st.stage = WorkStage::kFailed;
  st.timestamp_us = 1795240247109686;
  st.call_id = 3;
  st.attempt = 2;
  st.reason = "signal";
  st.message = "work process killed by signal 6 (SIGABRT)";
  st.signal = 6;
  return st;
}

/// A tree with a value in every field and a status in every work.
void fill(LoadRoot& r) {
  r.step = 7;
  r.name = "trained";
  r.w.count = 41;
  r.w.points = {{1, 2}, {3, 4}};
  r.o.text = "hello";
  r.child.weights = {{"a", 0.5}, {"b", 2.0}};
  r.child.deep.count = -3;
  r.child.deep.points = {{5, 6}};
}

class SnapshotLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fill(source_);
    WorkStatus running;
    running.stage = WorkStage::kRunning;
    running.timestamp_us = 17;
    running.call_id = 1;
    running.attempt = 1;
    set_status(source_.w, running);
    set_status(source_.child.deep, failed_status());
    runtime_.attach(target_);
    before_ = target_.snapshot();
  }

  static void set_status(lightning::Work& w, WorkStatus st);

  // Asserts a refused load: the error names `pointer` and says `needle`, and
  // the target is untouched.
  void expect_refused(const Json& snap, const std::string& pointer, const std::string& needle) {
    Status s = load_snapshot(target_, snap);
    ASSERT_FALSE(s.ok()) << "loaded " << snap.dump();
    EXPECT_EQ(s.code(), lightning::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("at " + pointer + ":"), std::string::npos)
        << s.message() << "\nexpected the pointer " << pointer;
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
    EXPECT_EQ(target_.snapshot(), before_) << "a refused load must change nothing";
  }

  LoadRoot source_;
  LoadRoot target_;
  lightning::testing::FakeRuntime runtime_;
  Json before_;
};

void SnapshotLoadTest::set_status(lightning::Work& w, WorkStatus st) {
  lightning::ComponentAccess::set_status(w, std::move(st));
}

TEST_F(SnapshotLoadTest, SnapshotThenLoadThenSnapshotGivesTheSameJson) {
  const Json snap = source_.snapshot();
  ASSERT_NE(snap, before_);
  Status s = load_snapshot(target_, snap);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(target_.snapshot(), snap);
  EXPECT_EQ(target_.child.deep.points.get(), (std::vector<Point>{{5, 6}}));
}

TEST_F(SnapshotLoadTest, LoadingReportsNoChangeToTheRuntime) {
  ASSERT_TRUE(load_snapshot(target_, source_.snapshot()).ok());
  EXPECT_TRUE(runtime_.changes().empty());
  // The fields still report changes the flow makes afterwards.
  target_.step = 8;
  EXPECT_EQ(runtime_.changes().size(), 1u);
}

TEST_F(SnapshotLoadTest, WorkStatusesAreRestoredAsDataRunningIncluded) {
  ASSERT_TRUE(load_snapshot(target_, source_.snapshot()).ok());
  EXPECT_TRUE(target_.w.status().is_running());
  EXPECT_EQ(target_.w.status().call_id, 1u);
  const WorkStatus& st = target_.child.deep.status();
  EXPECT_TRUE(st.has_failed());
  EXPECT_EQ(st.attempt, 2);
  EXPECT_EQ(st.reason, "signal");
  EXPECT_EQ(st.signal, 6);
  EXPECT_FALSE(st.exit_code.has_value());
  EXPECT_EQ(target_.o.status().stage, WorkStage::kNotStarted);
}

TEST_F(SnapshotLoadTest, ABadValueDeepInTheTreeChangesNothing) {
  Json snap = source_.snapshot();
  // Everything before it in the walk is valid and differs from the target.
  snap["flows"]["child"]["works"]["deep"]["vars"]["points"][0]["y"] = 1.5;
  expect_refused(snap, "/flows/child/works/deep/vars/points",
                 "field 'root.child.deep.points' cannot take");
  EXPECT_EQ(target_.step.get(), 0);
  EXPECT_EQ(target_.w.count.get(), 0);
}

TEST_F(SnapshotLoadTest, ABadStatusChangesNothing) {
  Json snap = source_.snapshot();
  snap["works"]["o"]["status"]["stage"] = "exploded";
  expect_refused(snap, "/works/o/status", "is not one of");
  snap = source_.snapshot();
  snap["works"]["o"]["status"]["attempt"] = "two";
  expect_refused(snap, "/works/o/status", "\"attempt\" of a work status");
  snap = source_.snapshot();
  snap["works"]["o"]["status"].erase("call_id");
  expect_refused(snap, "/works/o/status", "needs \"call_id\"");
  snap = source_.snapshot();
  snap["works"]["o"]["status"]["colour"] = "red";
  expect_refused(snap, "/works/o/status", "no key \"colour\"");
}

TEST_F(SnapshotLoadTest, UnknownAndMissingNamesAreRefused) {
  Json snap = source_.snapshot();
  snap["vars"]["nope"] = 1;
  expect_refused(snap, "/vars/nope", "has no state field 'nope'");

  snap = source_.snapshot();
  snap["vars"].erase("name");
  expect_refused(snap, "/vars", "is missing state field 'name'");

  snap = source_.snapshot();
  snap["works"]["ghost"] = snap["works"]["w"];
  expect_refused(snap, "/works/ghost", "has no work 'ghost'");

  snap = source_.snapshot();
  snap["flows"].erase("child");
  expect_refused(snap, "/flows", "is missing flow 'child'");

  snap = source_.snapshot();
  snap["flows"]["child"]["extra"] = Json::object();
  expect_refused(snap, "/flows/child", "unknown key \"extra\"");

  snap = source_.snapshot();
  snap["works"]["w"].erase("status");
  expect_refused(snap, "/works/w", "is missing \"status\"");
}

TEST_F(SnapshotLoadTest, AWorksUrlMayBeThereOrNotAndIsNotLoaded) {
  Json snap = source_.snapshot();
  snap["works"]["w"]["url"] = 5;
  expect_refused(snap, "/works/w/url", "must be a string or null");
  snap["works"]["w"]["url"] = "http://127.0.0.1:8000";
  ASSERT_TRUE(load_snapshot(target_, snap).ok());
  EXPECT_TRUE(target_.snapshot().at("works").at("w").at("url").is_null())
      << "the process that served it is gone";
  snap["works"]["w"].erase("url");
  EXPECT_TRUE(load_snapshot(target_, snap).ok()) << "a snapshot from before URLs";
}

TEST_F(SnapshotLoadTest, AWorkOfAnotherTypeIsRefused) {
  Json snap = source_.snapshot();
  snap["works"]["o"]["type"] = snap["works"]["w"]["type"];
  expect_refused(snap, "/works/o/type", "work 'root.o' has type");
}

TEST_F(SnapshotLoadTest, SomethingThatIsNotASnapshotIsRefused) {
  expect_refused(Json::array({1, 2}), "/", "must be an object, not array");
  expect_refused(Json{{"vars", 1}, {"works", Json::object()}, {"flows", Json::object()}}, "/vars",
                 "must be an object, not number");
}

TEST_F(SnapshotLoadTest, PointersInErrorsEscapeTildeAndSlash) {
  Json snap = source_.snapshot();
  snap["vars"]["a/b~c"] = 1;
  expect_refused(snap, "/vars/a~1b~0c", "has no state field 'a/b~c'");
}

TEST(WorkStatusFromJsonTest, ReadsWhatToJsonWrites) {
  WorkStatus st = failed_status();
  st.exit_code = 2;
  auto r = work_status_from_json(st.to_json());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->to_json(), st.to_json());
  auto plain = work_status_from_json(WorkStatus{}.to_json());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->stage, WorkStage::kNotStarted);
  EXPECT_TRUE(plain->reason.empty());
}

TEST(WorkStatusFromJsonTest, RefusesOutOfRangeNumbers) {
  Json j = WorkStatus{}.to_json();
  j["attempt"] = 1e12;
  EXPECT_FALSE(work_status_from_json(j).ok());
  j = WorkStatus{}.to_json();
  j["call_id"] = -1;
  EXPECT_FALSE(work_status_from_json(j).ok());
}

}  // namespace
}  // namespace unit_core
