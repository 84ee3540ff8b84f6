// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// StatePublisher: versions, pointers into Flow::snapshot(), one batch per
// bracketed change set, observers, and the bounded history readers replay.
#include "runtime/state_publisher.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/runtime.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"

namespace unit_runtime {
namespace {

using lightning::Json;
using lightning::State;
using lightning::runtime::StateBatch;
using lightning::runtime::StateHistoryLimits;
using lightning::runtime::StatePublisher;

struct PubWork : lightning::Work {
  State<int> n{this, "n", 0};
  void run(const Json&) override {}
};

struct PubSubFlow : lightning::Flow {
  State<std::string> label{this, "label", ""};
  PubWork& v = add_work<PubWork>("v");
  void run() override {}
};

struct PubFlow : lightning::Flow {
  State<int> x{this, "x", 0};
  State<std::vector<int>> list{this, "list", {}};
  PubWork& w = add_work<PubWork>("w");
  PubSubFlow& sub = add_flow<PubSubFlow>("sub");
  void run() override {}
  /// A work created while the app runs (as inside run()).
  PubWork& add_late() { return add_work<PubWork>("late"); }
};

/// The controller's part, reduced to what the publisher needs: every change
/// a component reports goes to the publisher.
class PublishingRuntime final : public lightning::detail::Runtime {
 public:
  explicit PublishingRuntime(StatePublisher& publisher) : publisher_(publisher) {}
  void attach(lightning::Component& root) { attach_tree(root, this); }
  void on_field_changed(lightning::Component& owner, const lightning::StateFieldBase& field,
                        Json value) override {
    publisher_.field_changed(owner, field, value);
  }
  void on_work_added(lightning::Work& work) override { publisher_.work_added(work); }
  void set_work_status(lightning::Work& work, lightning::WorkStatus status) {
    set_status(work, std::move(status));
    publisher_.status_changed(work);
  }

 private:
  StatePublisher& publisher_;
};

class RecordingObserver final : public lightning::runtime::StateObserver {
 public:
  void on_state_batch(const StateBatch& batch) override { batches.push_back(batch); }
  std::vector<StateBatch> batches;
};

class StatePublisherTest : public ::testing::Test {
 protected:
  void SetUp() override { runtime_.attach(flow_); }

