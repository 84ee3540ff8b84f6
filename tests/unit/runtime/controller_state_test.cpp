// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// State sync between a work and the controller: deltas in both directions,
// what a bad delta does, and when the flow runs again.
#include <boost/asio/post.hpp>

#include "fakes/fake_state_observer.hpp"
#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using lightning::testing::FakeStateObserver;

class DeltaTest : public ControllerTest {
 protected:
  void SetUp() override {
    root().body = [this](TestRoot& r) {
      r.w.call();
      if (on_run) on_run(r);
    };
    start();
    proc_ = std::make_unique<FakeWorkProcess>(controller());
    connect(*proc_);
    runs_after_connect_ = root_->runs;
  }
  FakeWorkProcess& proc() { return *proc_; }

  std::function<void(TestRoot&)> on_run;
  std::unique_ptr<FakeWorkProcess> proc_;
  int runs_after_connect_ = 0;
};

TEST_F(DeltaTest, ValidDeltaUpdatesTheFieldAndRunsTheFlowOnce) {
  int seen_x = -1;
  on_run = [&](TestRoot& r) { seen_x = r.w.x; };
  proc().delta(R"([{"op":"replace","path":"/x","value":5}])");
  settle();
  EXPECT_EQ(w().x.get(), 5);
  EXPECT_EQ(seen_x, 5) << "the flow runs after the change";
  EXPECT_EQ(root_->runs, runs_after_connect_ + 1);
  EXPECT_TRUE(proc().errors().empty());
}

TEST_F(DeltaTest, DeltasDeliveredTogetherCauseOneFlowRun) {
  auto session = proc().session();
  for (int v = 1; v <= 2; ++v) {
    boost::asio::post(io_, [this, session, v] {
      auto m = FakeWorkProcess::make_delta(
          v, Json::array({{{"op", "replace"}, {"path", "/x"}, {"value", v * 10}}}).dump());
      controller().on_session_message(session, m);
    });
  }
  settle();
  EXPECT_EQ(w().x.get(), 20);
  EXPECT_EQ(root_->runs, runs_after_connect_ + 1) << "changes that arrive together: one run";
  EXPECT_TRUE(proc().errors().empty());
}

TEST_F(DeltaTest, DeltaFromTheWorkIsNotEchoedBackToIt) {
  proc().delta(R"([{"op":"replace","path":"/x","value":5}])");
  settle();
  EXPECT_TRUE(proc().deltas().empty());
}

TEST_F(DeltaTest, MalformedDeltaIsReportedChangesNothingAndLaterDeltasApply) {
  proc().delta("[{not json");
  settle();
  ASSERT_EQ(proc().errors().size(), 1u);
  EXPECT_NE(proc().errors()[0].find("not valid JSON"), std::string::npos) << proc().errors()[0];
  EXPECT_EQ(w().x.get(), 0);
  EXPECT_EQ(root_->runs, runs_after_connect_) << "a rejected delta is not a change";
  EXPECT_FALSE(proc().closed().has_value()) << "the stream stays open";

  proc().delta(R"([{"op":"replace","path":"/x","value":6}])");
  settle();
  EXPECT_EQ(w().x.get(), 6);
  EXPECT_EQ(proc().errors().size(), 1u);
  EXPECT_EQ(root_->runs, runs_after_connect_ + 1);
}

TEST_F(DeltaTest, DeltaForAnUnknownFieldIsReportedAndChangesNothing) {
  proc().delta(
      R"([{"op":"replace","path":"/x","value":1},{"op":"replace","path":"/ghost","value":1}])");
  settle();
  ASSERT_EQ(proc().errors().size(), 1u);
  EXPECT_NE(proc().errors()[0].find("ghost"), std::string::npos) << proc().errors()[0];
  EXPECT_EQ(w().x.get(), 0) << "all or nothing";
}

TEST_F(DeltaTest, DeltaWithAWrongTypeIsReportedNamingTheField) {
  proc().delta(R"([{"op":"replace","path":"/x","value":"five"}])");
  settle();
  ASSERT_EQ(proc().errors().size(), 1u);
  EXPECT_NE(proc().errors()[0].find("root.w.x"), std::string::npos) << proc().errors()[0];
  EXPECT_EQ(w().x.get(), 0);
  proc().delta(R"([{"op":"replace","path":"/text","value":"ok"}])");
  settle();
  EXPECT_EQ(w().text.get(), "ok") << "the controller keeps working";
}

