// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// CallTable on its own: call semantics with a fake clock and no controller,
// no process and no loop.
#include "runtime/call_table.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "fakes/fake_clock.hpp"

namespace lightning::runtime {
namespace {

using namespace std::chrono_literals;
using lightning::testing::FakeClock;

struct StatusEvent {
  uint64_t call_id;
  WorkStage stage;
  std::string reason;
  bool is_latest;
};

class CallTableTest : public ::testing::Test {
 protected:
  CallTable& table(CallPolicy policy = {}) {
    if (!table_) {
      table_ = std::make_unique<CallTable>(
          clock_, policy,
          CallTable::Hooks{
              [this](const CallRecord& c, bool latest) {
                events_.push_back({c.id, c.status.stage, c.status.reason, latest});
              },
              [this] { ++retries_due_; },
              [this](uint64_t id, std::chrono::milliseconds) { timed_out_.push_back(id); }});
    }
    return *table_;
  }

  /// Dispatches the next call to process 1 and reports it started.
  const CallRecord* dispatch_and_start() {
    CallRecord* c = table_->next_to_dispatch();
    if (c == nullptr) return nullptr;
    table_->mark_dispatched(1);
    table_->start_current();
    return c;
  }

  FakeClock clock_;
  std::unique_ptr<CallTable> table_;
  std::vector<StatusEvent> events_;
  int retries_due_ = 0;
  std::vector<uint64_t> timed_out_;
};

TEST_F(CallTableTest, NewCallIsQueuedAsPendingAndBecomesTheLatest) {
  auto seen = table().call(Json{{"n", 1}}, 1, true);
  ASSERT_NE(seen.call, nullptr);
  EXPECT_TRUE(seen.is_new);
  EXPECT_EQ(seen.call->id, 1u);
  EXPECT_EQ(seen.call->status.stage, WorkStage::kPending);
  EXPECT_EQ(seen.call->status.attempt, 1);
  EXPECT_EQ(table().latest(), seen.call);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_TRUE(events_[0].is_latest);
  EXPECT_EQ(table().next_to_dispatch(), seen.call);
}

TEST_F(CallTableTest, SameArgsAreTheSameCallDifferentArgsAreQueuedInOrder) {
  auto a = table().call(Json{{"n", 1}}, 1, true);
  auto again = table().call(Json{{"n", 1}}, 1, true);
  auto b = table().call(Json{{"n", 2}}, 1, true);
  EXPECT_EQ(again.call, a.call);
  EXPECT_FALSE(again.is_new);
  EXPECT_NE(b.call, a.call);
  EXPECT_EQ(b.call->id, 2u);
  EXPECT_EQ(table().next_to_dispatch(), a.call);
  table().mark_dispatched(1);
  EXPECT_EQ(table().next_to_dispatch(), nullptr) << "one call at a time";
  table().succeed_current();
  EXPECT_EQ(table().next_to_dispatch(), b.call);
}

TEST_F(CallTableTest, NoNewCallIsMadeWhenNewCallsAreNotAccepted) {
  auto seen = table().call(Json{{"n", 1}}, 1, false);
  EXPECT_EQ(seen.call, nullptr);
  EXPECT_EQ(table().next_to_dispatch(), nullptr);
  EXPECT_TRUE(events_.empty());
}

TEST_F(CallTableTest, CachedSuccessIsReturnedInLaterRuns) {
  auto first = table().call({}, 1, true);
  dispatch_and_start();
  table().succeed_current();
  auto later = table().call({}, 5, true);
  EXPECT_EQ(later.call, first.call);
  EXPECT_TRUE(later.call->status.has_succeeded());
  EXPECT_FALSE(later.is_new);
}

TEST_F(CallTableTest, UncachedSuccessIsSeenOnceThenRunAgain) {
  CallPolicy p;
  p.cache_calls = false;
  table(p).call({}, 1, true);
  dispatch_and_start();
  table().succeed_current();
  auto seen = table().call({}, 2, true);
  EXPECT_TRUE(seen.call->status.has_succeeded()) << "the run that first sees it done gets it";
  auto same_run = table().call({}, 2, true);
  EXPECT_TRUE(same_run.call->status.has_succeeded()) << "for the whole of that run";
  auto next = table().call({}, 3, true);
  EXPECT_TRUE(next.is_new);
  EXPECT_EQ(next.call->id, 2u);
  EXPECT_EQ(table().remembered(), 1u) << "the old uncached success is forgotten";
}

TEST_F(CallTableTest, FailedCallIsRetriedAfterExponentialBackoffThenFails) {
  CallPolicy p;
  p.retries = 2;
  p.retry_backoff = 100ms;
  table(p).call({}, 1, true);
  dispatch_and_start();

  auto out = table().fail_current("exception", "flaky 1", true);
  EXPECT_TRUE(out.retrying);
  EXPECT_EQ(out.retry_in, 100ms);
  EXPECT_EQ(table().current()->status.reason, "retrying");
  EXPECT_EQ(table().current()->status.attempt, 2);
  EXPECT_EQ(table().next_to_dispatch(), nullptr) << "not before the backoff";
  clock_.AdvanceTime(99ms);
  EXPECT_EQ(retries_due_, 0);
  clock_.AdvanceTime(1ms);
  EXPECT_EQ(retries_due_, 1);
  ASSERT_NE(dispatch_and_start(), nullptr);

  out = table().fail_current("exception", "flaky 2", true);
  EXPECT_EQ(out.retry_in, 200ms) << "the backoff doubles";
  clock_.AdvanceTime(200ms);
  ASSERT_NE(dispatch_and_start(), nullptr);
  EXPECT_EQ(table().current()->status.attempt, 3);

  out = table().fail_current("exception", "flaky 3", true, 3);
  EXPECT_FALSE(out.retrying);
  EXPECT_EQ(table().current(), nullptr);
  const WorkStatus& s = table().latest()->status;
  EXPECT_EQ(s.stage, WorkStage::kFailed);
  EXPECT_EQ(s.reason, "exception");
  ASSERT_TRUE(s.exit_code.has_value());
  EXPECT_EQ(*s.exit_code, 3);
  EXPECT_EQ(s.message, "flaky 3");
}

TEST_F(CallTableTest, AnInterruptedAttemptRunsAgainAtOnceWithoutUsingARetry) {
  CallPolicy policy;
  policy.retries = 0;  // the default: any failure is final
  table(policy).call(Json{{"n", 1}}, 1, true);
  ASSERT_NE(dispatch_and_start(), nullptr);
  table_->interrupt_current("worker 'n1' is draining: SIGTERM (Slurm job 7)");
  const CallRecord* c = table_->current();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status.stage, WorkStage::kPending);
  EXPECT_EQ(c->status.reason, "retrying");
  EXPECT_EQ(c->status.attempt, 2);
  EXPECT_NE(c->status.message.find("attempt 1 interrupted (worker 'n1' is draining"),
            std::string::npos)
      << c->status.message;
  EXPECT_EQ(table_->next_to_dispatch(), nullptr) << "dispatched from the loop, not at once";
  clock_.AdvanceTime(0ms);
  EXPECT_EQ(retries_due_, 1);
  ASSERT_NE(dispatch_and_start(), nullptr) << "it runs again";
  // A real failure of the new attempt is final: the interruption used no retry,
  // and none was left to use.
  const auto out = table_->fail_current("exit", "code 1", true, 1);
  EXPECT_FALSE(out.retrying);
  EXPECT_EQ(table_->latest()->status.stage, WorkStage::kFailed);
}

TEST_F(CallTableTest, InterruptionsDoNotUseUpTheRetriesAWorkHas) {
  CallPolicy policy;
  policy.retries = 1;
  table(policy).call(Json{{"n", 1}}, 1, true);
  ASSERT_NE(dispatch_and_start(), nullptr);
  for (int i = 0; i < 3; ++i) {
    table_->interrupt_current("pre-empted");
    clock_.AdvanceTime(0ms);
    ASSERT_NE(dispatch_and_start(), nullptr) << i;
  }
  EXPECT_TRUE(table_->fail_current("exit", "code 1", true, 1).retrying) << "its one retry is left";
  EXPECT_EQ(table_->current()->status.attempt, 5);
}

TEST_F(CallTableTest, ANewPolicyDecidesWhatComesAfterIt) {
  // What a resumed run does when run() asks again for a work made from the
  // journal: the code's options replace the journaled ones.
  CallPolicy p;  // retries 0: a failure is final
  table(p).call(Json{{"i", 1}}, 1, true);
  dispatch_and_start();
  p.retries = 1;
  p.retry_backoff = 10ms;
  table().set_policy(p);
  EXPECT_TRUE(table().fail_current("exception", "flaky", true).retrying);
  clock_.AdvanceTime(10ms);
  ASSERT_NE(dispatch_and_start(), nullptr);
  EXPECT_FALSE(table().fail_current("exception", "flaky again", true).retrying);
  EXPECT_TRUE(table().latest()->status.has_failed());
}

TEST_F(CallTableTest, NoRetryWhenRetryingIsNotAllowed) {
  CallPolicy p;
  p.retries = 5;
  table(p).call({}, 1, true);
  dispatch_and_start();
  EXPECT_FALSE(table().fail_current("exit", "shutting down", false).retrying);
  EXPECT_TRUE(table().latest()->status.has_failed());
}

TEST_F(CallTableTest, FailedCallCalledAgainWaitsForItsRerunBackoffWhichGrows) {
  CallPolicy p;
  p.retry_backoff = 150ms;
  table(p).call({}, 1, true);
  dispatch_and_start();
  table().fail_current("exception", "boom", true);
  EXPECT_TRUE(table().call({}, 2, true).call->status.has_failed()) << "seen once";

  auto early = table().call({}, 3, true);
  EXPECT_FALSE(early.is_new);
  ASSERT_TRUE(early.wake_in.has_value());
  EXPECT_EQ(*early.wake_in, 150ms);
  clock_.AdvanceTime(150ms);
  auto rerun = table().call({}, 4, true);
  ASSERT_TRUE(rerun.is_new);
  EXPECT_EQ(rerun.call->id, 2u);
  EXPECT_EQ(rerun.call->status.attempt, 1);

  dispatch_and_start();
  table().fail_current("exception", "boom again", true);
  table().call({}, 5, true);
  auto second = table().call({}, 6, true);
  ASSERT_TRUE(second.wake_in.has_value());
  EXPECT_EQ(*second.wake_in, 300ms) << "the second final failure waits twice as long";
}

TEST_F(CallTableTest, RunningCallPastItsTimeoutIsReportedOnce) {
  CallPolicy p;
  p.timeout = 50ms;
  table(p).call({}, 1, true);
  dispatch_and_start();
  clock_.AdvanceTime(49ms);
  EXPECT_TRUE(timed_out_.empty());
  clock_.AdvanceTime(1ms);
  EXPECT_EQ(timed_out_, std::vector<uint64_t>{1});
  clock_.AdvanceTime(1s);
  EXPECT_EQ(timed_out_.size(), 1u);
}

TEST_F(CallTableTest, FinishedCallsTimeoutNeverFires) {
  CallPolicy p;
  p.timeout = 50ms;
  table(p).call({}, 1, true);
  dispatch_and_start();
  table().succeed_current();
  clock_.AdvanceTime(1s);
  EXPECT_TRUE(timed_out_.empty());
  EXPECT_EQ(clock_.pending_timers(), 0u);
}

TEST_F(CallTableTest, StopAllStopsTheCurrentAndQueuedCallsAndCancelsTheRetry) {
  CallPolicy p;
  p.retries = 1;
  table(p).call(Json{{"n", 1}}, 1, true);
  table().call(Json{{"n", 2}}, 1, true);
  dispatch_and_start();
  table().fail_current("exception", "x", true);
  table().stop_all("stopped by a flow");
  EXPECT_EQ(table().current(), nullptr);
  EXPECT_EQ(table().queued(), 0u);
  EXPECT_EQ(table().latest()->status.stage, WorkStage::kStopped);
  EXPECT_EQ(table().latest()->status.reason, "stopped");
  clock_.AdvanceTime(1h);
  EXPECT_EQ(retries_due_, 0);
}

TEST_F(CallTableTest, CallStoppedInFlightIsRememberedSoItsLateFinishIsExpected) {
  table().call(Json{{"n", 1}}, 1, true);
  const CallRecord* c = dispatch_and_start();
  ASSERT_NE(c, nullptr);
  const uint64_t id = c->id;
  EXPECT_FALSE(table().ended_while_in_flight(1, id)) << "still running";
  table().stop_all("stopped by a flow");
  EXPECT_TRUE(table().ended_while_in_flight(1, id));
  EXPECT_FALSE(table().ended_while_in_flight(2, id)) << "another process never had it";
  EXPECT_FALSE(table().ended_while_in_flight(1, id + 1)) << "nor another call";
}

TEST_F(CallTableTest, TimedOutCallIsRememberedAsEndedInFlight) {
  CallPolicy policy;
  policy.timeout = 10ms;
  table(policy).call(Json{{"n", 1}}, 1, true);
  const CallRecord* c = dispatch_and_start();
  ASSERT_NE(c, nullptr);
  const uint64_t id = c->id;
  clock_.AdvanceTime(10ms);
  ASSERT_EQ(timed_out_.size(), 1u);
  EXPECT_TRUE(table().ended_while_in_flight(1, id));
}

TEST_F(CallTableTest, CallStoppedBeforeItWasSentWasNeverInFlight) {
  auto seen = table().call(Json{{"n", 1}}, 1, true);
  ASSERT_NE(seen.call, nullptr);
  table().stop_all("app shut down");
  EXPECT_EQ(table().latest()->status.stage, WorkStage::kStopped);
  EXPECT_FALSE(table().ended_while_in_flight(1, 1));
  EXPECT_FALSE(table().ended_while_in_flight(0, 1)) << "0 is no process";
}

TEST_F(CallTableTest, CallsWithEverNewArgsDoNotGrowTheTable) {
  CallPolicy p;
  p.cache_calls = false;
  table(p);
  for (int i = 0; i < 100; ++i) {
    table().call(Json{{"i", i}}, static_cast<uint64_t>(i + 1), true);
    dispatch_and_start();
    table().succeed_current();
  }
  EXPECT_LE(table().remembered(), 1u);
}

TEST_F(CallTableTest, SavedTableRestoresCallsQueueAndBackoffs) {
  CallPolicy p;
  p.retry_backoff = 1s;
  table(p).call(Json{{"n", 1}}, 1, true);
  dispatch_and_start();
  table().fail_current("exception", "boom", true);
  table().call(Json{{"n", 2}}, 1, true);
  table().call(Json{{"n", 3}}, 1, true);
  dispatch_and_start();  // call 2 running
  clock_.AdvanceTime(400ms);
  const Json saved = table().save();

  FakeClock other_clock;
  CallTable restored(other_clock, p,
                     CallTable::Hooks{[](const CallRecord&, bool) {}, [] {},
                                      [](uint64_t, std::chrono::milliseconds) {}});
  ASSERT_TRUE(restored.restore(saved).ok());
  EXPECT_EQ(restored.save(), saved) << "save(restore(x)) == x";
  ASSERT_NE(restored.current(), nullptr);
  EXPECT_EQ(restored.current()->id, 2u);
  EXPECT_EQ(restored.current()->status.stage, WorkStage::kPending)
      << "in flight comes back pending";
  EXPECT_EQ(restored.current()->dispatched_on, 0u);
  EXPECT_EQ(restored.queued(), 1u);
  EXPECT_EQ(restored.latest()->id, 3u);
  auto failed = restored.call(Json{{"n", 1}}, 1, true);
  EXPECT_TRUE(failed.call->status.has_failed());
  auto again = restored.call(Json{{"n", 1}}, 2, true);
  ASSERT_TRUE(again.wake_in.has_value()) << "the re-run backoff survives";
  EXPECT_EQ(*again.wake_in, 600ms);
  auto next = restored.call(Json{{"n", 9}}, 2, true);
  EXPECT_EQ(next.call->id, 4u) << "ids carry on";
}

TEST_F(CallTableTest, RestoreOfABadRecordChangesNothing) {
  table().call(Json{{"n", 1}}, 1, true);
  const Json before = table().save();
  Json bad = before;
  bad["queue"] = Json::array({42});
  Status st = table().restore(bad);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("42"), std::string::npos) << st.message();
  EXPECT_EQ(table().save(), before);
  EXPECT_FALSE(table().restore(Json{{"calls", 3}}).ok());
  EXPECT_EQ(table().save(), before);
}

