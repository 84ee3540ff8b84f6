// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/runtime_events.hpp"

namespace lightning::runtime {

/// What the controller does not keep about each work but its observers show:
/// the pid of its process (and whether it is alive), and when its latest call
/// started and ended running. A RuntimeEventObserver of the controller, owned
/// by whoever shows it (the HTTP API's components and metrics); loop thread only.
///
///   WorkActivity activity;
///   controller.add_event_observer(&activity);
///   const WorkActivity::Facts* f = activity.find(work);   // null: nothing happened yet
///   std::optional<double> d = activity.duration_s(work);
class WorkActivity final : public RuntimeEventObserver {
 public:
  struct Facts {
    int pid = -1;        ///< the latest process's pid; -1 before the first start
    bool alive = false;  ///< that process has not exited yet
    uint64_t call_id = 0;
    /// Unix µs when the latest call started running (its current attempt),
    /// and when it ended; nothing while it has not.
    std::optional<int64_t> started_us;
    std::optional<int64_t> ended_us;
  };

  /// `unix_now_us`: the wall clock (Unix µs) for the duration of a running call.
  explicit WorkActivity(std::function<int64_t()> unix_now_us = {});

  /// What is known of `work`; null when none of its calls or processes started.
  const Facts* find(const Work& work) const;
  /// Seconds the latest call ran: until now while it runs, until it ended
  /// once it did; nothing when it never ran.
  std::optional<double> duration_s(const Work& work) const;

  void on_call_status(const Work& work, const WorkStatus& status, bool is_latest) override;
  void on_process_started(const Work& work, int pid) override;
  void on_process_exited(const Work& work, int pid) override;

 private:
  std::function<int64_t()> unix_now_us_;
  std::unordered_map<const Work*, Facts> facts_;
};

}  // namespace lightning::runtime
