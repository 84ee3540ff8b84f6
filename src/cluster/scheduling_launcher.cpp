// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cluster/scheduling_launcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "lightning/json.hpp"

namespace lightning::cluster {

namespace {

std::string join_gpus(const std::vector<int>& gpus) {
  std::string out;
  for (int g : gpus) out += (out.empty() ? "" : ",") + std::to_string(g);
  return out;
}

}  // namespace

SchedulingLauncher::SchedulingLauncher(util::EventLoop& loop, SchedulingLauncherOptions options)
    : loop_(loop),
      options_(std::move(options)),
      scheduler_(loop.clock(), options_.scheduler),
      liveness_timer_(loop.clock()) {
  liveness_timer_.start(options_.liveness_interval, "SchedulingLauncher.Liveness",
                        [this] { check_liveness(); });
}

SchedulingLauncher::~SchedulingLauncher() { *alive_ = false; }

void SchedulingLauncher::set_events(Events events) { events_ = std::move(events); }

void SchedulingLauncher::launch(const v1::LaunchWorkRequest& request) {
  const uint64_t id = request.process_id();
  Compute compute;
  if (!request.compute_json().empty()) {
    const Json j = Json::parse(request.compute_json(), nullptr, false);
    try {
      compute = Compute::from_json(j);
    } catch (const std::invalid_argument& e) {
      return exit_later(id, std::string("its compute request is unreadable: ") + e.what());
    }
  }
  if (shut_down_) return exit_later(id, "the launcher is shut down");
  if (options_.never_fits) {
    std::string why = options_.never_fits(compute);
    if (!why.empty()) {
      spdlog::debug("{}: launch refused: {}", request.work_path(), why);
      return exit_later(id, std::move(why));
    }
  }
  if (by_work_.count(request.work_path()) != 0) {
    return exit_later(id, "another process of " + request.work_path() + " is still placed");
  }
  scheduler::WorkRequest wr;
  wr.work = request.work_path();
  wr.compute = compute;
  if (!scheduler_.submit(std::move(wr))) {
    return exit_later(id, "the scheduler refused " + request.work_path());
  }
  Proc& p = procs_[id];
  p.request = request;
  p.compute = compute;
  by_work_[request.work_path()] = id;
  schedule_soon();
}

void SchedulingLauncher::stop(uint64_t process_id, std::chrono::milliseconds grace) {
  auto it = procs_.find(process_id);
  if (it == procs_.end()) return;  // ended, or its exit is on its way
  Proc& p = it->second;
  if (p.state == Proc::State::kPending) {
    scheduler_.cancel(p.request.work_path());
    by_work_.erase(p.request.work_path());
    procs_.erase(it);
    exit_later(process_id, "stopped before it was placed on a worker");
    return;
  }
  auto w = workers_.find(p.worker);
  if (w != workers_.end() && w->second.connected) w->second.executor->stop(process_id, grace);
}

void SchedulingLauncher::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  liveness_timer_.cancel();
  for (auto& [id, w] : workers_) {
    if (!w.connected) continue;
    w.executor->kill_all();
    w.executor->shutdown("the app ended");
  }
}

// ------------------------------------------------------------------ workers

scheduler::Registration SchedulingLauncher::add_worker(WorkerInfo info,
                                                       std::unique_ptr<WorkerExecutor> executor,
                                                       bool always_alive) {
  scheduler::Registration reg = scheduler_.add_worker(info.name, info.resources);
  info.id = reg.id;
  info.last_heartbeat_unix_us = options_.unix_now_us ? options_.unix_now_us() : 0;
  spdlog::info(
      "worker '{}' joined: {} CPUs, {}, {} GPUs{}{}{}", reg.id,
      format_cpus(info.resources.milli_cpus), format_memory(info.resources.memory_bytes),
      info.resources.gpus.size(),
      info.resources.max_processes > 0
          ? ", at most " + std::to_string(info.resources.max_processes) + " work processes"
          : "",
      info.hostname.empty() ? "" : " on " + info.hostname,
      info.certificate.empty() ? "" : " (TLS client certificate CN=" + info.certificate + ")");
  Worker& w = workers_[reg.id];
  w.info = std::move(info);
  w.executor = std::move(executor);
  w.always_alive = always_alive;
  take_back(reg.lost);
  schedule_soon();
  return reg;
}

bool SchedulingLauncher::name_held_by_another(const std::string& name, const std::string& hostname,
                                              int64_t pid) const {
  for (const auto& [id, w] : workers_) {
    if (w.info.name == name && w.connected && !w.info.draining &&
        (w.info.hostname != hostname || w.info.pid != pid)) {
      return true;
    }
  }
  return false;
}

