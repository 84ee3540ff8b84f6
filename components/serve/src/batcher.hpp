// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Dynamic batching in Triton's terms (max_batch_size, max_queue_delay,
// preferred_batch_size, a bounded queue), without libtorch:
//  - BatchQueue<T>: the policy and the queue, single-threaded, time given by
//    the caller (its unit tests drive time explicitly);
//  - DynamicBatcher<T>: BatchQueue behind a mutex, with the thread that runs
//    each batch (ServeWork's batcher thread). docs/components/serve.md.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lightning::components::serve {

using Clock = std::chrono::steady_clock;

struct BatcherOptions {
  /// Most rows (sum of the requests' dimension 0) in one batch; 1: no batching.
  int64_t max_batch_size = 64;
  /// How long the oldest queued request may wait for others to join it, µs.
  std::chrono::microseconds max_queue_delay{500};
  /// Batch sizes to dispatch at once when reached (Triton's preferred_batch_size).
  std::vector<int64_t> preferred_batch_sizes;
  /// Queued requests at most; push() refuses one more.
  size_t max_queue_size = 4096;
};

/// The queue and the batching policy. Requests join a batch only with others
/// of the same `key` (their non-batch dimensions and datatypes), in arrival
/// order, starting from the oldest request. A batch is dispatched when:
///  - it is full: the rows reach max_batch_size, or the next same-key request
///    does not fit;
///  - else its rows equal a preferred batch size (the largest one reached);
///  - else the oldest request has waited max_queue_delay (or `flush`).
/// Not thread-safe (DynamicBatcher locks around it).
template <class T>
class BatchQueue {
 public:
  explicit BatchQueue(BatcherOptions options) : options_(std::move(options)) {
    std::sort(options_.preferred_batch_sizes.begin(), options_.preferred_batch_sizes.end());
  }

  /// Queues a request of `rows` rows (1 <= rows <= max_batch_size). False when
  /// the queue holds max_queue_size requests already.
  bool push(T item, int64_t rows, std::string key, Clock::time_point now) {
    if (queue_.size() >= options_.max_queue_size) return false;
    queue_.push_back(Entry{std::move(item), rows, std::move(key), now});
    rows_ += rows;
    return true;
  }

  struct Batch {
    std::vector<T> items;
    std::vector<Clock::time_point> enqueued;  ///< per item
    int64_t rows = 0;
  };

  /// The next batch due at `now`, taken out of the queue; or nullopt, and
  /// *wake_at is when one will be due at the latest (max() for an empty queue).
  std::optional<Batch> next_batch(Clock::time_point now, Clock::time_point* wake_at,
                                  bool flush = false) {
    *wake_at = Clock::time_point::max();
    if (queue_.empty()) return std::nullopt;
    const std::string& key = queue_.front().key;
    std::vector<size_t> picked;
    int64_t rows = 0;
    bool full = false;
    size_t preferred_prefix = 0;  // picked[0, preferred_prefix) sums to a preferred size
    for (size_t i = 0; i < queue_.size(); ++i) {
      if (queue_[i].key != key) continue;
      if (rows + queue_[i].rows > options_.max_batch_size) {
        full = true;
        break;
      }
      rows += queue_[i].rows;
      picked.push_back(i);
      if (std::binary_search(options_.preferred_batch_sizes.begin(),
                             options_.preferred_batch_sizes.end(), rows)) {
        preferred_prefix = picked.size();
      }
      if (rows == options_.max_batch_size) {
        full = true;
        break;
      }
    }
    const auto due = queue_.front().enqueued + options_.max_queue_delay;
    if (!full && !flush && now < due) {
      if (preferred_prefix == 0) {
        *wake_at = due;
        return std::nullopt;
      }
      picked.resize(preferred_prefix);
    }
    Batch batch;
    for (size_t k = 0; k < picked.size(); ++k) {
      auto& e = queue_[picked[k]];
      batch.rows += e.rows;
      batch.items.push_back(std::move(e.item));
      batch.enqueued.push_back(e.enqueued);
    }
    for (size_t k = picked.size(); k-- > 0;) {
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(picked[k]));
    }
    rows_ -= batch.rows;
    return batch;
  }

  size_t size() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }
  /// Rows queued, all keys together.
  int64_t rows() const { return rows_; }
  const BatcherOptions& options() const { return options_; }

 private:
  struct Entry {
    T item;
    int64_t rows;
    std::string key;
    Clock::time_point enqueued;
  };
  BatcherOptions options_;
  std::deque<Entry> queue_;
  int64_t rows_ = 0;
};

