// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Controller::restore_calls (--resume): saved call tables given back to a new
// controller. No processes: the launcher is a fake.
#include <map>
#include <string>

#include "runtime/call_table.hpp"
#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using lightning::runtime::CallPolicy;
using lightning::runtime::CallTable;

class RestoreTest : public ControllerTest {
 protected:
  /// A table as a dead run saved it: {"n":1} succeeded, {"n":2} running.
  Json saved_table() {
    CallTable t(clock_, CallPolicy{}, CallTable::Hooks{[](const auto&, bool) {}, [] {}, [](auto, auto) {}});
    t.call({{"n", 1}}, 1, true);
    t.next_to_dispatch();
    t.mark_dispatched(1);
    t.start_current();
    t.succeed_current();
    t.call({{"n", 2}}, 2, true);
    t.next_to_dispatch();
    t.mark_dispatched(1);
    t.start_current();
    return t.save();
  }

  /// start() with the tables restored between Controller::start() and the loop.
  lightning::Status start_restored(const std::map<std::string, Json>& tables) {
    root();
    controller_ = std::make_unique<Controller>(loop_, options_, std::move(owned_root_), launcher_);
    controller_->start();
    lightning::Status st = controller_->restore_calls(tables);
    settle();
    return st;
  }
};

TEST_F(RestoreTest, ASucceededCallAnswersFromTheCacheAndTheRunningOneIsDispatchedAgain) {
  WorkStatus first, second;
  root().body = [&](TestRoot& r) {
    first = r.w.call({{"n", 1}});
    second = r.w.call({{"n", 2}});
  };
  ASSERT_TRUE(start_restored({{"root.w", saved_table()}}).ok());
  EXPECT_TRUE(first.has_succeeded()) << "a succeeded call is not run again";
  EXPECT_EQ(first.call_id, 1u);
  EXPECT_EQ(second.call_id, 2u) << "the same call, not a new one";
  // Only the call that was running is sent, to a new process.
  ASSERT_EQ(launcher_.launches().size(), 1u);
  FakeWorkProcess proc(controller());
  connect(proc);
  settle();
  ASSERT_EQ(proc.calls().size(), 1u);
  EXPECT_EQ(Json::parse(proc.calls()[0].args_json()), (Json{{"n", 2}}));
  EXPECT_EQ(proc.calls()[0].call_id(), 2u);
  proc.call_started(2);
  proc.call_finished_ok(2);
  settle();
  rerun();
  EXPECT_TRUE(second.has_succeeded());
  EXPECT_EQ(proc.calls().size(), 1u);
}

TEST_F(RestoreTest, ARestoredRunningCallShowsPending) {
  ASSERT_TRUE(start_restored({{"root.w", saved_table()}}).ok());
  EXPECT_EQ(w().status().call_id, 2u);
  EXPECT_NE(w().status().stage, WorkStage::kRunning);
}

TEST_F(RestoreTest, AWorkTheAppDoesNotHaveIsRefusedByName) {
  const lightning::Status st = start_restored({{"root.gone", saved_table()}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), lightning::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("work 'root.gone', which this app does not have"), std::string::npos)
      << st.message();
}

TEST_F(RestoreTest, AMalformedTableIsRefusedNamingTheWork) {
  const lightning::Status st = start_restored({{"root.w", Json{{"calls", 3}}}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot restore the calls of work 'root.w'"), std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace unit_runtime