TEST_F(DeltaTest, OutOfOrderDeltaIsReportedButApplied) {
  proc().delta(5, R"([{"op":"replace","path":"/x","value":7}])");
  settle();
  ASSERT_EQ(proc().errors().size(), 1u);
  EXPECT_NE(proc().errors()[0].find("out of order"), std::string::npos);
  EXPECT_EQ(w().x.get(), 7);
  proc().delta(R"([{"op":"replace","path":"/x","value":8}])");  // version 6
  settle();
  EXPECT_EQ(proc().errors().size(), 1u) << "the sequence continues from the late delta";
  EXPECT_EQ(w().x.get(), 8);
}

TEST_F(DeltaTest, FlowAssignmentOfAWorkFieldIsSentAsVersionedDeltas) {
  on_run = [](TestRoot& r) {
    if (r.w.x < 2) r.w.x = r.w.x + 1;
  };
  rerun();
  const auto deltas = proc().deltas();
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0].version(), 1u);
  EXPECT_EQ(deltas[1].version(), 2u);
  EXPECT_EQ(Json::parse(deltas[0].patch_json()),
            Json::parse(R"([{"op":"replace","path":"/x","value":1}])"));
  EXPECT_EQ(Json::parse(deltas[1].patch_json()),
            Json::parse(R"([{"op":"replace","path":"/x","value":2}])"));
}

TEST_F(DeltaTest, SeveralAssignmentsInOneRunAreSentAsOneDelta) {
  bool once = true;
  on_run = [&](TestRoot& r) {
    if (!once) return;
    once = false;
    r.w.x = 1;
    r.w.text = std::string("hi");
    r.w.x = 2;
  };
  rerun();
  const auto deltas = proc().deltas();
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(Json::parse(deltas[0].patch_json()),
            Json::parse(R"([{"op":"replace","path":"/x","value":2},
                            {"op":"replace","path":"/text","value":"hi"}])"));
}

TEST_F(DeltaTest, FlowFieldChangeIsNotSentToTheWork) {
  rerun();  // bumps root.ticks
  EXPECT_TRUE(proc().deltas().empty());
}

TEST_F(ControllerTest, FlowAssignmentBeforeTheWorkConnectsIsCarriedByTheWelcome) {
  root().body = [](TestRoot& r) {
    r.w.call();
    r.w.x = 9;
  };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  EXPECT_EQ(Json::parse(proc.welcome()->state_json()).at("x"), 9);
  EXPECT_TRUE(proc.deltas().empty()) << "the Welcome already has it";
  root_->w.x = 10;  // now connected: sent as a delta with the next run
  settle();
  ASSERT_EQ(proc.deltas().size(), 1u);
  EXPECT_EQ(proc.deltas()[0].version(), 1u);
}

TEST_F(ControllerTest, ObserverSeesEveryChangeInBatchesWithIncreasingVersions) {
  FakeStateObserver observer;
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  controller().add_observer(&observer);
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.delta(R"([{"op":"replace","path":"/x","value":4}])");
  proc.call_started(1);
  settle();
  root_->ticks = 3;
  settle();

  const auto x = observer.at("/works/w/vars/x");
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].value, 4);
  const auto status = observer.at("/works/w/status");
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].value.at("stage"), "running");
  const auto ticks = observer.at("/vars/ticks");
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].value, 3);
  ASSERT_FALSE(observer.batches().empty());
  for (size_t i = 1; i < observer.batches().size(); ++i) {
    EXPECT_EQ(observer.batches()[i].first_version, observer.batches()[i - 1].last_version + 1)
        << "no change is left out";
  }
  EXPECT_EQ(observer.batches().back().last_version, controller().state_version());
}

TEST_F(ControllerTest, StateVersionCountsChangesWithoutObservers) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t v0 = controller().state_version();
  EXPECT_GT(v0, 0u) << "the call's pending status is a change";
  root_->ticks = 1;
  settle();
  EXPECT_EQ(controller().state_version(), v0 + 1);
}

}  // namespace
}  // namespace unit_runtime
