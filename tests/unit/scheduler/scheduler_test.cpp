// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The scheduler on fake workers and a fake clock: placement and GPU pinning,
// pack and spread, queueing with reasons, back-filling without starvation,
// gangs, lost workers and fencing.
#include "scheduler/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "fakes/fake_clock.hpp"

namespace lightning::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kGiB = int64_t{1} << 30;

Resources node(double cpus, int64_t memory_gib, int gpus,
               const std::string& model = "NVIDIA H100") {
  Resources r;
  r.milli_cpus = static_cast<int64_t>(cpus * 1000);
  r.memory_bytes = memory_gib * kGiB;
  for (int i = 0; i < gpus; ++i) r.gpus.push_back(Gpu{i, model, 80 * kGiB});
  return r;
}

WorkRequest work(const std::string& id, Compute c = Compute()) {
  return WorkRequest{id, c, "", 0, false, {}};
}

WorkRequest gang_member(const std::string& id, const std::string& gang, int size, Compute c,
                        bool one_per_worker) {
  return WorkRequest{id, c, gang, size, one_per_worker, {}};
}

std::map<WorkId, Placement> by_work(const std::vector<Placement>& ps) {
  std::map<WorkId, Placement> m;
  for (const auto& p : ps) m[p.work] = p;
  return m;
}

class SchedulerTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
};

TEST_F(SchedulerTest, GpuWorksGetDistinctGpuIndicesThatAreFreedWhenTheyFinish) {
  Scheduler s(clock_);
  s.add_worker("node1", node(16, 64, 4));
  ASSERT_TRUE(s.submit(work("a", Compute().gpus(2))));
  ASSERT_TRUE(s.submit(work("b", Compute().gpus(2))));
  ASSERT_TRUE(s.submit(work("c", Compute().gpus(1))));
  auto placed = by_work(s.schedule());
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed["a"].gpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(placed["b"].gpus, (std::vector<int>{2, 3}));
  EXPECT_EQ(placed["a"].attempt, 1u);
  EXPECT_EQ(s.pending_reason("c"), "waiting for resources: needs 1 GPU, 0 free of 4");
  ASSERT_TRUE(s.release("a", placed["a"].attempt));
  EXPECT_EQ(s.free_on("node1")->gpus.size(), 2u);
  auto next = s.schedule();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].work, "c");
  EXPECT_EQ(next[0].gpus, (std::vector<int>{0}));
  EXPECT_EQ(s.pending_reason("c"), "");
}

TEST_F(SchedulerTest, AnAcceleratorModelPicksOnlyGpusOfThatModel) {
  Scheduler s(clock_);
  Resources mixed = node(32, 128, 0);
  mixed.gpus = {Gpu{0, "NVIDIA A100-SXM4-80GB", 0}, Gpu{1, "NVIDIA H100 80GB HBM3", 0},
                Gpu{2, "NVIDIA H100 80GB HBM3", 0}};
  s.add_worker("node1", mixed);
  s.submit(work("h", Compute().gpus(2).accelerator("h100")));
  s.submit(work("a", Compute().accelerator("A100")));  // one GPU of that model
  s.submit(work("h2", Compute().accelerator("H100")));
  auto placed = by_work(s.schedule());
  EXPECT_EQ(placed["h"].gpus, (std::vector<int>{1, 2}));
  EXPECT_EQ(placed["a"].gpus, (std::vector<int>{0}));
  EXPECT_EQ(placed.count("h2"), 0u);
  EXPECT_EQ(s.pending_reason("h2"), "waiting for resources: needs 1 H100 GPU, 0 free of 2");
}

TEST_F(SchedulerTest, PackFillsTheMostLoadedWorkerAndSpreadTheLeastLoaded) {
  for (Policy policy : {Policy::kPack, Policy::kSpread}) {
    SchedulerOptions o;
    o.policy = policy;
    Scheduler s(clock_, o);
    for (const char* n : {"n1", "n2", "n3"}) s.add_worker(n, node(8, 32, 0));
    for (int i = 0; i < 6; ++i) s.submit(work("w" + std::to_string(i), Compute().cpus(2)));
    std::set<WorkerId> used;
    for (const auto& p : s.schedule()) used.insert(p.worker);
    if (policy == Policy::kPack) {
      EXPECT_EQ(used.size(), 2u) << "6 x 2 CPUs pack onto two 8-CPU workers";
      EXPECT_EQ(s.free_on("n1")->milli_cpus, 0);
    } else {
      EXPECT_EQ(used.size(), 3u);
      for (const char* n : {"n1", "n2", "n3"}) EXPECT_EQ(s.free_on(n)->milli_cpus, 4000) << n;
    }
  }
}