// ---------------------------------------------------------------- LRU bound

/// Calls `args` in flow run `run` and lets it succeed (it must be new).
void call_and_succeed(CallTable& t, const Json& args, uint64_t run) {
  auto seen = t.call(args, run, true);
  ASSERT_TRUE(seen.is_new) << args.dump();
  CallRecord* c = t.next_to_dispatch();
  ASSERT_NE(c, nullptr);
  t.mark_dispatched(1);
  t.start_current();
  t.succeed_current();
}

TEST_F(CallTableTest, EverNewArgsKeepTheCachedRecordsAtTheBound) {
  CallPolicy p;
  p.max_cached_calls = 100;
  table(p);
  std::vector<size_t> remembered;
  for (int i = 0; i < 20000; ++i) {
    call_and_succeed(table(), Json{{"i", i}}, static_cast<uint64_t>(i + 1));
    clock_.AdvanceTime(1ms);
    if (i % 1000 == 999) remembered.push_back(table().remembered());
  }
  ASSERT_EQ(remembered.size(), 20u);
  for (size_t r : remembered) {
    EXPECT_GE(r, 100u) << "the bound is used";
    EXPECT_LE(r, 102u) << "the bound, plus the latest call the flow has not yet seen";
  }
  EXPECT_EQ(remembered.front(), remembered.back()) << "flat, not growing";
  EXPECT_LE(table().cached(), 101u);
}