  PubFlow flow_;
  StatePublisher publisher_;
  PublishingRuntime runtime_{publisher_};
  RecordingObserver observer_;
};

Json ops(const char* text) { return Json::parse(text); }

// ---------------------------------------------------------------- versions and pointers

TEST_F(StatePublisherTest, EveryChangeAddsOneToTheVersionEvenWithNoReader) {
  EXPECT_FALSE(publisher_.is_active());
  flow_.x = 1;
  flow_.w.n = 2;
  {
    auto batch = publisher_.batch();
    flow_.x = 3;
    flow_.x = 4;
  }
  runtime_.set_work_status(flow_.w, lightning::WorkStatus{});
  EXPECT_EQ(publisher_.version(), 5u);
  EXPECT_EQ(publisher_.history_batches(), 0u);
}

TEST_F(StatePublisherTest, PointersFollowTheSnapshotLayout) {
  EXPECT_EQ(StatePublisher::pointer_of(flow_).to_string(), "");
  EXPECT_EQ(StatePublisher::pointer_of(flow_.w).to_string(), "/works/w");
  EXPECT_EQ(StatePublisher::pointer_of(flow_.sub).to_string(), "/flows/sub");
  EXPECT_EQ(StatePublisher::pointer_of(flow_.sub.v).to_string(), "/flows/sub/works/v");
  EXPECT_EQ(StatePublisher::field_pointer(flow_, "x").to_string(), "/vars/x");
  EXPECT_EQ(StatePublisher::field_pointer(flow_.sub.v, "n").to_string(),
            "/flows/sub/works/v/vars/n");
  EXPECT_EQ(StatePublisher::status_pointer(flow_.sub.v).to_string(), "/flows/sub/works/v/status");

  // Each one addresses the right value in the snapshot.
  const Json snap = flow_.snapshot();
  flow_.sub.v.n = 41;
  const Json after = flow_.snapshot();
  EXPECT_EQ(after.at(StatePublisher::field_pointer(flow_.sub.v, "n")), 41);
  EXPECT_EQ(snap.at(StatePublisher::status_pointer(flow_.w)), flow_.w.status().to_json());
  EXPECT_EQ(after.at(StatePublisher::pointer_of(flow_.sub)), flow_.sub.snapshot());
}

TEST_F(StatePublisherTest, NamesWithTildeOrSlashAreEscapedInPointers) {
  // Names are validated to [A-Za-z0-9_], but pointers stay correct whatever.
  EXPECT_EQ(StatePublisher::field_pointer(flow_, "a/b~c").to_string(), "/vars/a~1b~0c");
  publisher_.add_observer(&observer_);
  publisher_.record(Json::json_pointer() / "works" / "we~ird/name" / "vars" / "f", 1);
  ASSERT_EQ(observer_.batches.size(), 1u);
  EXPECT_EQ(observer_.batches[0].patch[0]["path"], "/works/we~0ird~1name/vars/f");
  Json doc{{"works", {{"we~ird/name", {{"vars", {{"f", 0}}}}}}}};
  doc.patch_inplace(observer_.batches[0].patch);
  EXPECT_EQ(doc["works"]["we~ird/name"]["vars"]["f"], 1);
}

// ---------------------------------------------------------------- batches

TEST_F(StatePublisherTest, ABatchIsDeliveredOnceAtItsEndWithItsVersionsAndCoalescedOps) {
  publisher_.add_observer(&observer_);
  flow_.x = 1;  // version 1, a batch of its own
  {
    auto batch = publisher_.batch();
    flow_.x = 2;
    flow_.w.n = 5;
    flow_.x = 3;
    EXPECT_EQ(observer_.batches.size(), 1u) << "nothing is delivered before the batch ends";
  }
  ASSERT_EQ(observer_.batches.size(), 2u);
  const StateBatch& b = observer_.batches[1];
  EXPECT_EQ(b.first_version, 2u);
  EXPECT_EQ(b.last_version, 4u);
  EXPECT_EQ(publisher_.version(), 4u);
  EXPECT_EQ(b.patch, ops(R"([{"op":"replace","path":"/vars/x","value":3},
                             {"op":"replace","path":"/works/w/vars/n","value":5}])"));
}

TEST_F(StatePublisherTest, AChangeOutsideABatchIsABatchOfItsOwnDeliveredAtOnce) {
  publisher_.add_observer(&observer_);
  flow_.w.n = 7;
  ASSERT_EQ(observer_.batches.size(), 1u);
  EXPECT_EQ(observer_.batches[0].first_version, 1u);
  EXPECT_EQ(observer_.batches[0].last_version, 1u);
  flow_.w.n = 8;
  ASSERT_EQ(observer_.batches.size(), 2u);
  EXPECT_EQ(observer_.batches[1].first_version, 2u);
}

TEST_F(StatePublisherTest, NestedBatchesArePublishedOnceAtTheOutermostEnd) {
  publisher_.add_observer(&observer_);
  publisher_.begin_batch();
  flow_.x = 1;
  {
    auto inner = publisher_.batch();
    flow_.x = 2;
    flow_.w.n = 1;
  }
  EXPECT_TRUE(observer_.batches.empty());
  EXPECT_TRUE(publisher_.in_batch());
  publisher_.end_batch();
  EXPECT_FALSE(publisher_.in_batch());
  ASSERT_EQ(observer_.batches.size(), 1u);
  EXPECT_EQ(observer_.batches[0].first_version, 1u);
  EXPECT_EQ(observer_.batches[0].last_version, 3u);
  EXPECT_EQ(observer_.batches[0].patch.size(), 2u);
}

TEST_F(StatePublisherTest, ABatchWithNoChangePublishesNothing) {
  publisher_.add_observer(&observer_);
  { auto batch = publisher_.batch(); }
  flow_.x = 0;  // equal value: not a change
  { auto batch = publisher_.batch(); }
  EXPECT_TRUE(observer_.batches.empty());
  EXPECT_EQ(publisher_.version(), 0u);
}

TEST_F(StatePublisherTest, EveryObserverGetsEveryBatchInVersionOrder) {
  RecordingObserver second;
  publisher_.add_observer(&observer_);
  publisher_.add_observer(&second);
  for (int i = 1; i <= 5; ++i) {
    auto batch = publisher_.batch();
    flow_.x = i;
    flow_.w.n = i;
  }
  ASSERT_EQ(observer_.batches.size(), 5u);
  ASSERT_EQ(second.batches.size(), 5u);
  uint64_t last = 0;
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(observer_.batches[i].first_version, last + 1);
    last = observer_.batches[i].last_version;
    EXPECT_EQ(second.batches[i].last_version, last);
    EXPECT_EQ(second.batches[i].patch, observer_.batches[i].patch);
  }
  EXPECT_EQ(last, 10u);

