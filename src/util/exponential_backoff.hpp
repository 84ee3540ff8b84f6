// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <chrono>

namespace lightning::util {

/// The one backoff of the runtime (after Ray's ExponentialBackOff): the n-th
/// wait (n from 0) is initial * 2^n, capped at `max`. Used by a call's
/// automatic retries and by the re-run backoff of a finally failed call.
/// A value type; any thread.
///
///   ExponentialBackoff b(100ms, 5min);
///   b.nth(0) == 100ms;  b.nth(3) == 800ms;  b.nth(40) == 5min
class ExponentialBackoff {
 public:
  using Duration = std::chrono::milliseconds;
  static constexpr int kMaxDoublings = 16;

  explicit ExponentialBackoff(Duration initial, Duration max = Duration::max())
      : initial_(initial), max_(max) {}

  Duration nth(int n) const {
    const int doublings = std::clamp(n, 0, kMaxDoublings);
    return std::min<Duration>(initial_ * (int64_t{1} << doublings), max_);
  }

 private:
  Duration initial_;
  Duration max_;
};

}  // namespace lightning::util