TEST_F(SchedulerTest, FractionalCpusAndMemoryAreCountedExactly) {
  Scheduler s(clock_);
  s.add_worker("n1", node(1, 1, 0));
  for (int i = 0; i < 5; ++i)
    s.submit(work("w" + std::to_string(i), Compute().cpus(0.25).memory_mb(200)));
  auto placed = s.schedule();
  EXPECT_EQ(placed.size(), 4u) << "4 x 0.25 CPU fill one CPU";
  EXPECT_EQ(s.free_on("n1")->milli_cpus, 0);
  EXPECT_EQ(s.free_on("n1")->memory_bytes, kGiB - 4 * 200 * (int64_t{1} << 20));
  EXPECT_EQ(s.pending_reason("w4"), "waiting for resources: needs 0.25 CPUs, 0 free of 1");

  Scheduler m(clock_);
  m.add_worker("n1", node(64, 4, 0));
  m.submit(work("big", Compute().memory_gb(3)));
  m.submit(work("more", Compute().memory_gb(2)));
  EXPECT_EQ(m.schedule().size(), 1u);
  EXPECT_EQ(m.pending_reason("more"),
            "waiting for resources: needs 2 GiB of memory, 1 GiB free of 4 GiB");
}

TEST_F(SchedulerTest, AWorkThatGivesNoCpusButAsksForSomethingCountsAsOneCpu) {
  Scheduler s(clock_);
  s.add_worker("n1", node(2, 4, 0));
  for (int i = 0; i < 3; ++i) s.submit(work("w" + std::to_string(i), Compute().memory_mb(1)));
  EXPECT_EQ(s.schedule().size(), 2u);
  EXPECT_EQ(s.pending_reason("w2"), "waiting for resources: needs 1 CPU, 0 free of 2");
}

TEST_F(SchedulerTest, AWorkThatFitsNowhereSaysWhatNoWorkerHas) {
  Scheduler s(clock_);
  EXPECT_TRUE(s.submit(work("g", Compute().gpus(8))));
  s.schedule();
  EXPECT_EQ(s.pending_reason("g"), "no worker has registered yet");
  s.add_worker("n1", node(16, 64, 4));
  s.add_worker("n2", node(8, 32, 2));
  s.submit(work("cpu", Compute().cpus(1000)));
  s.submit(work("mem", Compute().memory_gb(100)));
  s.submit(work("both", Compute().gpus(4).cpus(10).memory_gb(1)));
  WorkRequest labelled = work("lab", Compute().cpus(1));
  labelled.labels = {{"partition", "big"}};
  s.submit(labelled);
  EXPECT_TRUE(s.schedule().size() <= 1u);
  EXPECT_EQ(s.pending_reason("g"), "no worker has 8 GPUs (largest: 4)");
  EXPECT_EQ(s.pending_reason("cpu"), "no worker has 1000 CPUs (largest: 16)");
  EXPECT_EQ(s.pending_reason("mem"), "no worker has 100 GiB of memory (largest: 64 GiB)");
  EXPECT_EQ(s.pending_reason("lab"), "no worker has the labels partition=big");
  EXPECT_EQ(s.pending_reason("unknown"), "");
}

