// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/work_process_supervisor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "scheduler/scheduler.hpp"

namespace lightning::runtime {

namespace {
// What a hold's reason is about: "waiting for file descriptors", without the counts.
std::string kind_of(const std::string& reason) { return reason.substr(0, reason.find(':')); }

// "30 s" for whole seconds, else "1500 ms".
std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}
}  // namespace

std::chrono::milliseconds WorkProcessSupervisor::start_timeout_of(const Work& work) const {
  const auto own = work.options().start_timeout();
  return own.count() > 0 ? own : start_timeout_;
}

void WorkProcessSupervisor::launch(WorkProcess& p, v1::LaunchWorkRequest request) {
  p.state = WorkProcess::State::kLaunching;
  p.id = ++next_id_;
  p.said_hello = false;
  p.pid = -1;
  p.stop_cause.clear();
  live_[p.id] = &p;
  request.set_process_id(p.id);
  if (budget_ != nullptr) {
    // Launches keep their order: none overtakes one already held.
    std::optional<ResourceBudget::Hold> hold;
    if (!held_.empty()) {
      hold = ResourceBudget::Hold{
          "waiting for earlier launches held by the resource budget (" + last_hold_.reason + ")",
          last_hold_.short_of_resources};
    } else {
      hold = budget_->try_start();
      if (hold) last_hold_ = *hold;
    }
    if (hold) {
      p.held = true;
      held_.push_back(Held{p.id, std::move(request)});
      spdlog::debug("{}: launch held: {}", p.work->path(), hold->reason);
      if (hooks_.held) hooks_.held(p, hold->reason);
      // Room is made as the held launches are looked at again (each exit and
      // connection, and the recheck): not once per launch of a wide fan-out.
      if (held_.size() == 1) make_room();
      if (!recheck_timer_.is_armed()) {
        recheck_timer_.start(kHeldRecheck, "WorkProcessSupervisor.RecheckHeld",
                             [this] { admit_held(); });
      }
      return;
    }
    counted_[p.id] = false;
  }
  launch_now(p, request);
}

void WorkProcessSupervisor::launch_now(WorkProcess& p, const v1::LaunchWorkRequest& request) {
  p.held = false;
  launcher_.launch(request);
  arm_start_timer(p);
}

void WorkProcessSupervisor::arm_start_timer(WorkProcess& p) {
  const uint64_t id = p.id;
  const auto timeout = start_timeout_of(*p.work);
  p.start_timer.start(timeout, "WorkProcessSupervisor.StartTimeout", [this, &p, id, timeout] {
    if (p.id != id || p.state != WorkProcess::State::kLaunching) return;
    p.stop_cause = "did not connect within " + duration_text(timeout) + " (start_timeout)";
    spdlog::debug("work process of {} {}; killing it", p.work->path(), p.stop_cause);
    stop(p, std::chrono::milliseconds(0));
  });
}

void WorkProcessSupervisor::admit_held() {
  while (!held_.empty()) {
    Held& h = held_.front();
    auto it = live_.find(h.id);
    if (it == live_.end() || !it->second->held) {
      held_.pop_front();
      continue;
    }
    if (auto hold = budget_->try_start()) {
      const bool new_kind = kind_of(hold->reason) != kind_of(last_hold_.reason);
      last_hold_ = *hold;
      if (new_kind) tell_held_why();
      break;
    }
    counted_[h.id] = false;
    WorkProcess& p = *it->second;
    const v1::LaunchWorkRequest request = std::move(h.request);
    held_.pop_front();
    launch_now(p, request);
  }
  if (held_.empty()) {
    recheck_timer_.cancel();
    return;
  }
  make_room();
  recheck_timer_.start(kHeldRecheck, "WorkProcessSupervisor.RecheckHeld", [this] { admit_held(); });
}

void WorkProcessSupervisor::tell_held_why() {
  if (!hooks_.held) return;
  bool first = true;
  for (const Held& h : held_) {
    auto it = live_.find(h.id);
    if (it == live_.end() || !it->second->held || it->second->id != h.id) continue;
    hooks_.held(*it->second, first ? last_hold_.reason
                                   : "waiting for earlier launches held by the resource budget (" +
                                         last_hold_.reason + ")");
    first = false;
  }
}

template <class Eligible>
void WorkProcessSupervisor::stop_idle(size_t wanted, const Eligible& eligible,
                                      const char* for_what) {
  if (wanted == 0) return;
  std::vector<WorkProcess*> idle;
  for (const auto& [id, p] : live_) {
    if (p->state == WorkProcess::State::kConnected && p->id == id && eligible(*p) &&
        hooks_.is_idle(*p)) {
      idle.push_back(p);
    }
  }
  // Oldest launches first.
  std::sort(idle.begin(), idle.end(),
            [](const WorkProcess* a, const WorkProcess* b) { return a->id < b->id; });
  for (WorkProcess* p : idle) {
    if (wanted == 0) break;
    spdlog::debug("{}: stopping its idle process to make room for {}", p->work->path(), for_what);
    reclaimed_.insert(p->id);
    stop(*p, p->work->options().grace_period());
    --wanted;
  }
}

void WorkProcessSupervisor::make_room() {
  if (!hooks_.is_idle || !last_hold_.short_of_resources) return;
  // One idle process stopped per held launch, counting those already stopping.
  const size_t wanted = held_.size() > reclaimed_.size() ? held_.size() - reclaimed_.size() : 0;
  stop_idle(
      wanted, [](const WorkProcess&) { return true; }, "held launches");
}

