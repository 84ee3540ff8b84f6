// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/process_exits.hpp"

#include <utility>

#include "lightning/status.hpp"

namespace lightning::runtime {

ExitDecision decide_exit(const ProcessExit& ex, const ExitFacts& facts) {
  using Verdict = ExitDecision::Verdict;
  ExitDecision d;
  if (facts.had_call && !facts.stopping) {
    if (ex.drained) {
      d.verdict = Verdict::kInterrupt;
    } else if (facts.outside_signal) {
      d.verdict = Verdict::kFailWithSignal;
    } else {
      d.verdict = Verdict::kFail;
      d.reason = !facts.stop_cause.empty()     ? std::string(reason::kStartTimeout)
                 : ex.lost && facts.said_hello ? std::string(reason::kWorkerLost)
                 : !facts.said_hello || (!ex.error.empty() && !ex.signal && !ex.exit_code)
                     ? std::string(reason::kStartFailed)
                 : ex.signal ? std::string(reason::kSignal)
                             : std::string(reason::kExit);
      d.outside_signal = ex.signal && !ex.signal_from_runtime && facts.stop_cause.empty();
    }
  } else if (!facts.stopping && !facts.expected && facts.said_hello && !ex.drained) {
    // (An idle process its draining node stopped is no surprise.)
    d.verdict = Verdict::kWarnIdle;
  }
  return d;
}

DeferredExits::~DeferredExits() {
  for (const auto& [id, held] : held_) clock_.cancel(held.timer);
}

void DeferredExits::hold(uint64_t process_id, const ProcessExit& exit,
                         std::function<void(uint64_t, const ProcessExit&)> due) {
  const util::ClockInterface::TimerId timer =
      clock_.run_after(wait_, "Controller.StreamDrained", [this, process_id, due = std::move(due)] {
        auto it = held_.find(process_id);
        if (it == held_.end()) return;
        const ProcessExit held = it->second.exit;
        held_.erase(it);
        due(process_id, held);
      });
  held_[process_id] = Held{exit, timer};
}

std::optional<ProcessExit> DeferredExits::take(uint64_t process_id) {
  auto it = held_.find(process_id);
  if (it == held_.end()) return std::nullopt;
  clock_.cancel(it->second.timer);
  ProcessExit exit = it->second.exit;
  held_.erase(it);
  return exit;
}

}  // namespace lightning::runtime
