// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/status.hpp"

namespace lightning {

std::string_view to_string(WorkStage stage) {
  switch (stage) {
    case WorkStage::kNotStarted: return "not_started";
    case WorkStage::kPending: return "pending";
    case WorkStage::kRunning: return "running";
    case WorkStage::kSucceeded: return "succeeded";
    case WorkStage::kFailed: return "failed";
    case WorkStage::kStopped: return "stopped";
  }
  return "unknown";
}

Json WorkStatus::to_json() const {
  Json j{{"stage", to_string(stage)}, {"timestamp_us", timestamp_us}, {"call_id", call_id},
         {"attempt", attempt}};
  if (!reason.empty()) j["reason"] = reason;
  if (!message.empty()) j["message"] = message;
  if (exit_code) j["exit_code"] = *exit_code;
  if (signal) j["signal"] = *signal;
  return j;
}

}  // namespace lightning