void WorkProcessSupervisor::connected(WorkProcess& p, std::shared_ptr<rpc::WorkSession> session,
                                      int pid) {
  p.start_timer.cancel();
  if (p.pid <= 0) p.pid = pid;
  session->process_id = p.id;
  p.session = std::move(session);
  p.said_hello = true;
  p.state = WorkProcess::State::kConnected;
  auto counted = counted_.find(p.id);
  if (counted != counted_.end() && !counted->second) {
    counted->second = true;
    budget_->connected();
    if (!held_.empty()) admit_held();  // one fewer starting: the next may start
  }
}

void WorkProcessSupervisor::disconnected(WorkProcess& p, std::chrono::milliseconds grace) {
  p.session.reset();
  if (p.state == WorkProcess::State::kConnected) {
    spdlog::debug("{}: stream closed; waiting for the process to exit", p.work->path());
    stop(p, grace);
  }
}

void WorkProcessSupervisor::drop_held(WorkProcess& p) {
  live_.erase(p.id);
  p.held = false;
  p.state = WorkProcess::State::kNone;
  p.start_timer.cancel();
  // Its entry in held_ is skipped when reached.
}

void WorkProcessSupervisor::stop(WorkProcess& p, std::chrono::milliseconds grace) {
  if (p.state == WorkProcess::State::kNone) return;
  if (p.held) return drop_held(p);
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
  for (uint64_t id : ids) {
    auto it = live_.find(id);
    if (it == live_.end()) continue;
    if (it->second->held && it->second->id == id) {
      drop_held(*it->second);
    } else {
      launcher_.stop(id, std::chrono::milliseconds(0));
    }
  }
}

void WorkProcessSupervisor::pending(uint64_t id, const std::string& reason) {
  auto it = live_.find(id);
  if (it == live_.end() || it->second->id != id) return;
  WorkProcess& p = *it->second;
  if (p.state != WorkProcess::State::kLaunching || p.held) return;
  if (reason.empty()) {
    waiting_placement_.erase(id);
    waiting_slot_.erase(id);
    arm_start_timer(p);  // placed: its start time begins now
    return;
  }
  p.start_timer.cancel();
  spdlog::debug("{}: waiting for a placement: {}", p.work->path(), reason);
  if (hooks_.held) hooks_.held(p, reason);
  if (reason.rfind("waiting for resources", 0) == 0) {
    waiting_placement_.insert(id);
    // Every work process holds a process slot, also one that asks for nothing.
    if (reason.find(scheduler::kProcessSlots) != std::string::npos) {
      waiting_slot_.insert(id);
    } else {
      waiting_slot_.erase(id);
    }
    reclaim_for_placements();
  } else {
    waiting_placement_.erase(id);  // fits no worker: stopping processes would not help
    waiting_slot_.erase(id);
  }
}

void WorkProcessSupervisor::reclaim_for_placements() {
  // Forget launches that ended or were placed meanwhile.
  for (auto it = waiting_placement_.begin(); it != waiting_placement_.end();) {
    auto live = live_.find(*it);
    const bool waiting = live != live_.end() && live->second->id == *it &&
                         live->second->state == WorkProcess::State::kLaunching;
    if (!waiting) waiting_slot_.erase(*it);
    it = waiting ? std::next(it) : waiting_placement_.erase(it);
  }
  if (waiting_placement_.empty() || !hooks_.is_idle) {
    placement_timer_.cancel();
    return;
  }
  size_t wanted = waiting_placement_.size() > reclaimed_.size()
                      ? waiting_placement_.size() - reclaimed_.size()
                      : 0;
  stop_idle(
      wanted,
      [this](const WorkProcess& p) {
        return !waiting_slot_.empty() || !p.work->options().compute().is_empty();
      },
      "works waiting for resources");
  // A process busy now may be idle later: look again while launches wait.
  placement_timer_.start(kHeldRecheck, "WorkProcessSupervisor.ReclaimForPlacements",
                         [this] { reclaim_for_placements(); });
}

void WorkProcessSupervisor::started(uint64_t id, int pid) {
  auto it = live_.find(id);
  if (it != live_.end()) it->second->pid = pid;
}

std::optional<WorkProcessSupervisor::Exit> WorkProcessSupervisor::exited(uint64_t id) {
  auto counted = counted_.find(id);
  if (counted != counted_.end()) {
    budget_->ended(counted->second);
    counted_.erase(counted);
  }
  reclaimed_.erase(id);
  auto it = live_.find(id);
  if (it == live_.end()) return std::nullopt;
  WorkProcess& p = *it->second;
  live_.erase(it);
  Exit exit{&p, p.state == WorkProcess::State::kStopping, p.id == id, std::string()};
  if (exit.was_latest) {
    exit.cause = p.stop_cause;
    exit.pid = p.pid;
    p.state = WorkProcess::State::kNone;
    if (p.session) p.session->close(grpc::Status(grpc::StatusCode::CANCELLED, "process exited"));
    p.session.reset();
    p.pid = -1;
    p.start_timer.cancel();
  }
  if (!held_.empty()) admit_held();
  return exit;
}

WorkProcess* WorkProcessSupervisor::find(uint64_t id) const {
  auto it = live_.find(id);
  return it == live_.end() ? nullptr : it->second;
}

}  // namespace lightning::runtime