/// A BatchQueue with the thread that executes its batches. submit() is
/// thread-safe (the HTTP loop calls it); `execute` runs on the batcher's own
/// thread, one batch at a time. stop() (or the destructor) executes what is
/// queued, then joins the thread.
template <class T>
class DynamicBatcher {
 public:
  using Execute = std::function<void(typename BatchQueue<T>::Batch&&)>;

  DynamicBatcher(BatcherOptions options, Execute execute)
      : queue_(std::move(options)), execute_(std::move(execute)), thread_([this] { loop(); }) {}
  ~DynamicBatcher() { stop(); }
  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  /// False when the queue is full (or the batcher stopped): answer 503.
  ///
  /// A request that is a due batch on its own (rows == max_batch_size, or
  /// max_queue_delay 0) while nothing is queued and the batcher thread waits
  /// idle runs at once on the calling thread, before submit() returns: no
  /// hand-off to the batcher thread and back, which is most of a request's
  /// latency at low load. Only at low load: when the caller has been idle
  /// since the last such run for at least as long as that run took (under
  /// 50% busy), so that under load the caller (ServeWork's HTTP thread) keeps
  /// reading requests while the batcher thread computes; or when the caller
  /// says no other request can be waiting (`sole_client`: ServeWork's server
  /// has one connection open), since then there is nothing to read meanwhile.
  /// Batches still never run two at a time: the batcher thread does not start
  /// one meanwhile.
  bool submit(T item, int64_t rows, std::string key, bool sole_client = false) {
    bool wake = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stopping_) return false;
      const auto& o = queue_.options();
      const auto now = Clock::now();
      if (waiting_ && !running_inline_ && queue_.empty() &&
          (rows >= o.max_batch_size || o.max_queue_delay.count() == 0) &&
          (sole_client || now - last_inline_end_ >= last_inline_took_)) {
        running_inline_ = true;
        lock.unlock();
        run_inline(std::move(item), rows, now);
        return true;
      }
      if (!queue_.push(std::move(item), rows, std::move(key), Clock::now())) return false;
      // Wake the batcher only when it waits and this can make a batch due
      // sooner: a first request (a new deadline), enough rows for a full
      // batch, or a preferred size. A busy batcher looks at the queue anyway
      // when its batch is done: no futex call per request then.
      wake = waiting_ && !running_inline_ &&
             (queue_.size() == 1 || queue_.rows() >= o.max_batch_size ||
              !o.preferred_batch_sizes.empty());
    }
    if (wake) cv_.notify_one();
    return true;
  }

  /// Whether the batcher thread waits with nothing queued and nothing running
  /// (what makes the next due request run on its caller's thread).
  bool idle() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_ && !running_inline_ && queue_.empty();
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ && !thread_.joinable()) return;
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  void run_inline(T item, int64_t rows, Clock::time_point start) {
    typename BatchQueue<T>::Batch batch;
    batch.items.push_back(std::move(item));
    batch.enqueued.push_back(start);
    batch.rows = rows;
    struct Done {
      DynamicBatcher* self;
      Clock::time_point start;
      ~Done() {
        {
          std::lock_guard<std::mutex> lock(self->mu_);
          self->running_inline_ = false;
          self->last_inline_end_ = Clock::now();
          self->last_inline_took_ = self->last_inline_end_ - start;
        }
        // What was queued meanwhile (or a stop) is the batcher thread's now.
        self->cv_.notify_one();
      }
    } done{this, start};
    execute_(std::move(batch));
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (running_inline_) {  // a caller runs a batch: one at a time
        waiting_ = true;
        cv_.wait(lock);
        waiting_ = false;
        continue;
      }
      Clock::time_point wake_at;
      auto batch = queue_.next_batch(Clock::now(), &wake_at, stopping_);
      if (batch) {
        lock.unlock();
        execute_(std::move(*batch));
        lock.lock();
        continue;
      }
      if (stopping_) return;  // and the queue is empty
      waiting_ = true;
      if (wake_at == Clock::time_point::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, wake_at);
      }
      waiting_ = false;
    }
  }

  mutable std::mutex mu_;  // guards queue_, stopping_, waiting_, running_inline_
  std::condition_variable cv_;
  BatchQueue<T> queue_;
  bool stopping_ = false;
  bool waiting_ = false;  // the batcher thread is in cv_.wait*
  bool running_inline_ = false;  // a submit() runs a batch on its caller's thread
  Clock::time_point last_inline_end_{};  // when the last inline run ended
  Clock::duration last_inline_took_{};   // and how long it took
  Execute execute_;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace lightning::components::serve