bool SchedulingLauncher::heartbeat(const std::string& id) {
  auto it = workers_.find(id);
  // A draining worker is out of the scheduler but still beats while its works stop.
  if (!scheduler_.heartbeat(id) && (it == workers_.end() || !it->second.info.draining)) {
    return false;
  }
  if (it != workers_.end() && options_.unix_now_us) {
    it->second.info.last_heartbeat_unix_us = options_.unix_now_us();
  }
  return true;
}

void SchedulingLauncher::drain_worker(const std::string& id, const std::string& reason,
                                      std::chrono::milliseconds grace) {
  auto it = workers_.find(id);
  if (it == workers_.end() || it->second.info.draining) return;
  Worker& w = it->second;
  w.info.draining = true;
  w.info.draining_reason = reason;
  const std::string why = "worker '" + id + "' is draining: " + reason;
  spdlog::warn("{}", why);
  // Nothing new goes there; what runs there is stopped and re-placed when it ends.
  for (const scheduler::LostWork& lw : scheduler_.remove_worker(id)) {
    auto p = by_work_.find(lw.work);
    if (p == by_work_.end()) continue;
    Proc& proc = procs_.at(p->second);
    if (proc.attempt != lw.attempt || proc.worker != lw.worker) continue;
    proc.state = Proc::State::kDraining;
    proc.reason = why;
    if (w.connected) w.executor->stop(p->second, grace);
  }
  if (!w.connected) worker_disconnected(id);
  schedule_soon();
}

void SchedulingLauncher::worker_disconnected(const std::string& id) {
  auto it = workers_.find(id);
  if (it == workers_.end()) return;
  it->second.connected = false;
  std::vector<uint64_t> draining;
  for (const auto& [pid, p] : procs_) {
    if (p.worker == id && p.state == Proc::State::kDraining) draining.push_back(pid);
  }
  for (uint64_t pid : draining) {
    runtime::ProcessExit exit;
    exit.error = procs_.at(pid).reason;
    exit.drained = true;
    end(pid, exit);
  }
  // A draining worker is gone for good; a live one may still be declared lost.
  if (it->second.info.draining) workers_.erase(it);
}

