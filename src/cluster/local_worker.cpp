// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cluster/local_worker.hpp"

#include <utility>
#include <vector>

namespace lightning::cluster {

LocalWorker::LocalWorker(runtime::WorkLauncherInterface& launcher, WorkerEventSink& sink,
                         std::string id)
    : launcher_(launcher), sink_(sink), id_(std::move(id)) {
  auto attempt_of = [this](uint64_t process_id) {
    auto it = attempts_.find(process_id);
    return it == attempts_.end() ? uint64_t{0} : it->second;
  };
  launcher_.set_events(runtime::WorkLauncherInterface::Events{
      [this, attempt_of](uint64_t id, int pid) { sink_.on_started(id_, id, attempt_of(id), pid); },
      [this, attempt_of](uint64_t id, std::string_view line, bool is_stderr) {
        sink_.on_output(id_, id, attempt_of(id), line, is_stderr);
      },
      [this, attempt_of](uint64_t id, const runtime::ProcessExit& exit) {
        const uint64_t attempt = attempt_of(id);
        attempts_.erase(id);
        sink_.on_ended(id_, id, attempt, exit);
      },
      {}});
}

void LocalWorker::launch(const v1::LaunchOnWorker& launch) {
  attempts_[launch.request().process_id()] = launch.attempt();
  if (!controller_tls_) {
    launcher_.launch(launch.request());
    return;
  }
  v1::LaunchWorkRequest request = launch.request();
  *request.mutable_controller_tls() = *controller_tls_;
  launcher_.launch(request);
}

void LocalWorker::stop(uint64_t process_id, std::chrono::milliseconds grace) {
  launcher_.stop(process_id, grace);
}

void LocalWorker::kill_all() {
  std::vector<uint64_t> ids;
  ids.reserve(attempts_.size());
  for (const auto& [id, attempt] : attempts_) ids.push_back(id);
  for (uint64_t id : ids) launcher_.stop(id, std::chrono::milliseconds(0));
}

void LocalWorker::shutdown(const std::string& /*reason*/) { launcher_.shutdown(); }

}  // namespace lightning::cluster
