// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lightning/flow.hpp"
#include "lightning/status.hpp"
#include "runtime/state_publisher.hpp"
#include "runtime/terminal.hpp"
#include "util/clock.hpp"
#include "util/works_table.hpp"

namespace lightning::runtime {

/// How a running app shows its works on the terminal (the app's --quiet,
/// lightning-run's --quiet).
enum class WorksDisplay {
  kOff,    ///< nothing
  kLines,  ///< one log line per status change (stdout is not a terminal)
  kTable,  ///< a live table at the bottom of the terminal, redrawn in place
};

/// kTable when `stdout_is_terminal` and `term` is not "dumb", else kLines;
/// kOff when `quiet`.
WorksDisplay choose_works_display(bool quiet, bool stdout_is_terminal, const std::string& term);

/// Shows the app's works while it runs: in kTable, the live table of works
/// (path, status, duration, attempt) as the Terminal's footer, redrawn every
/// kTick (statuses seen, durations grown; at most 4 redraws a second however
/// fast works change); in kLines, an info log line
/// per status change ("root.train: succeeded in 1.2s").
///
/// A StateObserver of the controller's publisher: each status op of a batch
/// (and each work joining) is looked at, through an index from JSON pointers
/// to works, so a batch costs O(its ops), not O(works); field changes are
/// skipped. Owned by AppHost; lives on the
/// controller's loop thread, like the flow tree it reads.
class WorksView final : public StateObserver {
 public:
  static constexpr std::chrono::milliseconds kTick{250};
  /// At most this many works in the table; a last line counts the others.
  static constexpr size_t kMaxRows = 20;
  /// The current Unix time in µs (WorkStatus::timestamp_us's clock).
  using UnixNow = std::function<int64_t()>;

  WorksView(WorksDisplay display, const Flow& root, util::ClockInterface& clock, Terminal& terminal,
            UnixNow unix_now_us);
  WorksView(const WorksView&) = delete;
  WorksView& operator=(const WorksView&) = delete;

  /// Shows the works as they are and starts the ticks.
  void start();
  /// Draws the table a last time and leaves it on the screen (the app's end).
  void finish();

  void on_state_batch(const StateBatch& batch) override;

  /// The works in tree order (a flow's works, then its flows'), as shown.
  std::vector<util::WorkRow> rows() const;

 private:
  struct Seen {
    WorkStage stage = WorkStage::kNotStarted;
    uint64_t call_id = 0;
    int attempt = 0;
    int64_t running_since_us = 0;  // when this call started running; 0: not seen
    int64_t ended_us = 0;          // when it ended; 0: not ended
    std::string waiting;           // while pending: why it waits, digits left out
  };
  void refresh();
  void observe(const Work& work);
  void draw();
  void tick();

  const WorksDisplay display_;
  const Flow& root_;
  Terminal& terminal_;
  UnixNow unix_now_us_;
  util::Timer timer_;
  std::unordered_map<const Work*, Seen> seen_;  // works are never removed from the tree
  std::unordered_map<std::string, const Work*> by_pointer_;  // "/works/a" -> a
  bool finished_ = false;
};

/// Unix time now in µs, from the system clock.
int64_t system_unix_now_us();

}  // namespace lightning::runtime
