// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The controller's posted API, as the HTTP API will use it from its own
// threads: external patches against a version, stop, snapshot, subscribe.
#include <chrono>
#include <future>
#include <thread>

#include "fakes/fake_state_observer.hpp"
#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using lightning::Result;
using lightning::Status;
using lightning::StatusCode;
using lightning::runtime::StateSnapshot;
using lightning::testing::FakeStateObserver;

class ApiTest : public ControllerTest {
 protected:
  /// Posts a patch and runs the loop until it is answered.
  Result<uint64_t> apply(const char* patch, std::optional<uint64_t> base) {
    std::optional<Result<uint64_t>> answer;
    controller().post_apply_patch(Json::parse(patch), base,
                                  [&](Result<uint64_t> r) { answer = std::move(r); });
    settle();
    if (!answer) return lightning::Internal("the patch was never answered");
    return std::move(*answer);
  }
};

TEST_F(ApiTest, PatchAtTheCurrentVersionChangesTheFieldRunsTheFlowAndAnswersTheNewVersion) {
  start();
  const uint64_t v = controller().state_version();
  const int runs = root_->runs;
  auto r = apply(R"([{"op":"replace","path":"/vars/ticks","value":41}])", v);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(*r, v);
  EXPECT_EQ(root_->ticks.get(), 41);
  EXPECT_GT(root_->runs, runs) << "an external change runs the flow";
}

TEST_F(ApiTest, PatchAgainstAnOlderVersionIsRejectedAndChangesNothing) {
  start();
  const uint64_t v = controller().state_version();
  root_->ticks = 1;  // the state moves on
  settle();
  auto r = apply(R"([{"op":"replace","path":"/vars/ticks","value":41}])", v);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("snapshot"), std::string::npos) << r.status().message();
  EXPECT_EQ(root_->ticks.get(), 1);
  EXPECT_TRUE(apply(R"([{"op":"replace","path":"/vars/ticks","value":41}])", std::nullopt).ok())
      << "without a version the patch applies to whatever is there";
  EXPECT_EQ(root_->ticks.get(), 41);
}

TEST_F(ApiTest, PatchOfAWorkFieldIsSentToItsProcess) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  ASSERT_TRUE(apply(R"([{"op":"replace","path":"/works/w/vars/text","value":"hi"}])", {}).ok());
  EXPECT_EQ(w().text.get(), "hi");
  ASSERT_EQ(proc.deltas().size(), 1u);
  EXPECT_EQ(Json::parse(proc.deltas()[0].patch_json()),
            Json::parse(R"([{"op":"replace","path":"/text","value":"hi"}])"));
}

TEST_F(ApiTest, PatchThatFailsInOneComponentChangesNoComponent) {
  start();
  auto r = apply(R"([{"op":"replace","path":"/vars/ticks","value":5},
                     {"op":"replace","path":"/works/w/vars/x","value":"not an int"}])",
                 std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(root_->ticks.get(), 0);
  EXPECT_EQ(w().x.get(), 0);
}

TEST_F(ApiTest, PatchOutsideStateFieldsIsRejectedWithWhereItPointed) {
  start();
  auto status = apply(R"([{"op":"replace","path":"/works/w/status","value":{}}])", std::nullopt);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.status().code(), StatusCode::kInvalidArgument);
  auto unknown = apply(R"([{"op":"replace","path":"/works/nope/vars/x","value":1}])", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("nope"), std::string::npos);
}

TEST_F(ApiTest, SnapshotComesWithTheVersionItIsAt) {
  start();
  root_->ticks = 3;
  settle();
  std::optional<Result<StateSnapshot>> answer;
  controller().post_snapshot([&](Result<StateSnapshot> r) { answer = std::move(r); });
  settle();
  ASSERT_TRUE(answer && answer->ok());
  EXPECT_EQ((*answer)->state.at("vars").at("ticks"), 3);
  EXPECT_EQ((*answer)->version, controller().state_version());
}