TEST_F(SchedulerTest, WorksAskingForNothingAreChargedNothingAndNeverQueue) {
  // A local run's plain works: hundreds at once on a 2-CPU machine, as
  // before the scheduler was on the local path; even past a reservation.
  SchedulerOptions o;
  o.max_skips = 1;
  Scheduler s(clock_, o);
  s.add_worker("local", node(2, 4, 0));
  s.submit(work("busy", Compute().cpus(1)));
  ASSERT_EQ(s.schedule().size(), 1u);
  s.submit(work("large", Compute().cpus(2)));
  s.submit(work("small", Compute().cpus(1)));
  ASSERT_EQ(s.schedule().size(), 1u) << "'small' back-filled; 'large' now reserves the worker";
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(s.submit(work("plain" + std::to_string(i))));
  EXPECT_EQ(s.schedule().size(), 200u);
  EXPECT_EQ(s.pending_count(), 1u) << "only 'large' waits";
  ASSERT_TRUE(s.free_on("local").has_value());
  EXPECT_EQ(s.free_on("local")->milli_cpus, 0) << "the plain works took nothing";
  // A GPU-only request is not empty: it is charged the default CPU.
  Scheduler g(clock_);
  g.add_worker("n", node(1, 4, 2));
  g.submit(work("gpu1", Compute().gpus(1)));
  g.submit(work("gpu2", Compute().gpus(1)));
  EXPECT_EQ(g.schedule().size(), 1u);
}

TEST_F(SchedulerTest, WorksAskingForNothingAreSpreadEvenlyOverTheWorkersUnderBothPolicies) {
  // They load no worker, so the load alone would tie and put all of them on
  // the first worker: 10,000 trivial works on 20 workers would run on one.
  for (Policy policy : {Policy::kPack, Policy::kSpread}) {
    SchedulerOptions o;
    o.policy = policy;
    Scheduler s(clock_, o);
    for (int i = 0; i < 4; ++i) s.add_worker("n" + std::to_string(i), node(8, 32, 0));
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(s.submit(work("w" + std::to_string(i))));
    std::map<WorkerId, int> per_worker;
    for (const auto& p : s.schedule()) ++per_worker[p.worker];
    ASSERT_EQ(per_worker.size(), 4u);
    for (const auto& [worker, n] : per_worker) EXPECT_EQ(n, 10) << worker;
  }
}

TEST_F(SchedulerTest, AWorkerRunsAtMostMaxProcessesWorksAndTheRestWaitWithTheReason) {
  // A node's process, thread and open-files limits: 10,000 idle works on
  // 20 workers of one machine exceeded its pid_max before this limit.
  Scheduler s(clock_);
  Resources small = node(8, 32, 0);
  small.max_processes = 3;
  s.add_worker("a", small);
  s.add_worker("b", small);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(s.submit(work("w" + std::to_string(i))));
  const auto placed = by_work(s.schedule());
  ASSERT_EQ(placed.size(), 6u);
  EXPECT_EQ(s.pending_count(), 2u);
  const std::string reason = s.pending_reason("w6");
  EXPECT_NE(reason.find(kProcessSlots), std::string::npos) << reason;
  EXPECT_NE(reason.find("6 work processes on 2 workers, at most 6"), std::string::npos) << reason;
  EXPECT_EQ(reason.rfind("waiting for resources", 0), 0u) << reason;
  // One ends: its slot goes to the next work, on the same worker.
  const std::string worker_of_w0 = placed.at("w0").worker;
  ASSERT_TRUE(s.release("w0", placed.at("w0").attempt));
  const auto next = s.schedule();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].worker, worker_of_w0);
  EXPECT_EQ(s.pending_count(), 1u);
}

TEST_F(SchedulerTest, SmallWorksAreBackFilledPastALargeOneThatDoesNotFitYet) {
  Scheduler s(clock_);
  s.add_worker("n1", node(4, 16, 0));
  s.submit(work("first", Compute().cpus(3)));
  ASSERT_EQ(s.schedule().size(), 1u);
  s.submit(work("large", Compute().cpus(4)));
  s.submit(work("small", Compute().cpus(1)));
  auto placed = s.schedule();
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].work, "small") << "back-filled past 'large'";
  EXPECT_EQ(s.pending_reason("large"), "waiting for resources: needs 4 CPUs, 0 free of 4");
}