TEST_F(CallTableTest, LeastRecentlyUsedSuccessIsForgottenFirstAndRunsAgain) {
  CallPolicy p;
  p.max_cached_calls = 2;
  table(p);
  call_and_succeed(table(), Json{{"k", "a"}}, 1);
  call_and_succeed(table(), Json{{"k", "b"}}, 3);
  const CallRecord* a = table().call(Json{{"k", "a"}}, 5, true).call;  // a is used again
  ASSERT_TRUE(a->status.has_succeeded());
  const uint64_t a_id = a->id;
  call_and_succeed(table(), Json{{"k", "c"}}, 7);  // one too many: b is the least recent

  EXPECT_EQ(table().cached(), 2u);
  auto again_a = table().call(Json{{"k", "a"}}, 9, true);
  EXPECT_FALSE(again_a.is_new) << "a was used after b";
  EXPECT_EQ(again_a.call->id, a_id);
  EXPECT_TRUE(table().call(Json{{"k", "b"}}, 9, true).is_new) << "b was forgotten: it runs again";
}

TEST_F(CallTableTest, DoneCallTheFlowHasNotObservedYetIsNotForgotten) {
  CallPolicy p;
  p.max_cached_calls = 1;
  table(p);
  // One run queues two calls (a parallel fan-out); both end before the next run.
  table().call(Json{{"k", "a"}}, 1, true);
  table().call(Json{{"k", "b"}}, 1, true);
  for (int i = 0; i < 2; ++i) {
    ASSERT_NE(dispatch_and_start(), nullptr);
    table().succeed_current();
  }
  EXPECT_EQ(table().cached(), 2u) << "over the bound, but the flow has not seen them";

  // The flow's next run sees both done: the same calls, not new ones.
  auto a = table().call(Json{{"k", "a"}}, 2, true);
  auto b = table().call(Json{{"k", "b"}}, 2, true);
  EXPECT_FALSE(a.is_new);
  EXPECT_TRUE(a.call->status.has_succeeded());
  EXPECT_FALSE(b.is_new);
  EXPECT_TRUE(b.call->status.has_succeeded());

  // A later run calls something else: now the bound applies (b, the latest, stays).
  table().call(Json{{"k", "c"}}, 3, true);
  EXPECT_EQ(table().cached(), 1u);
  EXPECT_FALSE(table().call(Json{{"k", "b"}}, 3, true).is_new);
}