TEST_F(ApiTest, SnapshotAskedFromAnotherThreadAfterTheAppFinishedIsAnsweredUnavailableAtOnce) {
  start();
  controller().post_stop("done");
  settle();
  ASSERT_TRUE(controller().finished());
  // Nobody runs the loop any more: the answer must not depend on it.
  std::promise<Result<StateSnapshot>> answered;
  std::thread caller([&] {
    controller().post_snapshot([&](Result<StateSnapshot> r) { answered.set_value(std::move(r)); });
  });
  auto answer = answered.get_future();
  const bool ready = answer.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  caller.join();
  ASSERT_TRUE(ready) << "a caller waiting on a finished app would wait for ever";
  const Result<StateSnapshot> r = answer.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(ApiTest, SnapshotQueuedWhenTheAppFinishesIsAnsweredUnavailable) {
  start();
  std::optional<Result<StateSnapshot>> answer;
  controller().post_stop("done");
  // Queued behind the shutdown the stop posts: still in the queue when the loop stops.
  loop_.post("Test.AskSnapshot", [&] {
    controller().post_snapshot([&](Result<StateSnapshot> r) { answer = std::move(r); });
  });
  if (io_.stopped()) io_.restart();
  while (!controller().finished() && io_.poll_one() > 0) {
  }
  ASSERT_TRUE(controller().finished());
  ASSERT_FALSE(answer) << "the snapshot was queued behind the shutdown";
  settle();  // whoever runs the loop next gets it answered
  ASSERT_TRUE(answer);
  ASSERT_FALSE(answer->ok());
  EXPECT_EQ(answer->status().code(), StatusCode::kUnavailable);
}

TEST_F(ApiTest, SubscriberGetsEveryChangeAfterItsSnapshotUntilItUnsubscribes) {
  start();
  FakeStateObserver observer;
  uint64_t from = 0;
  controller().post_subscribe(&observer, [&](Result<StateSnapshot> r) {
    ASSERT_TRUE(r.ok());
    from = r->version;
  });
  settle();
  root_->ticks = 9;
  settle();
  ASSERT_EQ(observer.at("/vars/ticks").size(), 1u);
  EXPECT_EQ(observer.at("/vars/ticks")[0].version, from + 1);
  bool removed = false;
  controller().post_unsubscribe(&observer, [&](Status st) { removed = st.ok(); });
  settle();
  ASSERT_TRUE(removed);
  root_->ticks = 10;
  settle();
  EXPECT_EQ(observer.at("/vars/ticks").size(), 1u);
}

TEST_F(ApiTest, PatchIsPublishedAsOneBatch) {
  start();
  FakeStateObserver observer;
  controller().add_observer(&observer);
  const uint64_t v = controller().state_version();
  ASSERT_TRUE(apply(R"([{"op":"replace","path":"/vars/ticks","value":1},
                        {"op":"replace","path":"/works/w/vars/x","value":2}])",
                    v)
                  .ok());
  ASSERT_GE(observer.batches().size(), 1u);
  const auto& batch = observer.batches()[0];
  EXPECT_EQ(batch.first_version, v + 1);
  EXPECT_EQ(batch.last_version, v + 2);
  EXPECT_EQ(batch.patch.size(), 2u);
}

TEST_F(ApiTest, StopPostedFromAnotherThreadEndsTheApp) {
  start();
  std::thread other([&] { controller().post_stop("stopped over HTTP"); });
  other.join();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(controller().exit_code(), 0);
  EXPECT_EQ(controller().final_message(), "stopped over HTTP");
}

TEST_F(ApiTest, PatchPostedFromAnotherThreadIsAppliedOnTheLoopThread) {
  start();
  const uint64_t v = controller().state_version();
  std::atomic<bool> answered{false};
  std::thread::id answered_on;
  std::thread other([&] {
    controller().post_apply_patch(
        Json::parse(R"([{"op":"replace","path":"/vars/ticks","value":7}])"), v,
        [&](Result<uint64_t> r) {
          EXPECT_TRUE(r.ok());
          answered_on = std::this_thread::get_id();
          answered = true;
        });
  });
  other.join();
  ASSERT_TRUE(pump_until([&] { return answered.load(); }));
  EXPECT_EQ(answered_on, std::this_thread::get_id());
  EXPECT_EQ(root_->ticks.get(), 7);
}

}  // namespace
}  // namespace unit_runtime
