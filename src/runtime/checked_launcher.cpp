// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/checked_launcher.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace lightning::runtime {

void CheckedLauncher::set_events(Events events) {
  events_ = events;
  inner_.set_events(std::move(events));
}

void CheckedLauncher::launch(const v1::LaunchWorkRequest& request) {
  std::string why = check_.misfit(request);
  if (why.empty()) {
    inner_.launch(request);
    return;
  }
  const uint64_t id = request.process_id();
  spdlog::debug("{}: launch refused: {}", request.work_path(), why);
  refused_.insert(id);
  loop_.post("CheckedLauncher.Refused", [this, id, why = std::move(why)] {
    refused_.erase(id);
    ProcessExit exit;
    exit.error = why;
    if (events_.exited) events_.exited(id, exit);
  });
}

void CheckedLauncher::stop(uint64_t process_id, std::chrono::milliseconds grace) {
  if (refused_.count(process_id) != 0) return;  // nothing runs; its exit is on its way
  inner_.stop(process_id, grace);
}

std::string LocalComputeCheck::misfit(const v1::LaunchWorkRequest& request) const {
  if (request.compute_json().empty()) return "";
  const Json j = Json::parse(request.compute_json(), nullptr, false);
  try {
    return scheduler::local_misfit(Compute::from_json(j), local_);
  } catch (const std::invalid_argument& e) {
    return std::string("its compute request is unreadable: ") + e.what();
  }
}

}  // namespace lightning::runtime
