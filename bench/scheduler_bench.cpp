// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the scheduler's decisions cost (docs/benchmarks.md, "The scheduler"):
// CPU time of Scheduler calls on fake workers with a fake clock (scheduler
// time is simulated; the figures are the real CPU cost of deciding).
//
//   build/ci/bench/bench_scheduler            # all scenarios, pack and spread
//
// For each policy and size (1,000 works on 20 workers; 10,000 on 200):
//  - bulk: one schedule() over the whole queue of mixed works (CPU-only and
//    GPU ones; more than fits, so a queue remains): per work in the queue;
//  - churn: with that queue waiting, a placed work finishes, a new one is
//    submitted, schedule() runs: per round (about one placement each);
//  - trivial: 10,000 (or 1,000) works that all fit: schedule() per work;
//  - lost worker: one worker stops heartbeating; check_liveness() finds it
//    and its works are submitted again and re-placed: the CPU cost of both.
// Median of 5 runs of each; CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "fakes/fake_clock.hpp"
#include "scheduler/scheduler.hpp"

namespace {

using lightning::Compute;
using namespace lightning::scheduler;

// This thread's CPU time: what deciding costs, whatever else runs on the machine.
struct CpuClock {
  using time_point = double;  // microseconds
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  }
};
using Steady = CpuClock;

constexpr int64_t kGiB = int64_t{1} << 30;

double us_since(double t0) { return CpuClock::now() - t0; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Resources worker_resources() {
  Resources r;
  r.milli_cpus = 64'000;
  r.memory_bytes = 512 * kGiB;
  for (int i = 0; i < 8; ++i) r.gpus.push_back(Gpu{i, "NVIDIA H100 80GB HBM3", 80 * kGiB});
  return r;
}

// 70% CPU works (1-4 CPUs, 1-8 GiB), 30% GPU works (1-2 GPUs, 4 CPUs, 16 GiB).
Compute mixed(std::mt19937& rng) {
  if (rng() % 10 < 7) {
    return Compute()
        .cpus(1 + static_cast<int>(rng() % 4))
        .memory_gb(1 + static_cast<int>(rng() % 8));
  }
  return Compute().gpus(1 + static_cast<int>(rng() % 2)).cpus(4).memory_gb(16);
}

void add_workers(Scheduler& s, int n) {
  for (int i = 0; i < n; ++i) s.add_worker("node" + std::to_string(i), worker_resources());
}

struct Figures {
  double bulk_us_per_work = 0;
  size_t bulk_placed = 0;
  double churn_us_per_round = 0;
  double trivial_us_per_work = 0;
  double lost_detect_us = 0;
  double lost_replace_us = 0;
  size_t lost_works = 0;
};

Figures run_once(Policy policy, int works, int workers, unsigned seed) {
  Figures f;
  lightning::testing::FakeClock clock;
  SchedulerOptions o;
  o.policy = policy;
  std::mt19937 rng(seed);
  {
    // Bulk and churn: mixed works, more than fits (the queue stays).
    Scheduler s(clock, o);
    add_workers(s, workers);
    // Enough to overfill: ~2.5 CPUs a work on average against 64 per worker.
    const int queued = works * 2;
    for (int i = 0; i < queued; ++i) s.submit(WorkRequest{"w" + std::to_string(i), mixed(rng)});
    auto t0 = Steady::now();
    std::vector<Placement> running = s.schedule();
    f.bulk_us_per_work = us_since(t0) / queued;
    f.bulk_placed = running.size();
    int next = queued;
    const int rounds = 1000;
    t0 = Steady::now();
    for (int r = 0; r < rounds; ++r) {
      const size_t i = rng() % running.size();
      s.release(running[i].work, running[i].attempt);
      running[i] = running.back();
      running.pop_back();
      s.submit(WorkRequest{"w" + std::to_string(next++), mixed(rng)});
      for (auto& p : s.schedule()) running.push_back(std::move(p));
    }
    f.churn_us_per_round = us_since(t0) / rounds;
  }
  {
    // Trivial works that all fit (the 10,000-works benchmark), 1 CPU
    // each: a work that asks for nothing at all is charged nothing and would
    // all land on the first worker.
    Scheduler s(clock, o);
    add_workers(s, workers);
    for (int i = 0; i < works; ++i) {
      s.submit(WorkRequest{"t" + std::to_string(i), Compute().cpus(1)});
    }
    const auto t0 = Steady::now();
    const auto placed = s.schedule();
    f.trivial_us_per_work = us_since(t0) / works;
    if (placed.size() != static_cast<size_t>(works))
      std::fprintf(stderr, "trivial: not all placed\n");
    // Lost worker: all but node0 heartbeat; its works come back and are re-placed.
    clock.AdvanceTime(o.heartbeat_timeout);
    for (const auto& id : s.workers()) {
      if (id != "node0") s.heartbeat(id);
    }
    auto t1 = Steady::now();
    const auto lost = s.check_liveness();
    f.lost_detect_us = us_since(t1);
    f.lost_works = lost.size();
    t1 = Steady::now();
    for (const auto& l : lost) s.submit(WorkRequest{l.work, Compute().cpus(1)});
    const auto again = s.schedule();
    f.lost_replace_us = us_since(t1);
    if (again.size() != lost.size()) std::fprintf(stderr, "lost: not all re-placed\n");
  }
  return f;
}

}  // namespace

int main() {
  std::printf("%-7s %-13s %14s %8s %15s %15s %16s %16s\n", "policy", "works/workers",
              "bulk us/work", "placed", "churn us/round", "trivial us/work", "lost: detect us",
              "re-place us (n)");
  for (auto [works, workers] : {std::pair{1000, 20}, std::pair{10000, 200}}) {
    for (Policy policy : {Policy::kPack, Policy::kSpread}) {
      std::vector<double> bulk, churn, trivial, detect, replace;
      Figures last;
      for (unsigned rep = 0; rep < 5; ++rep) {
        last = run_once(policy, works, workers, 1234 + rep);
        bulk.push_back(last.bulk_us_per_work);
        churn.push_back(last.churn_us_per_round);
        trivial.push_back(last.trivial_us_per_work);
        detect.push_back(last.lost_detect_us);
        replace.push_back(last.lost_replace_us);
      }
      const std::string size = std::to_string(works) + "/" + std::to_string(workers);
      std::printf("%-7s %-13s %14.2f %8zu %15.1f %15.2f %16.1f %11.1f (%zu)\n",
                  policy == Policy::kPack ? "pack" : "spread", size.c_str(), median(bulk),
                  last.bulk_placed, median(churn), median(trivial), median(detect), median(replace),
                  last.lost_works);
    }
  }
  return 0;
}