TEST_F(CallTableTest, QueuedAndRunningCallsAreNeverForgotten) {
  CallPolicy p;
  p.max_cached_calls = 1;
  table(p);
  for (int i = 0; i < 5; ++i) table().call(Json{{"i", i}}, 1, true);
  for (int i = 0; i < 3; ++i) {
    ASSERT_NE(dispatch_and_start(), nullptr);
    table().succeed_current();
  }
  ASSERT_NE(dispatch_and_start(), nullptr);                           // i=3 running, i=4 queued
  for (int i = 0; i < 5; ++i) table().call(Json{{"i", i}}, 5, true);  // the flow sees them
  table().call(Json{{"i", 9}}, 6, true);  // a later run: the bound applies to done calls

  EXPECT_EQ(table().cached(), 1u);
  EXPECT_EQ(table().remembered(), 4u) << "one done, the running, the queued and the new one";
  auto running = table().call(Json{{"i", 3}}, 6, true);
  EXPECT_FALSE(running.is_new);
  EXPECT_TRUE(running.call->status.is_running());
  auto queued = table().call(Json{{"i", 4}}, 6, true);
  EXPECT_FALSE(queued.is_new);
  EXPECT_EQ(queued.call->status.stage, WorkStage::kPending);
}

TEST_F(CallTableTest, FailedCallsShareTheBoundOfDoneRecords) {
  CallPolicy p;
  p.max_cached_calls = 10;
  p.retry_backoff = 1s;
  table(p);
  for (int i = 0; i < 1000; ++i) {
    table().call(Json{{"i", i}}, static_cast<uint64_t>(i + 1), true);
    ASSERT_NE(dispatch_and_start(), nullptr);
    table().fail_current("exception", "boom " + std::to_string(i), false);
  }
  EXPECT_LE(table().remembered(), 12u);
  EXPECT_GE(table().remembered(), 10u);
  // A failure still within the bound keeps its re-run backoff.
  auto seen = table().call(Json{{"i", 998}}, 2000, true);
  EXPECT_TRUE(seen.call->status.has_failed()) << "the first run to see it gets the failure";
  auto again = table().call(Json{{"i", 998}}, 2001, true);
  EXPECT_TRUE(again.call->status.has_failed());
  EXPECT_TRUE(again.wake_in.has_value()) << "its re-run backoff is remembered";
}

