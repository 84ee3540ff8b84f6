// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/progress_watch.hpp"

#include <utility>

namespace lightning::runtime {
namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = std::to_string(ms % 1000);
    frac.insert(0, 3 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + " s";
}

}  // namespace

ProgressWatch::ProgressWatch(util::ClockInterface& clock, Options options, Hooks hooks)
    : clock_(clock), options_(options), hooks_(std::move(hooks)), timer_(clock) {}

void ProgressWatch::note_run() {
  if (stopped_) return;
  stalled_since_.reset();
  warned_ = false;
  timer_.start(options_.poll_period, "ProgressWatch.Poll", [this] { poll(); });
}

void ProgressWatch::stop() {
  stopped_ = true;
  timer_.cancel();
}

void ProgressWatch::poll() {
  if (stopped_) return;
  const auto now = clock_.now();
  if (hooks_.activity().can_progress()) {
    stalled_since_.reset();
  } else {
    if (!stalled_since_) stalled_since_ = now;
    const auto stalled_for = now - *stalled_since_;
    if (!warned_ && stalled_for >= options_.warn_after) {
      warned_ = true;
      hooks_.stalled("the app is stalled: " + explanation());
    }
    if (options_.idle_timeout.count() > 0 && stalled_for >= options_.idle_timeout) {
      stopped_ = true;
      hooks_.timed_out("the app made no progress for " + seconds_text(options_.idle_timeout) +
                       " (--idle-timeout): " + explanation());
      return;
    }
  }
  timer_.start(options_.poll_period, "ProgressWatch.Poll", [this] { poll(); });
}

std::string ProgressWatch::explanation() const {
  return "nothing can run the flow again (no call queued, running or retrying, no schedule_in() "
         "wake-up, no work process starting, no client subscribed to the state, no writable field "
         "or route for the HTTP API to change it), and it has not "
         "called stop(). Likely cause: the flow keeps its progress in a plain member instead of "
         "a State field (changing a plain member does not run the flow again; a State field "
         "does), or a schedule_in() is missing where the flow polls something outside the app. "
         "Fix that, or call stop() when the app is done";
}

}  // namespace lightning::runtime
