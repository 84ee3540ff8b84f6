// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/work_process_supervisor.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace lightning::runtime {

void WorkProcessSupervisor::launch(WorkProcess& p, v1::LaunchWorkRequest request) {
  p.state = WorkProcess::State::kLaunching;
  p.id = ++next_id_;
  p.said_hello = false;
  p.pid = -1;
  live_[p.id] = &p;
  request.set_process_id(p.id);
  launcher_.launch(request);
  const uint64_t id = p.id;
  p.start_timer.start(start_timeout_, "WorkProcessSupervisor.StartTimeout", [this, &p, id] {
    if (p.id != id || p.state != WorkProcess::State::kLaunching) return;
    spdlog::error("work process of {} did not connect within {} ms", p.work->path(),
                  start_timeout_.count());
    stop(p, std::chrono::milliseconds(0));
  });
}

void WorkProcessSupervisor::connected(WorkProcess& p, std::shared_ptr<rpc::WorkSession> session,
                                      int pid) {
  p.start_timer.cancel();
  if (p.pid <= 0) p.pid = pid;
  session->process_id = p.id;
  p.session = std::move(session);
  p.said_hello = true;
  p.state = WorkProcess::State::kConnected;
}

void WorkProcessSupervisor::disconnected(WorkProcess& p, std::chrono::milliseconds grace) {
  p.session.reset();
  if (p.state == WorkProcess::State::kConnected) {
    spdlog::debug("{}: stream closed; waiting for the process to exit", p.work->path());
    stop(p, grace);
  }
}

void WorkProcessSupervisor::stop(WorkProcess& p, std::chrono::milliseconds grace) {
  if (p.state == WorkProcess::State::kNone) return;
  if (p.state == WorkProcess::State::kConnected && p.session) {
    // Told on the stream first, so lightning::stop_requested() turns true in
    // the work the same way wherever the process runs; then the launcher's
    // SIGTERM (for works that do not ask), and SIGKILL after `grace`.
    v1::ControllerMessage m;
    m.mutable_stop()->set_grace_period_ms(grace.count());
    p.session->send(std::move(m));
  }
  p.state = WorkProcess::State::kStopping;
  launcher_.stop(p.id, grace);
}

void WorkProcessSupervisor::stop_all_now() {
  // Copied first: a stop may end a process, and so change live_, before it returns.
  std::vector<uint64_t> ids;
  ids.reserve(live_.size());
  for (const auto& [id, p] : live_) ids.push_back(id);
  for (uint64_t id : ids) launcher_.stop(id, std::chrono::milliseconds(0));
}

void WorkProcessSupervisor::started(uint64_t id, int pid) {
  auto it = live_.find(id);
  if (it != live_.end()) it->second->pid = pid;
}

std::optional<WorkProcessSupervisor::Exit> WorkProcessSupervisor::exited(uint64_t id) {
  auto it = live_.find(id);
  if (it == live_.end()) return std::nullopt;
  WorkProcess& p = *it->second;
  live_.erase(it);
  Exit exit{&p, p.state == WorkProcess::State::kStopping, p.id == id};
  if (exit.was_latest) {
    p.state = WorkProcess::State::kNone;
    if (p.session) p.session->close(grpc::Status(grpc::StatusCode::CANCELLED, "process exited"));
    p.session.reset();
    p.pid = -1;
    p.start_timer.cancel();
  }
  return exit;
}

WorkProcess* WorkProcessSupervisor::find(uint64_t id) const {
  auto it = live_.find(id);
  return it == live_.end() ? nullptr : it->second;
}

}  // namespace lightning::runtime