TEST_F(SchedulerTest, ALargeWorkSkippedManyTimesReservesAWorkerAndIsNotStarved) {
  SchedulerOptions o;
  o.max_skips = 3;
  Scheduler s(clock_, o);
  s.add_worker("n1", node(4, 16, 0));
  // A stream of 1-CPU works keeps the worker busy; a 4-CPU work waits.
  int n = 0;
  std::vector<Placement> running;
  auto submit_small = [&] { s.submit(work("small" + std::to_string(n++), Compute().cpus(1))); };
  for (int i = 0; i < 4; ++i) submit_small();
  for (const auto& p : s.schedule()) running.push_back(p);
  s.submit(work("large", Compute().cpus(4)));
  bool large_placed = false;
  int rounds = 0;
  for (; rounds < 20 && !large_placed; ++rounds) {
    // One small work finishes, a new one arrives.
    ASSERT_FALSE(running.empty());
    s.release(running.front().work, running.front().attempt);
    running.erase(running.begin());
    submit_small();
    for (const auto& p : s.schedule()) {
      if (p.work == "large")
        large_placed = true;
      else
        running.push_back(p);
    }
  }
  EXPECT_TRUE(large_placed) << "the large work was starved";
  // 3 skips, then the 4 running ones drain: placed within 3 + 4 rounds.
  EXPECT_LE(rounds, 3 + 4);
}

TEST_F(SchedulerTest, AReservationIsShownInTheReasonOfWorksBehindIt) {
  SchedulerOptions o;
  o.max_skips = 1;
  Scheduler s(clock_, o);
  s.add_worker("n1", node(2, 16, 0));
  s.submit(work("a", Compute().cpus(1)));
  s.schedule();
  s.submit(work("large", Compute().cpus(2)));
  s.submit(work("b", Compute().cpus(1)));
  EXPECT_EQ(s.schedule().size(), 1u);  // b back-filled: large skipped once -> reserves n1
  auto a = s.placement_of("a");
  s.release("a", a->attempt);
  s.submit(work("c", Compute().cpus(1)));
  EXPECT_TRUE(s.schedule().empty()) << "c may not take n1 from the reserved large work";
  EXPECT_EQ(s.pending_reason("c"),
            "waiting behind 'large', which has reserved worker 'n1' so that it is not starved");
}

TEST_F(SchedulerTest, AGangIsPlacedAllAtOnceOrNotAtAll) {
  Scheduler s(clock_);
  s.add_worker("n1", node(8, 32, 2));
  s.add_worker("n2", node(8, 32, 2));
  s.submit(work("blocker", Compute().gpus(1)));
  ASSERT_EQ(s.schedule().size(), 1u);
  for (int r = 0; r < 4; ++r) {
    s.submit(gang_member("rank" + std::to_string(r), "train", 4, Compute().gpus(1), false));
    if (r < 3) {
      EXPECT_TRUE(s.schedule().empty());
      EXPECT_EQ(s.pending_reason("rank0"), "waiting for the rest of gang 'train': " +
                                               std::to_string(r + 1) + " of 4 works submitted");
    }
  }
  // 3 GPUs free, 4 wanted: none placed, not 3.
  EXPECT_TRUE(s.schedule().empty());
  EXPECT_EQ(s.pending_reason("rank2"),
            "gang 'train' of 4: waiting for resources: its 4 works do not fit all at once");
  s.release("blocker", 1);
  auto placed = s.schedule();
  EXPECT_EQ(placed.size(), 4u);
  std::set<std::pair<WorkerId, int>> gpus;
  for (const auto& p : placed) gpus.insert({p.worker, p.gpus.at(0)});
  EXPECT_EQ(gpus.size(), 4u);
}

TEST_F(SchedulerTest, AOnePerWorkerGangPutsEachWorkOnADifferentWorker) {
  Scheduler s(clock_);
  s.add_worker("n1", node(32, 64, 8));
  s.add_worker("n2", node(32, 64, 8));
  for (int r = 0; r < 3; ++r)
    s.submit(gang_member("r" + std::to_string(r), "mn", 3, Compute().gpus(4), true));
  EXPECT_TRUE(s.schedule().empty()) << "two workers for three ranks";
  EXPECT_EQ(s.pending_reason("r0"),
            "gang 'mn' of 3: needs 3 workers that can each hold 4 GPUs; 2 can");
  s.add_worker("n3", node(32, 64, 8));
  auto placed = s.schedule();
  ASSERT_EQ(placed.size(), 3u);
  std::set<WorkerId> workers;
  for (const auto& p : placed) workers.insert(p.worker);
  EXPECT_EQ(workers.size(), 3u);
}

