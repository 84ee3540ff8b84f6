// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The journal attached to a real Controller (as AppHost attaches it), with a
// fake launcher and fake work processes: what load() gives back is the
// controller's own state, version and call statuses.
#include <memory>

#include "core/snapshot.hpp"
#include "journal/journal.hpp"
#include "journal/load.hpp"
#include "journal/sqlite_journal_store.hpp"
#include "unit/runtime/controller_fixture.hpp"

namespace unit_journal {
namespace {

using lightning::journal::Journal;
using lightning::journal::JournalMeta;
using lightning::journal::load;
using lightning::journal::SqliteJournalStore;
using unit_runtime::ControllerTest;
using unit_runtime::FakeWorkProcess;
using unit_runtime::Json;
using unit_runtime::TestRoot;
using unit_runtime::WorkStage;

class JournalControllerTest : public ControllerTest {
 protected:
  ~JournalControllerTest() override {
    if (journal_) {
      controller_->publisher().remove_observer(journal_.get());
      controller_->remove_event_observer(journal_.get());
      journal_.reset();
    }
  }

  std::string path() const { return run_dir_ + "/journal.sqlite"; }

  /// start(), with the journal attached first, as AppHost does.
  void start_journaled() {
    root();
    controller_ = std::make_unique<unit_runtime::Controller>(loop_, options_,
                                                             std::move(owned_root_), launcher_);
    journal_ = std::make_unique<Journal>(std::make_unique<SqliteJournalStore>(path()), clock_);
    JournalMeta meta;
    meta.run_id = controller_->run_id();
    journal_->start(meta, controller_->root().snapshot(), controller_->state_version());
    controller_->add_observer(journal_.get());
    controller_->add_event_observer(journal_.get());
    controller_->start();
    settle();
  }

  /// load() of the journal equals the controller's state and version now.
  void expect_journal_matches_controller() {
    journal_->flush();
    const auto r = load(path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->version, controller().state_version());
    EXPECT_EQ(r->state, controller().root().snapshot()) << "journal:\n"
                                                        << r->state.dump(1) << "\ncontroller:\n"
                                                        << controller().root().snapshot().dump(1);
    EXPECT_EQ(r->meta.run_id, controller().run_id());
  }

  std::unique_ptr<Journal> journal_;
};

TEST_F(JournalControllerTest, StateVersionAndCallsMatchTheControllerThroughACallsLife) {
  root().body = [](TestRoot& r) {
    const auto st = r.w.call({{"n", r.ticks.get()}});
    if (st.has_succeeded() && r.ticks.get() < 3) r.ticks = r.ticks + 1;
  };
  start_journaled();
  expect_journal_matches_controller();  // a pending call, the work not yet started

  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(1);
  proc.delta(R"([{"op":"replace","path":"/x","value":5}])");
  settle();
  expect_journal_matches_controller();  // running, with the work's change

  proc.call_finished_ok(1);  // the flow moves on to {"n": 1}, then fails it
  settle();
  proc.call_started(2);
  settle();
  proc.call_failed(2, "std::runtime_error", "boom");
  settle();
  expect_journal_matches_controller();

  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->call_tables.count("root.w"), 1u);
  const Json& table = r->call_tables.at("root.w");
  const Json& calls = table.at("calls");
  ASSERT_EQ(calls.size(), 2u) << table.dump(1);
  EXPECT_EQ(calls[0]["key"], R"({"n":0})");
  EXPECT_EQ(calls[0]["status"]["stage"], "succeeded");
  EXPECT_EQ(calls[1]["key"], R"({"n":1})");
  EXPECT_EQ(calls[1]["status"]["stage"], "failed");
  EXPECT_EQ(calls[1]["status"]["message"], w().status().message);
  EXPECT_EQ(table["latest"], w().status().call_id);
  EXPECT_EQ(w().status().stage, WorkStage::kFailed);
}

TEST_F(JournalControllerTest, AnExternalPatchAndAFlowSideChangeAreJournaledLikeAnyOther) {
  start_journaled();
  bool applied = false;
  controller().post_apply_patch(
      Json::parse(R"([{"op":"replace","path":"/vars/ticks","value":41}])"), std::nullopt,
      [&](lightning::Result<uint64_t> v) { applied = v.ok(); });
  settle();
  ASSERT_TRUE(applied);
  root().w.x = 9;  // a flow-side assignment to a work's field, outside a run
  settle();
  expect_journal_matches_controller();
  const auto r = load(path());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state["vars"]["ticks"], 41);
  EXPECT_EQ(r->state["works"]["w"]["vars"]["x"], 9);
}

TEST_F(JournalControllerTest, WorksMadeInsideRunAreJournaledWithTypeAndOptionsInTheOrderMade) {
  root().body = [](TestRoot& r) {
    for (const char* name : {"zeta", "alpha"}) {
      r.add_work<unit_runtime::EchoWork>(name, lightning::WorkOptions().retries(2));
    }
  };
  start_journaled();
  journal_->flush();
  const auto r = load(path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->works.size(), 3u);
  EXPECT_EQ(r->works[0].path, "root.w");  // the member, at start
  EXPECT_EQ(r->works[1].path, "root.zeta");
  EXPECT_EQ(r->works[2].path, "root.alpha");
  EXPECT_EQ(r->works[2].type, w().type_name());
  EXPECT_EQ(r->works[2].options.retries(), 2);

  // What --resume does with it: a fresh tree gets them back, in that order.
  TestRoot fresh{lightning::WorkOptions()};
  const lightning::Status st = lightning::detail::load_snapshot(fresh, r->state, r->works);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(fresh.works().size(), 3u);
  EXPECT_EQ(fresh.works()[1]->name(), "zeta");
  EXPECT_EQ(fresh.works()[2]->name(), "alpha");
  EXPECT_EQ(fresh.works()[2]->options().retries(), 2);
  EXPECT_EQ(fresh.snapshot(), controller().root().snapshot());
}

}  // namespace
}  // namespace unit_journal
