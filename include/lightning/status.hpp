// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lightning/json.hpp"

namespace lightning {

/// Lifecycle of a work call: not_started -> pending -> running -> one of
/// succeeded | failed | stopped. A call waiting for an automatic retry is pending.
enum class WorkStage { kNotStarted, kPending, kRunning, kSucceeded, kFailed, kStopped };

std::string_view to_string(WorkStage stage);

/// Why a call failed or stopped.
namespace reason {
inline constexpr std::string_view kException = "exception";  // Work::run threw; message = what()
inline constexpr std::string_view kExit = "exit";            // process exited; see exit_code
inline constexpr std::string_view kSignal = "signal";        // process killed; see signal
inline constexpr std::string_view kTimeout = "timeout";      // WorkOptions::timeout elapsed
inline constexpr std::string_view kStartFailed = "start_failed";    // process could not start
inline constexpr std::string_view kStartTimeout = "start_timeout";  // not connected in time
// the lightning-worker it ran on was lost (no heartbeat within --worker-heartbeat-timeout)
inline constexpr std::string_view kWorkerLost = "worker_lost";
// pending: its process waits for descriptors or processes (message says which)
inline constexpr std::string_view kWaitingForResources = "waiting_for_resources";
inline constexpr std::string_view kStopped = "stopped";    // Work::stop() or app shutdown
inline constexpr std::string_view kRetrying = "retrying";  // pending: an automatic retry is due
}  // namespace reason

/// The status of one work call, as the flow sees it.
struct WorkStatus {
  WorkStage stage = WorkStage::kNotStarted;
  int64_t timestamp_us = 0;  ///< Unix time (µs) when this stage was entered.
  std::string reason;        ///< One of lightning::reason; empty when none applies.
  std::string message;       ///< what(), or exit code/signal + last 50 lines of stderr.
  uint64_t call_id = 0;      ///< Id of the call (per work, starts at 1); 0 before any call.
  int attempt = 0;           ///< 1 for the first try, 2.. for automatic retries.
  std::optional<int> exit_code;
  std::optional<int> signal;

  bool is_pending() const { return stage == WorkStage::kPending; }
  bool is_running() const { return stage == WorkStage::kRunning; }
  bool has_succeeded() const { return stage == WorkStage::kSucceeded; }
  bool has_failed() const { return stage == WorkStage::kFailed; }
  bool has_stopped() const { return stage == WorkStage::kStopped; }
  /// succeeded, failed or stopped.
  bool is_done() const { return has_succeeded() || has_failed() || has_stopped(); }

  Json to_json() const;
};

}  // namespace lightning