TEST_F(SchedulerTest, AStarvingGangStopsLaterWorksUntilItIsPlaced) {
  SchedulerOptions o;
  o.max_skips = 1;
  Scheduler s(clock_, o);
  s.add_worker("n1", node(8, 32, 2));
  s.add_worker("n2", node(8, 32, 2));
  s.submit(work("a", Compute().gpus(2)));
  s.submit(work("b", Compute().gpus(1)));
  auto first = by_work(s.schedule());
  ASSERT_EQ(first.size(), 2u);
  s.submit(gang_member("r0", "g", 2, Compute().gpus(2), false));
  s.submit(gang_member("r1", "g", 2, Compute().gpus(2), false));
  s.submit(work("c", Compute().gpus(1)));
  auto second = s.schedule();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].work, "c") << "back-filled past the gang once: the gang is now a barrier";
  s.release("a", first["a"].attempt);
  s.submit(work("d", Compute().gpus(1)));
  EXPECT_TRUE(s.schedule().empty()) << "d fits on n1 but must not overtake the starving gang";
  EXPECT_EQ(s.pending_reason("d"),
            "waiting behind gang 'g', which has waited longest and is placed first");
  s.release("b", first["b"].attempt);
  s.release("c", second[0].attempt);
  auto third = by_work(s.schedule());
  ASSERT_EQ(third.size(), 2u);
  EXPECT_EQ(third.count("r0") + third.count("r1"), 2u);
  s.release("r0", third["r0"].attempt);
  auto fourth = s.schedule();
  ASSERT_EQ(fourth.size(), 1u);
  EXPECT_EQ(fourth[0].work, "d");
}

TEST_F(SchedulerTest, ALostWorkersWorksAreReturnedAndReplacedElsewhereWithAHigherAttempt) {
  SchedulerOptions o;
  o.heartbeat_timeout = seconds(10);
  Scheduler s(clock_, o);
  s.add_worker("n1", node(8, 32, 2));
  s.submit(work("a", Compute().gpus(1)));
  auto first = s.schedule();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].worker, "n1");
  const Registration n2 = s.add_worker("n2", node(8, 32, 2));
  EXPECT_FALSE(n2.kill_running);
  clock_.AdvanceTime(seconds(6));
  EXPECT_TRUE(s.heartbeat("n2"));
  EXPECT_TRUE(s.check_liveness().empty());
  clock_.AdvanceTime(seconds(4));  // n1: 10 s without a heartbeat
  auto lost = s.check_liveness();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].work, "a");
  EXPECT_EQ(lost[0].worker, "n1");
  EXPECT_EQ(lost[0].attempt, 1u);
  EXPECT_EQ(lost[0].reason, "worker 'n1' lost: no heartbeat for 10000 ms");
  EXPECT_FALSE(s.heartbeat("n1")) << "a lost worker must register again";
  EXPECT_FALSE(s.is_current("a", 1));
  ASSERT_TRUE(s.submit(work("a", Compute().gpus(1))));  // the caller's retry policy
  auto again = s.schedule();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].worker, "n2");
  EXPECT_EQ(again[0].attempt, 2u);
  EXPECT_TRUE(s.is_current("a", 2));
}

TEST_F(SchedulerTest, AReportAboutAnOlderAttemptIsRefused) {
  Scheduler s(clock_);
  s.add_worker("n1", node(8, 32, 0));
  s.submit(work("a", Compute().cpus(1)));
  s.schedule();
  auto lost = s.remove_worker("n1");
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].reason, "worker 'n1' removed");
  s.add_worker("n2", node(8, 32, 0));
  s.submit(work("a", Compute().cpus(1)));
  ASSERT_EQ(s.schedule().at(0).attempt, 2u);
  EXPECT_FALSE(s.release("a", 1)) << "attempt 1 is stale";
  EXPECT_TRUE(s.is_current("a", 2));
  EXPECT_EQ(s.free_on("n2")->milli_cpus, 7000) << "the stale release freed nothing";
  EXPECT_TRUE(s.release("a", 2));
  EXPECT_FALSE(s.release("a", 2)) << "released once";
}