  publisher_.remove_observer(&second);
  flow_.x = 100;
  EXPECT_EQ(observer_.batches.size(), 6u);
  EXPECT_EQ(second.batches.size(), 5u);
}

TEST_F(StatePublisherTest, EachBatchPatchTakesTheSnapshotBeforeItToTheSnapshotAfterIt) {
  publisher_.add_observer(&observer_);
  Json before = flow_.snapshot();
  {
    auto batch = publisher_.batch();
    flow_.x = 1;
    flow_.list = {1, 2};
    flow_.sub.label = "s";
    flow_.list.update([](std::vector<int>& l) { l.push_back(3); });
    lightning::WorkStatus st;
    st.stage = lightning::WorkStage::kRunning;
    st.call_id = 1;
    st.attempt = 1;
    runtime_.set_work_status(flow_.w, st);
    PubWork& late = flow_.add_late();  // an add of the whole work
    late.n = 9;                        // then a change inside it
  }
  ASSERT_EQ(observer_.batches.size(), 1u);
  EXPECT_EQ(observer_.batches[0].patch[4]["op"], "add");
  EXPECT_EQ(observer_.batches[0].patch[4]["path"], "/works/late");
  before.patch_inplace(observer_.batches[0].patch);
  EXPECT_EQ(before, flow_.snapshot());
}

// ---------------------------------------------------------------- history

class StateHistoryTest : public StatePublisherTest {
 protected:
  // One batch per call: versions 2k-1 and 2k.
  void change_twice(int value) {
    auto batch = publisher_.batch();
    flow_.x = value;
    flow_.w.n = value;
  }
};

TEST_F(StateHistoryTest, IsOffByDefaultSoOnlyTheCurrentVersionResumes) {
  change_twice(1);
  EXPECT_TRUE(publisher_.since(2).ok());
  EXPECT_TRUE(publisher_.since(2)->empty());
  auto r = publisher_.since(0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lightning::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("take a snapshot"), std::string::npos);
}

TEST_F(StateHistoryTest, ReplaysTheBatchesAfterAVersion) {
  publisher_.set_history_limits(StateHistoryLimits{10, 0});
  for (int i = 1; i <= 3; ++i) change_twice(i);  // batches 1..2, 3..4, 5..6
  auto all = publisher_.since(0);
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0]->first_version, 1u);
  EXPECT_EQ((*all)[2]->last_version, 6u);

  auto tail = publisher_.since(4);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0]->first_version, 5u);
  EXPECT_EQ((*tail)[0]->patch, ops(R"([{"op":"replace","path":"/vars/x","value":3},
                                       {"op":"replace","path":"/works/w/vars/n","value":3}])"));
  EXPECT_TRUE(publisher_.since(6)->empty());
}

TEST_F(StateHistoryTest, AVersionInsideABatchReplaysThatWholeBatch) {
  publisher_.set_history_limits(StateHistoryLimits{10, 0});
  change_twice(1);
  change_twice(2);
  auto r = publisher_.since(3);  // within batch 3..4
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0]->first_version, 3u);
}

TEST_F(StateHistoryTest, AReaderThatReplaysFromItsSnapshotVersionReachesTheCurrentState) {
  publisher_.set_history_limits(StateHistoryLimits{100, 0});
  change_twice(1);
  Json reader = flow_.snapshot();
  const uint64_t seen = publisher_.version();
  change_twice(2);
  {
    auto batch = publisher_.batch();
    flow_.sub.label = "later";
    flow_.add_late().n = 3;
  }
  flow_.x = 10;
  auto r = publisher_.since(seen);
  ASSERT_TRUE(r.ok());
  for (const auto& b : *r) reader.patch_inplace(b->patch);
  EXPECT_EQ(reader, flow_.snapshot());
}