TEST_F(CallTableTest, SaveAndRestoreKeepTheLeastRecentlyUsedOrder) {
  CallPolicy p;
  p.max_cached_calls = 3;
  table(p);
  call_and_succeed(table(), Json{{"k", "a"}}, 1);
  call_and_succeed(table(), Json{{"k", "b"}}, 3);
  call_and_succeed(table(), Json{{"k", "c"}}, 5);
  table().call(Json{{"k", "a"}}, 7, true);  // order now: b, c, a
  const Json saved = table().save();
  EXPECT_EQ(saved.at("lru"), Json::array({2, 3, 1}));

  FakeClock other_clock;
  CallTable restored(other_clock, p,
                     CallTable::Hooks{[](const CallRecord&, bool) {}, [] {},
                                      [](uint64_t, std::chrono::milliseconds) {}});
  ASSERT_TRUE(restored.restore(saved).ok());
  EXPECT_EQ(restored.save(), saved) << "save(restore(x)) == x, LRU order included";
  call_and_succeed(restored, Json{{"k", "d"}}, 5);  // one too many: b goes, as before the restart
  EXPECT_FALSE(restored.call(Json{{"k", "c"}}, 6, true).is_new);
  EXPECT_FALSE(restored.call(Json{{"k", "a"}}, 6, true).is_new);
  EXPECT_TRUE(restored.call(Json{{"k", "b"}}, 6, true).is_new);
}

TEST_F(CallTableTest, RestoreRejectsAnLruEntryThatIsNotADoneCall) {
  table().call(Json{{"n", 1}}, 1, true);  // pending
  const Json before = table().save();
  Json bad = before;
  bad["lru"] = Json::array({1});
  EXPECT_FALSE(table().restore(bad).ok());
  EXPECT_EQ(table().save(), before);
}

}  // namespace
}  // namespace lightning::runtime