TEST_F(SchedulerTest, AWorkerThatRegistersAgainAfterBeingLostGetsANewIdentityAndKillsWhatItRuns) {
  SchedulerOptions o;
  o.heartbeat_timeout = seconds(10);
  Scheduler s(clock_, o);
  const Registration first = s.add_worker("n1", node(8, 32, 0));
  EXPECT_EQ(first.id, "n1");
  s.submit(work("a"));
  s.schedule();
  clock_.AdvanceTime(seconds(11));
  ASSERT_EQ(s.check_liveness().size(), 1u);
  const Registration back = s.add_worker("n1", node(8, 32, 0));
  EXPECT_EQ(back.id, "n1#2");
  EXPECT_TRUE(back.kill_running);
  EXPECT_TRUE(back.lost.empty());
  EXPECT_FALSE(s.heartbeat("n1")) << "the old identity stays dead";
  EXPECT_TRUE(s.heartbeat("n1#2"));
  // Registering again while the old identity lives (a fast restart): its works are taken back.
  s.submit(work("b"));
  ASSERT_EQ(s.schedule().at(0).worker, "n1#2");
  const Registration third = s.add_worker("n1", node(8, 32, 0));
  EXPECT_EQ(third.id, "n1#3");
  EXPECT_TRUE(third.kill_running);
  ASSERT_EQ(third.lost.size(), 1u);
  EXPECT_EQ(third.lost[0].work, "b");
  // After an orderly removal there is nothing to kill.
  s.remove_worker("n1#3");
  EXPECT_FALSE(s.add_worker("n1", node(8, 32, 0)).kill_running);
}

TEST_F(SchedulerTest, LosingOneWorkOfAGangTakesBackTheWholeGang) {
  Scheduler s(clock_);
  s.add_worker("n1", node(8, 32, 1));
  s.add_worker("n2", node(8, 32, 1));
  s.submit(gang_member("r0", "g", 2, Compute().gpus(1), true));
  s.submit(gang_member("r1", "g", 2, Compute().gpus(1), true));
  auto placed = by_work(s.schedule());
  ASSERT_EQ(placed.size(), 2u);
  auto lost = s.remove_worker(placed["r0"].worker);
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_FALSE(s.is_current("r1", placed["r1"].attempt));
  EXPECT_EQ(s.free_on(placed["r1"].worker)->gpus.size(), 1u);
}

TEST_F(SchedulerTest, SubmittingAWorkTwiceOrAGangMemberWithAnotherSizeIsRefused) {
  Scheduler s(clock_);
  EXPECT_TRUE(s.submit(work("a")));
  EXPECT_FALSE(s.submit(work("a")));
  EXPECT_TRUE(s.submit(gang_member("r0", "g", 2, Compute(), false)));
  EXPECT_FALSE(s.submit(gang_member("r1", "g", 3, Compute(), false)));
  EXPECT_TRUE(s.cancel("a"));
  EXPECT_FALSE(s.cancel("a"));
  EXPECT_EQ(s.pending_count(), 1u);
}

