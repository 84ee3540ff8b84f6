// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// detail::load_snapshot, the inverse of Flow::snapshot(): symmetric, all or
// nothing, errors that name the JSON pointer, statuses restored as data, and
// no change reported to the runtime.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <stdexcept>
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
  snap["flows"]["ghost"] = snap["flows"]["child"];
  expect_refused(snap, "/flows/ghost", "has no flow 'ghost' (flows cannot be made inside run()");

  // A work the tree lacks is made by its type (the tests below); one whose
  // type this binary does not register is refused.
  snap = source_.snapshot();
  snap["works"]["ghost"] = snap["works"]["w"];
  snap["works"]["ghost"]["type"] = "NoSuchWork";
  expect_refused(snap, "/works/ghost",
                 "the work 'root.ghost' has type 'NoSuchWork', which this app does not register");

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

// ------------------------------------------- works made inside Flow::run()

/// What run() of a flow made on the fly, seen as the journal saw it: a
/// snapshot with works the fresh tree lacks, and the journal's list of them.
class MadeWorksTest : public SnapshotLoadTest {
 protected:
  void SetUp() override {
    SnapshotLoadTest::SetUp();
    snap_ = source_.snapshot();
    // Made in this order by run(), which is not the snapshot's (sorted) order.
    for (const char* name : {"zeta", "alpha", "mid"}) {
      Json w = snap_["works"]["o"];
      w["vars"]["text"] = std::string("made ") + name;
      snap_["works"][name] = w;
    }
    snap_["flows"]["child"]["works"]["w"] = snap_["works"]["w"];
    journaled_ = {
        {"root.w", type_of(source_.w), lightning::WorkOptions()},
        {"root.zeta", type_of(source_.o), lightning::WorkOptions().retries(3)},
        {"root.alpha", type_of(source_.o),
         lightning::WorkOptions().timeout(std::chrono::seconds(9)).env({{"K", "v"}})},
        {"root.mid", type_of(source_.o), lightning::WorkOptions().cache_calls(false)},
        {"root.child.w", type_of(source_.w), lightning::WorkOptions().max_cached_calls(7)},
    };
  }

  static std::string type_of(const lightning::Work& w) { return w.type_name(); }

  // A refused load: the error names `pointer` and says `needle`; the works it
  // made are gone again and nothing else changed.
  void expect_refused_with(const std::vector<lightning::detail::JournaledWork>& journaled,
                           const std::string& pointer, const std::string& needle) {
    Status s = load_snapshot(target_, snap_, journaled);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("at " + pointer + ":"), std::string::npos)
        << s.message() << "\nexpected the pointer " << pointer;
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
    EXPECT_EQ(target_.works().size(), 2u);
    EXPECT_EQ(target_.child.works().size(), 1u);
    EXPECT_EQ(target_.snapshot(), before_) << "a refused load must change nothing";
  }

  static std::vector<std::string> names(const std::vector<lightning::Work*>& works) {
    std::vector<std::string> out;
    out.reserve(works.size());
    for (const lightning::Work* w : works) out.push_back(w->name());
    return out;
  }

  Json snap_;
  std::vector<lightning::detail::JournaledWork> journaled_;
};