TEST_F(StateHistoryTest, KeepsAtMostMaxBatchesAndTooOldVersionsAskForASnapshot) {
  publisher_.set_history_limits(StateHistoryLimits{2, 0});
  for (int i = 1; i <= 4; ++i) change_twice(i);  // batches end at 2, 4, 6, 8
  EXPECT_EQ(publisher_.history_batches(), 2u);
  EXPECT_EQ(publisher_.oldest_replayable_version(), 4u);

  auto ok = publisher_.since(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 2u);

  for (uint64_t v : {0u, 2u, 3u}) {
    auto r = publisher_.since(v);
    ASSERT_FALSE(r.ok()) << "version " << v;
    EXPECT_EQ(r.status().code(), lightning::StatusCode::kNotFound);
    EXPECT_NE(r.status().message().find("oldest replayable version 4"), std::string::npos)
        << r.status().message();
  }
}

TEST_F(StateHistoryTest, AVersionNewerThanTheAppsIsRefused) {
  publisher_.set_history_limits(StateHistoryLimits{2, 0});
  change_twice(1);
  auto r = publisher_.since(3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lightning::StatusCode::kInvalidArgument);
}

TEST_F(StateHistoryTest, TheByteCapDropsOldBatchesButKeepsTheNewest) {
  publisher_.set_history_limits(StateHistoryLimits{100, 200});
  for (int i = 1; i <= 10; ++i) change_twice(i);
  EXPECT_LE(publisher_.history_bytes(), 200u);
  EXPECT_LT(publisher_.history_batches(), 10u);
  EXPECT_GE(publisher_.history_batches(), 1u);
  auto kept = publisher_.since(publisher_.oldest_replayable_version());
  ASSERT_TRUE(kept.ok());
  size_t bytes = 0;
  for (const auto& b : *kept) {
    EXPECT_EQ(b->bytes, lightning::Json(b->patch).dump().size());
    bytes += b->bytes;
  }
  EXPECT_EQ(bytes, publisher_.history_bytes());

  // One batch bigger than the cap on its own: it stays, alone.
  {
    auto batch = publisher_.batch();
    flow_.list = std::vector<int>(200, 7);
  }
  EXPECT_EQ(publisher_.history_batches(), 1u);
  EXPECT_GT(publisher_.history_bytes(), 200u);
  auto last = publisher_.since(publisher_.version() - 1);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->size(), 1u);
}

TEST_F(StateHistoryTest, HistoryTurnedOnLaterStartsAtTheCurrentVersion) {
  change_twice(1);
  publisher_.set_history_limits(StateHistoryLimits{10, 0});
  EXPECT_TRUE(publisher_.is_active());
  EXPECT_EQ(publisher_.oldest_replayable_version(), 2u);
  change_twice(2);
  EXPECT_TRUE(publisher_.since(2).ok());
  EXPECT_FALSE(publisher_.since(1).ok());
  // And turned off again: nothing is kept.
  publisher_.set_history_limits(StateHistoryLimits{});
  EXPECT_EQ(publisher_.history_batches(), 0u);
  EXPECT_FALSE(publisher_.since(2).ok());
}

TEST_F(StateHistoryTest, RestoringTheVersionClearsTheHistory) {
  publisher_.set_history_limits(StateHistoryLimits{10, 0});
  change_twice(1);
  publisher_.restore_version(40);
  EXPECT_EQ(publisher_.version(), 40u);
  EXPECT_EQ(publisher_.history_batches(), 0u);
  EXPECT_FALSE(publisher_.since(2).ok());
  change_twice(2);
  auto r = publisher_.since(40);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0]->first_version, 41u);
}

TEST_F(StateHistoryTest, BatchesFromTheHistoryOutliveTheirEviction) {
  publisher_.set_history_limits(StateHistoryLimits{1, 0});
  change_twice(1);
  auto held = publisher_.since(0);
  ASSERT_TRUE(held.ok());
  change_twice(2);  // evicts the first batch
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0]->last_version, 2u);
  EXPECT_EQ((*held)[0]->patch[0]["value"], 1);
}

}  // namespace
}  // namespace unit_runtime
