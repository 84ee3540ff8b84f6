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
  // Built in place, in key order (each insert at the end of the map), not
  // from an initializer list whose temporaries are copied once more: the
  // state publisher calls this on every status change of every work.
  Json j(Json::value_t::object);
  Json::object_t& o = *j.get_ptr<Json::object_t*>();
  o.emplace_hint(o.end(), "attempt", attempt);
  o.emplace_hint(o.end(), "call_id", call_id);
  if (exit_code) o.emplace_hint(o.end(), "exit_code", *exit_code);
  if (!message.empty()) o.emplace_hint(o.end(), "message", message);
  if (!reason.empty()) o.emplace_hint(o.end(), "reason", reason);
  if (signal) o.emplace_hint(o.end(), "signal", *signal);
  o.emplace_hint(o.end(), "stage", std::string(to_string(stage)));
  o.emplace_hint(o.end(), "timestamp_us", timestamp_us);
  return j;
}

}  // namespace lightning