TEST_F(MadeWorksTest, WorksTheTreeLacksAreMadeByTypeInTheJournalsOrderWithItsOptions) {
  Status s = load_snapshot(target_, snap_, journaled_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(names(target_.works()), (std::vector<std::string>{"w", "o", "zeta", "alpha", "mid"}))
      << "members first, then the journal's order (not the snapshot's sorted keys)";
  EXPECT_EQ(names(target_.child.works()), (std::vector<std::string>{"deep", "w"}));
  EXPECT_EQ(target_.snapshot(), snap_);
  const lightning::Work& zeta = *target_.works()[2];
  EXPECT_EQ(zeta.path(), "root.zeta");
  EXPECT_EQ(zeta.type_name(), source_.o.type_name());
  EXPECT_EQ(zeta.options().retries(), 3);
  EXPECT_EQ(zeta.options().max_cached_calls(), 10000);
  const lightning::Work& alpha = *target_.works()[3];
  EXPECT_EQ(alpha.options().timeout(), std::chrono::seconds(9));
  EXPECT_EQ(alpha.options().env().at("K"), "v");
  EXPECT_FALSE(target_.works()[4]->options().cache_calls());
  EXPECT_EQ(target_.child.works()[1]->options().max_cached_calls(), 7);
  EXPECT_EQ(target_.w.options().retries(), 0) << "a member keeps its own options";
  EXPECT_TRUE(runtime_.changes().empty());
}

TEST_F(MadeWorksTest, AJournalWithoutTheListMakesThemInNameOrderWithDefaultOptions) {
  // A journal of schema 1 did not keep the list.
  Status s = load_snapshot(target_, snap_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(names(target_.works()), (std::vector<std::string>{"w", "o", "alpha", "mid", "zeta"}));
  EXPECT_EQ(target_.works()[4]->options().retries(), 0);
  EXPECT_EQ(target_.snapshot(), snap_);
}

TEST_F(MadeWorksTest, AListedWorkTheSnapshotLacksIsMadeWithItsDefaults) {
  // Killed after the work's creation was committed, before its first state.
  snap_["works"].erase("mid");
  Status s = load_snapshot(target_, snap_, journaled_);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(target_.works().size(), 5u);
  EXPECT_EQ(target_.works()[4]->name(), "mid");
  EXPECT_EQ(target_.works()[4]->status().stage, WorkStage::kNotStarted);
  EXPECT_EQ(target_.snapshot()["works"]["mid"]["vars"]["text"], "");
}

TEST_F(MadeWorksTest, AnUnregisteredTypeOrATypeOtherThanTheSnapshotsIsRefusedAndNothingIsMade) {
  journaled_[2].type = "RenamedWork";
  snap_["works"]["alpha"]["type"] = "RenamedWork";
  expect_refused_with(journaled_, "/works/alpha",
                      "the work 'root.alpha' has type 'RenamedWork', which this app does not "
                      "register (was the work type renamed or removed");

  SetUp();
  journaled_[1].type = type_of(source_.w);
  expect_refused_with(journaled_, "/works/zeta/type",
                      "the journal made the work 'root.zeta' as type");

  SetUp();
  journaled_.push_back({"root.nowhere.x", type_of(source_.o), lightning::WorkOptions()});
  Status s = load_snapshot(target_, snap_, journaled_);
  EXPECT_NE(s.message().find("the journal has the work 'root.nowhere.x'"), std::string::npos)
      << s.message();
  EXPECT_EQ(target_.works().size(), 2u);
}

TEST_F(MadeWorksTest, ABadValueInAMadeWorkTakesTheMadeWorksOutAgain) {
  snap_["works"]["mid"]["vars"]["text"] = 5;
  expect_refused_with(journaled_, "/works/mid/vars/text", "field 'root.mid.text' cannot take");
}

/// A runtime inside Flow::run(): add_work() there returns existing works.
class InRunRuntime final : public lightning::detail::Runtime {
 public:
  void attach(lightning::Component& root) { attach_tree(root, this); }
  void on_field_changed(lightning::Component&, const lightning::StateFieldBase&, Json) override {}
  bool in_flow_run() const override { return true; }
  void on_work_options_changed(lightning::Work& w) override { changed.push_back(w.path()); }
  std::vector<std::string> changed;
};

struct MakingRoot : LoadRoot {
  lightning::WorkOptions asked = lightning::WorkOptions().retries(5);
  lightning::Work* made = nullptr;
  void run() override { made = &add_work<OtherWork>("zeta", asked); }
};

struct WrongTypeRoot : LoadRoot {
  void run() override { add_work<LoadWork>("zeta"); }
};

TEST_F(MadeWorksTest, RunAskingForAMadeWorkGetsItWithTheCodesOptionsOnce) {
  MakingRoot root;
  ASSERT_TRUE(load_snapshot(root, snap_, journaled_).ok());
  InRunRuntime rt;
  rt.attach(root);
  lightning::Work* zeta = root.works()[2];
  EXPECT_EQ(zeta->options().retries(), 3);
  root.run();
  EXPECT_EQ(root.made, zeta);
  EXPECT_EQ(zeta->options().retries(), 5) << "the code's options win over the journal's";
  EXPECT_EQ(rt.changed, std::vector<std::string>{"root.zeta"});
  root.asked = lightning::WorkOptions().retries(1);
  root.run();
  EXPECT_EQ(zeta->options().retries(), 5) << "later add_work() calls do not change options";
  EXPECT_EQ(rt.changed.size(), 1u);
}

TEST_F(MadeWorksTest, RunAskingForAMadeWorkUnderAnotherTypeIsAClearError) {
  WrongTypeRoot root;
  ASSERT_TRUE(load_snapshot(root, snap_, journaled_).ok());
  InRunRuntime rt;
  rt.attach(root);
  try {
    root.run();
    FAIL() << "add_work of another type returned";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("another child (a work of type " + type_of(source_.o) +
                        ", made again from the journal of the resumed run)"),
              std::string::npos)
        << what;
  }
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