void SchedulingLauncher::check_liveness() {
  for (const auto& [id, w] : workers_) {
    if (w.always_alive) scheduler_.heartbeat(id);
  }
  const std::vector<scheduler::LostWork> lost = scheduler_.check_liveness();
  // Workers the scheduler no longer knows (lost) leave the list.
  const std::vector<scheduler::WorkerId> live = scheduler_.workers();
  for (auto it = workers_.begin(); it != workers_.end();) {
    const bool known = std::find(live.begin(), live.end(), it->first) != live.end();
    if (!known && !it->second.info.draining) {
      spdlog::warn("worker '{}' lost: no heartbeat for {} ms", it->first,
                   options_.scheduler.heartbeat_timeout.count());
      if (it->second.connected) it->second.executor->kill_all();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  take_back(lost);
  if (!lost.empty()) schedule_soon();
  hint_when_no_worker();
  if (!shut_down_) {
    liveness_timer_.start(options_.liveness_interval, "SchedulingLauncher.Liveness",
                          [this] { check_liveness(); });
  }
}

void SchedulingLauncher::hint_when_no_worker() {
  if (options_.join_hint.empty()) return;
  const bool waiting = workers_.empty() && !procs_.empty();
  if (!waiting) {
    no_worker_since_.reset();
    return;
  }
  const auto now = loop_.clock().now();
  if (!no_worker_since_) {
    no_worker_since_ = now;
    next_hint_ = now + options_.no_worker_hint_after;
    return;
  }
  if (now < next_hint_) return;
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - *no_worker_since_);
  spdlog::warn("{} works wait and no worker has joined in {} s: start one with {}", procs_.size(),
               waited.count(), options_.join_hint);
  next_hint_ = now + (now - *no_worker_since_);  // then as long again: 30 s, 60 s, 120 s, ...
}

void SchedulingLauncher::take_back(const std::vector<scheduler::LostWork>& lost) {
  for (const scheduler::LostWork& lw : lost) {
    auto p = by_work_.find(lw.work);
    if (p == by_work_.end()) continue;
    const Proc& proc = procs_.at(p->second);
    if (proc.state != Proc::State::kPlaced || proc.attempt != lw.attempt) continue;
    spdlog::warn("{}: {}", lw.work, lw.reason);
    runtime::ProcessExit exit;
    exit.error = lw.reason;
    exit.lost = true;
    end(p->second, exit);
  }
}

// ------------------------------------------------------------------ placing

void SchedulingLauncher::schedule_soon() {
  if (schedule_posted_) return;
  schedule_posted_ = true;
  loop_.post("SchedulingLauncher.Schedule", [this, alive = alive_] {
    if (!*alive) return;
    schedule_posted_ = false;
    schedule_now();
  });
}

void SchedulingLauncher::schedule_now() {
  if (shut_down_) return;
  for (const scheduler::Placement& pl : scheduler_.schedule()) place(pl);
  refuse_misfits();
  if (!events_.pending) return;
  std::vector<std::pair<uint64_t, std::string>> changed;
  for (auto& [id, p] : procs_) {
    if (p.state != Proc::State::kPending) continue;
    std::string reason = scheduler_.pending_reason(p.request.work_path());
    if (reason.empty() || reason == p.reason) continue;
    p.reason = reason;
    changed.emplace_back(id, std::move(reason));
  }
  for (const auto& [id, reason] : changed) events_.pending(id, reason);
}

void SchedulingLauncher::refuse_misfits() {
  if (!options_.workers_complete) return;
  std::vector<uint64_t> misfits;
  for (const auto& [id, p] : procs_) {
    if (p.state == Proc::State::kPending && !scheduler_.fits_some_worker(p.request.work_path())) {
      misfits.push_back(id);
    }
  }
  if (misfits.empty()) return;
  const std::string complete = options_.workers_complete();
  if (complete.empty()) return;
  for (uint64_t id : misfits) {
    const std::string work = procs_.at(id).request.work_path();
    const std::string why = scheduler_.pending_reason(work) + "; " + complete + ", so it can never run";
    spdlog::error("{}: {}", work, why);
    scheduler_.cancel(work);
    runtime::ProcessExit exit;
    exit.error = why;
    end(id, exit);
  }
}

void SchedulingLauncher::place(const scheduler::Placement& pl) {
  auto p = by_work_.find(pl.work);
  auto w = workers_.find(pl.worker);
  if (p == by_work_.end() || w == workers_.end()) {
    scheduler_.release(pl.work, pl.attempt);
    return;
  }
  const uint64_t id = p->second;
  Proc& proc = procs_.at(id);
  proc.state = Proc::State::kPlaced;
  proc.worker = pl.worker;
  proc.attempt = pl.attempt;
  const bool was_told_pending = !proc.reason.empty();
  proc.reason.clear();
  v1::LaunchOnWorker launch;
  *launch.mutable_request() = proc.request;
  launch.set_attempt(pl.attempt);
  for (int g : pl.gpus) launch.add_gpus(g);
  auto& env = *launch.mutable_request()->mutable_env();
  if (proc.compute.gpus() > 0) {
    env["CUDA_VISIBLE_DEVICES"] = join_gpus(pl.gpus);
  } else if (!w->second.info.local ||
             (!proc.compute.is_empty() && !w->second.info.resources.gpus.empty())) {
    // On a cluster's worker a work sees only the GPUs pinned to it: none here,
    // whatever the worker's own environment holds (Slurm sets the
    // allocation's). On this machine a work that asks for nothing keeps the
    // environment it would have had without a scheduler.
    env["CUDA_VISIBLE_DEVICES"] = "";
  }
  last_placement_[pl.work] = {pl.worker, w->second.info.hostname, pl.gpus};
  spdlog::debug("{}: placed on worker '{}' (attempt {}{})", pl.work, pl.worker, pl.attempt,
                pl.gpus.empty() ? "" : ", GPUs " + join_gpus(pl.gpus));
  if (was_told_pending && events_.pending) events_.pending(id, "");
  w->second.executor->launch(launch);
}

void SchedulingLauncher::end(uint64_t process_id, const runtime::ProcessExit& exit) {
  auto it = procs_.find(process_id);
  if (it == procs_.end()) return;
  const std::string work = it->second.request.work_path();
  if (it->second.state == Proc::State::kPlaced) scheduler_.release(work, it->second.attempt);
  auto b = by_work_.find(work);
  if (b != by_work_.end() && b->second == process_id) by_work_.erase(b);
  procs_.erase(it);
  if (events_.exited) events_.exited(process_id, exit);
  schedule_soon();
}

void SchedulingLauncher::exit_later(uint64_t process_id, std::string error) {
  loop_.post("SchedulingLauncher.Refused",
             [this, alive = alive_, process_id, error = std::move(error)] {
               if (!*alive) return;
               runtime::ProcessExit exit;
               exit.error = error;
               if (events_.exited) events_.exited(process_id, exit);
             });
}

// ------------------------------------------------------------------ events

SchedulingLauncher::Proc* SchedulingLauncher::current(const std::string& worker,
                                                      uint64_t process_id, uint64_t attempt) {
  auto it = procs_.find(process_id);
  if (it == procs_.end() || it->second.state == Proc::State::kPending ||
      it->second.worker != worker || it->second.attempt != attempt) {
    spdlog::debug("dropped a report from worker '{}' about process {} attempt {}: not current",
                  worker, process_id, attempt);
    return nullptr;
  }
  return &it->second;
}

void SchedulingLauncher::on_started(const std::string& worker, uint64_t process_id,
                                    uint64_t attempt, int pid) {
  if (current(worker, process_id, attempt) == nullptr) return;
  if (events_.started) events_.started(process_id, pid);
}

void SchedulingLauncher::on_output(const std::string& worker, uint64_t process_id, uint64_t attempt,
                                   std::string_view line, bool is_stderr) {
  if (current(worker, process_id, attempt) == nullptr) return;
  if (events_.output) events_.output(process_id, line, is_stderr);
}

void SchedulingLauncher::on_ended(const std::string& worker, uint64_t process_id, uint64_t attempt,
                                  const runtime::ProcessExit& exit) {
  Proc* p = current(worker, process_id, attempt);
  if (p == nullptr) return;
  if (p->state == Proc::State::kDraining) {
    runtime::ProcessExit drained = exit;
    drained.error = p->reason;
    drained.drained = true;
    end(process_id, drained);
    return;
  }
  end(process_id, exit);
}

// ------------------------------------------------------------------ queries

bool SchedulingLauncher::may_drain(uint64_t process_id) const {
  auto it = procs_.find(process_id);
  if (it == procs_.end() || it->second.state == Proc::State::kPending) return false;
  auto w = workers_.find(it->second.worker);
  return w == workers_.end() || !w->second.info.local;
}

std::string SchedulingLauncher::draining_reason(uint64_t process_id) const {
  auto it = procs_.find(process_id);
  if (it == procs_.end() || it->second.state != Proc::State::kDraining) return {};
  return it->second.reason;
}

std::vector<WorkerInfo> SchedulingLauncher::workers() const {
  std::vector<WorkerInfo> out;
  out.reserve(workers_.size());
  for (const auto& [id, w] : workers_) out.push_back(w.info);
  return out;
}

Json SchedulingLauncher::workers_json() const {
  Json out = Json::array();
  for (const auto& [id, w] : workers_) {
    const WorkerInfo& i = w.info;
    Json gpus = Json::array();
    for (const scheduler::Gpu& g : i.resources.gpus) {
      gpus.push_back({{"index", g.index}, {"model", g.model}, {"memory_bytes", g.memory_bytes}});
    }
    out.push_back({{"id", i.id},
                   {"name", i.name},
                   {"hostname", i.hostname},
                   {"pid", i.pid},
                   {"local", i.local},
                   {"draining", i.draining},
                   {"draining_reason", i.draining_reason},
                   {"resources",
                    {{"cpus", static_cast<double>(i.resources.milli_cpus) / 1000.0},
                     {"memory_bytes", i.resources.memory_bytes},
                     {"gpus", gpus},
                     {"labels", i.resources.labels},
                     {"max_processes", i.resources.max_processes}}},
                   {"engine", i.engine},
                   {"detected_by", i.detected_by},
                   {"last_heartbeat_unix_us", i.last_heartbeat_unix_us},
                   {"works", works_on(id)}});
  }
  return out;
}

std::vector<std::string> SchedulingLauncher::works_on(const std::string& id) const {
  std::vector<std::string> out;
  for (const auto& [pid, p] : procs_) {
    if (p.state != Proc::State::kPending && p.worker == id) out.push_back(p.request.work_path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Json SchedulingLauncher::placement_json(const std::string& work_path) const {
  auto it = last_placement_.find(work_path);
  if (it == last_placement_.end()) return nullptr;
  auto p = by_work_.find(work_path);
  bool current = false;
  if (p != by_work_.end()) {
    auto proc = procs_.find(p->second);
    current = proc != procs_.end() && proc->second.state != Proc::State::kPending &&
              proc->second.worker == it->second.worker;
  }
  return {{"worker", it->second.worker},
          {"hostname", it->second.hostname},
          {"gpus", it->second.gpus},
          {"current", current}};
}

}  // namespace lightning::cluster
