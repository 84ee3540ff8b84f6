// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The dynamic batching policy (components/serve/src/batcher.hpp), with time
// driven by the test: no clock is read, nothing sleeps. And the threaded
// DynamicBatcher with real threads (what TSan checks).
#include "batcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace lightning::components::serve {
namespace {

using std::chrono::microseconds;
const Clock::time_point t0{};

BatcherOptions options(int64_t max, int64_t delay_us, std::vector<int64_t> preferred = {},
                       size_t queue = 100) {
  BatcherOptions o;
  o.max_batch_size = max;
  o.max_queue_delay = microseconds(delay_us);
  o.preferred_batch_sizes = std::move(preferred);
  o.max_queue_size = queue;
  return o;
}

TEST(BatchQueueTest, WaitsForTheQueueDelayThenSendsWhatCame) {
  BatchQueue<int> q(options(8, 500));
  ASSERT_TRUE(q.push(1, 1, "a", t0));
  ASSERT_TRUE(q.push(2, 2, "a", t0 + microseconds(100)));
  EXPECT_EQ(q.rows(), 3);
  Clock::time_point wake;
  EXPECT_FALSE(q.next_batch(t0 + microseconds(499), &wake));
  EXPECT_EQ(wake, t0 + microseconds(500)) << "due when the oldest has waited max_queue_delay";
  auto b = q.next_batch(t0 + microseconds(500), &wake);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->items, (std::vector<int>{1, 2}));
  EXPECT_EQ(b->rows, 3);
  EXPECT_EQ(b->enqueued[1], t0 + microseconds(100));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.rows(), 0);
  EXPECT_FALSE(q.next_batch(t0 + microseconds(900), &wake));
  EXPECT_EQ(wake, Clock::time_point::max());
}

TEST(BatchQueueTest, AFullBatchGoesAtOnceAndTheRestWaits) {
  BatchQueue<int> q(options(4, 1000));
  for (int i = 0; i < 6; ++i) q.push(i, 1, "a", t0);
  Clock::time_point wake;
  auto b = q.next_batch(t0, &wake);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->items, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FALSE(q.next_batch(t0, &wake)) << "2 rows of 4: waits for more";
  auto rest = q.next_batch(t0 + microseconds(1000), &wake);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->items, (std::vector<int>{4, 5}));
}

TEST(BatchQueueTest, ARequestThatDoesNotFitClosesTheBatch) {
  BatchQueue<int> q(options(4, 1000));
  q.push(0, 3, "a", t0);
  q.push(1, 2, "a", t0);
  Clock::time_point wake;
  auto b = q.next_batch(t0, &wake);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->items, (std::vector<int>{0}));
  EXPECT_EQ(b->rows, 3);
}

TEST(BatchQueueTest, APreferredBatchSizeGoesAtOnce) {
  BatchQueue<int> q(options(16, 1000, {4, 2}));
  q.push(0, 1, "a", t0);
  Clock::time_point wake;
  EXPECT_FALSE(q.next_batch(t0, &wake));
  for (int i = 1; i < 5; ++i) q.push(i, 1, "a", t0);
  auto b = q.next_batch(t0, &wake);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rows, 4) << "the largest preferred size reached (5 queued)";
  EXPECT_FALSE(q.next_batch(t0, &wake)) << "1 left: no preferred size, waits";
}

TEST(BatchQueueTest, RequestsWithOtherShapesGoInOtherBatches) {
  BatchQueue<int> q(options(8, 100));
  q.push(0, 1, "28x28", t0);
  q.push(1, 1, "14x14", t0);
  q.push(2, 1, "28x28", t0);
  Clock::time_point wake;
  auto b = q.next_batch(t0 + microseconds(100), &wake);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->items, (std::vector<int>{0, 2}));
  auto c = q.next_batch(t0 + microseconds(100), &wake);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->items, (std::vector<int>{1}));
}

TEST(BatchQueueTest, MaxBatchSizeOneOrNoDelayMeansNoWaiting) {
  BatchQueue<int> one(options(1, 1000));
  one.push(0, 1, "a", t0);
  one.push(1, 1, "a", t0);
  Clock::time_point wake;
  auto b = one.next_batch(t0, &wake);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->items.size(), 1u);
  BatchQueue<int> no_delay(options(8, 0));
  no_delay.push(0, 1, "a", t0);
  EXPECT_TRUE(no_delay.next_batch(t0, &wake));
}

TEST(BatchQueueTest, AFullQueueRefusesTheNextRequestAndFlushSendsAtOnce) {
  BatchQueue<int> q(options(8, 1000, {}, 2));
  EXPECT_TRUE(q.push(0, 1, "a", t0));
  EXPECT_TRUE(q.push(1, 1, "a", t0));
  EXPECT_FALSE(q.push(2, 1, "a", t0));
  Clock::time_point wake;
  auto b = q.next_batch(t0, &wake, /*flush=*/true);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rows, 2);
  EXPECT_TRUE(q.push(2, 1, "a", t0));
}