// Random submit/release/add/lose sequences (fixed seed): a worker is never
// over-committed, a GPU never given to two works, a work never placed twice.
TEST_F(SchedulerTest, RandomSequencesNeverOverCommitAWorkerOrPlaceAWorkTwice) {
  for (Policy policy : {Policy::kPack, Policy::kSpread}) {
    std::mt19937 rng(20261130);
    SchedulerOptions o;
    o.policy = policy;
    o.heartbeat_timeout = seconds(10);
    o.max_skips = 4;
    Scheduler s(clock_, o);
    std::map<WorkerId, Resources> totals;
    std::map<WorkerId, int64_t> max_processes;
    std::map<WorkId, Placement> running;      // what the caller believes runs
    std::map<WorkId, Compute> asked;          // every work's request
    std::map<WorkId, uint64_t> last_attempt;  // highest attempt seen per work
    int resubmitted = 0;
    auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    // The caller's retry policy: a lost work is submitted again (alone).
    auto lose = [&](const LostWork& l) {
      ASSERT_EQ(running.count(l.work), 1u) << l.work;
      EXPECT_EQ(running[l.work].attempt, l.attempt);
      running.erase(l.work);
      if (pick(2) == 0 && s.submit(work(l.work, asked[l.work]))) ++resubmitted;
    };
    int next_work = 0, next_worker = 0, placements = 0;
    for (int step = 0; step < 3000; ++step) {
      const int op = pick(100);
      if (op < 35) {
        Compute c = Compute().cpus(0.5 * (1 + pick(8))).memory_gb(pick(9));
        if (pick(3) == 0) c.gpus(1 + pick(3));
        if (pick(4) == 0) c = Compute();  // asks for nothing: only a process slot
        if (pick(10) == 0) {
          const std::string g = "g" + std::to_string(next_work);
          const int size = 2 + pick(2);
          const bool opw = pick(2) == 0;
          for (int i = 0; i < size; ++i) {
            asked["w" + std::to_string(next_work)] = c;
            s.submit(gang_member("w" + std::to_string(next_work++), g, size, c, opw));
          }
        } else {
          asked["w" + std::to_string(next_work)] = c;
          s.submit(work("w" + std::to_string(next_work++), c));
        }
      } else if (op < 60 && !running.empty()) {
        auto it = std::next(running.begin(), pick(static_cast<int>(running.size())));
        EXPECT_TRUE(s.release(it->first, it->second.attempt));
        running.erase(it);
      } else if (op < 68) {
        const std::string name = "n" + std::to_string(pick(12));
        Resources r = node(1 + pick(16), 4 + pick(60), pick(5));
        if (pick(3) == 0) r.max_processes = 1 + pick(4);
        auto reg = s.add_worker(name, r);
        for (const auto& l : reg.lost) lose(l);
        totals[reg.id] = *s.free_on(reg.id);
        max_processes[reg.id] = r.max_processes;
        ++next_worker;
      } else if (op < 72 && !totals.empty()) {
        auto ids = s.workers();
        if (!ids.empty()) {
          for (const auto& l :
               s.remove_worker(ids[static_cast<size_t>(pick(static_cast<int>(ids.size())))])) {
            lose(l);
          }
        }
      } else if (op < 76) {
        clock_.AdvanceTime(seconds(3));
        auto ids = s.workers();
        for (const auto& id : ids) {
          if (pick(4) != 0) s.heartbeat(id);
        }
        for (const auto& l : s.check_liveness()) lose(l);
      } else {
        for (const auto& p : s.schedule()) {
          ASSERT_EQ(running.count(p.work), 0u) << p.work << " placed twice";
          ASSERT_GT(p.attempt, last_attempt[p.work]) << p.work << ": attempts must grow";
          last_attempt[p.work] = p.attempt;
          running[p.work] = p;
          ++placements;
        }
      }
      // Invariants: what the caller thinks runs is exactly what is current,
      // and fits in each worker.
      std::map<WorkerId, std::set<int>> gpus;
      std::map<WorkerId, int64_t> processes;
      for (const auto& [id, p] : running) {
        ASSERT_TRUE(s.is_current(id, p.attempt)) << id;
        ++processes[p.worker];
        for (int g : p.gpus) ASSERT_TRUE(gpus[p.worker].insert(g).second) << "GPU given twice";
      }
      ASSERT_EQ(running.size(), s.placed_count());
      for (const auto& id : s.workers()) {
        const auto free = s.free_on(id);
        ASSERT_GE(free->milli_cpus, 0) << id;
        ASSERT_GE(free->memory_bytes, 0) << id;
        ASSERT_LE(free->milli_cpus, totals[id].milli_cpus);
        ASSERT_EQ(free->gpus.size() + gpus[id].size(), totals[id].gpus.size()) << id;
        if (max_processes[id] > 0) ASSERT_LE(processes[id], max_processes[id]) << id;
      }
    }
    EXPECT_GT(placements, 200) << "the sequence exercised placement";
    EXPECT_GT(resubmitted, 10) << "the sequence exercised re-placement after a loss";
  }
}

}  // namespace
}  // namespace lightning::scheduler
