// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The controller's side of a stalled app (it feeds a ProgressWatch) and of
// stop()/fail() ending Flow::run(), on a FakeClock and a FakeWorkLauncher.
#include <string>

#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using ProgressTest = ControllerTest;

TEST_F(ProgressTest, StalledAppFailsAfterItsIdleTimeout) {
  options_.idle_timeout = 2s;
  root().body = [](TestRoot&) {};  // runs once, then nothing can run it again
  start();
  EXPECT_FALSE(pump_until([&] { return controller().finished(); }, 1500ms)) << "not before 2 s";
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }, 2s));
  EXPECT_EQ(controller().exit_code(), 1);
  EXPECT_NE(controller().final_message().find("no progress for 2 s (--idle-timeout)"),
            std::string::npos)
      << controller().final_message();
}

TEST_F(ProgressTest, AppWaitingForAWorkProcessOrAWakeUpIsNotStalled) {
  options_.idle_timeout = 1s;
  root().body = [](TestRoot& r) {
    r.w.call(Json{{"n", 1}});  // its process never says Hello within this test
    r.schedule_in(std::chrono::hours(1));
  };
  start();
  EXPECT_FALSE(pump_until([&] { return controller().finished(); }, 10s));
}

TEST_F(ProgressTest, SubscribedApiClientCountsAsPossibleInput) {
  options_.idle_timeout = 1s;
  start();
  struct Quiet : lightning::runtime::StateObserver {
    void on_state_batch(const lightning::runtime::StateBatch&) override {}
  } quiet;
  lightning::runtime::StateObserver* observer = &quiet;
  bool subscribed = false;
  controller().post_subscribe(observer, [&](auto) { subscribed = true; });
  settle();
  ASSERT_TRUE(subscribed);
  EXPECT_FALSE(pump_until([&] { return controller().finished(); }, 5s));
  controller().post_unsubscribe(observer, [](auto) {});
  EXPECT_TRUE(pump_until([&] { return controller().finished(); }, 5s))
      << "with no client left, the stall counts again";
}

TEST_F(ProgressTest, RegisteredInputSourceCountsAsPossibleInputUntilRemoved) {
  // What the HTTP API of a steerable app registers (http_api_service.cpp).
  options_.idle_timeout = 1s;
  start();
  const int source = 0;
  controller().add_input_source(&source);
  controller().add_input_source(&source);  // counts once
  EXPECT_FALSE(pump_until([&] { return controller().finished(); }, 5s));
  controller().remove_input_source(&source);
  EXPECT_TRUE(pump_until([&] { return controller().finished(); }, 5s))
      << "with the source gone, the stall counts again";
}

TEST_F(ProgressTest, StopEndsTheRunSoCodeAfterItDoesNotRun) {
  root().body = [](TestRoot& r) {
    r.stop("done");
    r.ticks = 5;
  };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(root_->ticks.get(), 0);
  EXPECT_EQ(controller().exit_code(), 0);
}

TEST_F(ProgressTest, FailEndsTheRunSoCodeAfterItDoesNotRun) {
  root().body = [](TestRoot& r) {
    r.fail("broken");
    r.ticks = 5;
  };
  start();
  ASSERT_TRUE(pump_until([&] { return controller().finished(); }));
  EXPECT_EQ(root_->ticks.get(), 0);
  EXPECT_EQ(controller().exit_code(), 1);
  EXPECT_EQ(controller().final_message(), "broken");
}

}  // namespace
}  // namespace unit_runtime