TEST(DynamicBatcherTest, ConcurrentSubmittersAreBatchedAndEveryRequestRunsOnce) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> seen;
  int64_t largest = 0;
  {
    DynamicBatcher<int> batcher(options(16, 20000, {}, 1000), [&](BatchQueue<int>::Batch&& b) {
      std::lock_guard<std::mutex> lock(mu);
      for (int i : b.items) seen.push_back(i);
      largest = std::max(largest, b.rows);
      cv.notify_all();
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) EXPECT_TRUE(batcher.submit(t * 100 + i, 1, "a"));
      });
    }
    for (auto& th : threads) th.join();
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return seen.size() == 200; }));
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "a request ran twice";
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_GT(largest, 1) << "200 requests in a burst with a 20 ms delay were never batched";
}

// Waits (with a deadline) until the batcher thread is idle.
template <class T>
bool wait_idle(const DynamicBatcher<T>& batcher) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!batcher.idle()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(DynamicBatcherTest, ALoneDueRequestRunsOnTheCallersThreadWhenTheBatcherIsIdle) {
  std::mutex mu;
  std::vector<std::thread::id> ran_on;
  DynamicBatcher<int> batcher(options(1, 500), [&](BatchQueue<int>::Batch&& b) {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < b.items.size(); ++i) ran_on.push_back(std::this_thread::get_id());
  });
  ASSERT_TRUE(wait_idle(batcher));
  ASSERT_TRUE(batcher.submit(1, 1, "a"));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ran_on.size(), 1u) << "the request had not run when submit() returned";
  EXPECT_EQ(ran_on[0], std::this_thread::get_id());
}

TEST(DynamicBatcherTest, ABusyCallerHandsOffUnlessItIsTheSoleClient) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::thread::id> ran_on;
  DynamicBatcher<int> batcher(options(1, 0), [&](BatchQueue<int>::Batch&& b) {
    // Request 1 stands for a long forward: its caller is then busy far more
    // than idle (1 s of work, the next request a moment later).
    if (b.items[0] == 1) std::this_thread::sleep_for(std::chrono::seconds(1));
    std::lock_guard<std::mutex> lock(mu);
    ran_on.push_back(std::this_thread::get_id());
    cv.notify_all();
  });
  auto ran = [&](size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return ran_on.size() == n; });
  };
  ASSERT_TRUE(wait_idle(batcher));
  ASSERT_TRUE(batcher.submit(1, 1, "a"));  // runs here, 1 s
  ASSERT_TRUE(batcher.submit(2, 1, "a"));  // busy 1 s of the last ~1 s: handed off
  ASSERT_TRUE(ran(2));
  ASSERT_TRUE(wait_idle(batcher));
  ASSERT_TRUE(batcher.submit(3, 1, "a", /*sole_client=*/true));  // busy, but nobody else waits
  ASSERT_TRUE(ran(3));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(ran_on[0], std::this_thread::get_id());
  EXPECT_NE(ran_on[1], std::this_thread::get_id()) << "a busy caller ran the request itself";
  EXPECT_EQ(ran_on[2], std::this_thread::get_id()) << "the sole client's request was handed off";
}

TEST(DynamicBatcherTest, ARequestThatMayWaitForOthersGoesToTheBatcherThread) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::thread::id> ran_on;
  DynamicBatcher<int> batcher(options(4, 1000), [&](BatchQueue<int>::Batch&& b) {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < b.items.size(); ++i) ran_on.push_back(std::this_thread::get_id());
    cv.notify_all();
  });
  ASSERT_TRUE(wait_idle(batcher));
  ASSERT_TRUE(batcher.submit(1, 1, "a"));  // 1 row of 4, a 1 ms delay: may wait
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return ran_on.size() == 1; }));
  EXPECT_NE(ran_on[0], std::this_thread::get_id());
}

TEST(DynamicBatcherTest, InlineAndBatcherRunsNeverOverlapAndEveryRequestRunsOnce) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> seen;
  std::atomic<int> running{0};
  std::atomic<int> overlaps{0};
  {
    DynamicBatcher<int> batcher(options(1, 0, {}, 1000), [&](BatchQueue<int>::Batch&& b) {
      if (running.fetch_add(1) != 0) ++overlaps;
      std::this_thread::yield();
      {
        std::lock_guard<std::mutex> lock(mu);
        for (int i : b.items) seen.push_back(i);
      }
      running.fetch_sub(1);
      cv.notify_all();
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100; ++i) EXPECT_TRUE(batcher.submit(t * 1000 + i, 1, "a"));
      });
    }
    for (auto& th : threads) th.join();
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return seen.size() == 400; }));
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "a request ran twice";
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(overlaps.load(), 0) << "two batches ran at the same time";
}

TEST(DynamicBatcherTest, StopRunsWhatIsQueuedAndRefusesMore) {
  std::atomic<int> ran{0};
  DynamicBatcher<int> batcher(options(4, 60'000'000), [&](BatchQueue<int>::Batch&& b) {
    ran += static_cast<int>(b.items.size());
  });
  EXPECT_TRUE(batcher.submit(1, 1, "a"));
  batcher.stop();  // the 60 s delay is not waited for
  EXPECT_EQ(ran.load(), 1);
  EXPECT_FALSE(batcher.submit(2, 1, "a"));
}

}  // namespace
}  // namespace lightning::components::serve
