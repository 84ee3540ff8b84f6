// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The launcher that places works through the scheduler (docs/design/cluster.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/worker_executor.hpp"
#include "lightning/json.hpp"
#include "scheduler/scheduler.hpp"
#include "util/event_loop.hpp"

namespace lightning::cluster {

/// A registered worker, for the app's API (GET /api/v1/workers).
struct WorkerInfo {
  std::string id;    ///< the scheduler's identity ("node2", "node2#2")
  std::string name;  ///< the name it registered under
  std::string hostname;
  int64_t pid = 0;  ///< the lightning-worker process (this process for "local")
  scheduler::Resources resources;
  std::map<std::string, std::string> engine;  ///< "slurm.job_id", "slurm.node_id", ...
  std::map<std::string, std::string> detected_by;
  int64_t last_heartbeat_unix_us = 0;
  bool local = false;  ///< this machine (LocalWorker)
  /// The name in the TLS client certificate it joined with (verified against
  /// the app's --tls-ca); empty: none.
  std::string certificate;
  bool draining = false;
  std::string draining_reason;
};

struct SchedulingLauncherOptions {
  scheduler::SchedulerOptions scheduler;
  /// How often check_liveness() runs (lost workers are found within
  /// heartbeat_timeout + this).
  std::chrono::milliseconds liveness_interval{1000};
  /// A local run's check: why a work's Compute can never run here (its
  /// process "exits" at once with this as ProcessExit::error), "" when it
  /// can. Null (cluster mode): a work that fits no worker stays pending with
  /// the scheduler's reason, as a worker may still register.
  std::function<std::string(const Compute&)> never_fits;
  /// Cluster mode with an engine (Slurm): non-empty ("all 2 nodes of Slurm
  /// job 12 have joined") once every worker the allocation will bring has
  /// registered, so no other may come; a pending work that then fits no
  /// worker even when empty can never run, and its process "exits" with the
  /// scheduler's reason and this. Null or "": such a work waits.
  std::function<std::string()> workers_complete;
  /// Cluster mode: how to start a worker ("lightning-worker --controller
  /// ADDR --token-file F"), said in a warning while works wait and no worker
  /// has joined for no_worker_hint_after, then again as long again later.
  /// Empty: nothing said (a local run always has its worker).
  std::string join_hint;
  std::chrono::milliseconds no_worker_hint_after{30000};
  /// Now in microseconds since the Unix epoch (WorkerInfo::last_heartbeat_unix_us).
  std::function<int64_t()> unix_now_us;
};

/// A WorkLauncherInterface that places each launch through a
/// scheduler::Scheduler on one of its workers (WorkerExecutor: a remote
/// lightning-worker or this machine) and launches it there, pinned to the
/// GPUs it was given (CUDA_VISIBLE_DEVICES). Issue 11 points 2-4.
///
/// - launch(): the request's compute_json (Compute::from_json; empty: asks
///   for nothing, charged nothing, never waits) is submitted, and placed at
///   the next schedule() (posted, once per loop turn, so a fan-out of launches
///   is placed in one pass). A launch that cannot be placed now waits, and
///   Events::pending tells why (again when the reason changes, and with an
///   empty reason once placed).
/// - Environment: a work that asks for GPUs gets CUDA_VISIBLE_DEVICES set to
///   its GPUs' indices on that worker ("0,1"); one whose Compute asks for
///   something but no GPUs gets CUDA_VISIBLE_DEVICES="" on a worker that has
///   GPUs (they are for the works pinned to them); one that asks for nothing
///   keeps its environment as it is (a local run's plain works see what the
///   app saw, as before the scheduler was on the local path).
/// - Fencing: every event a worker reports quotes its placement's attempt;
///   one about an attempt that is not the process's current placement (a
///   late report from a worker that was declared lost) is dropped.
/// - Lost workers: check_liveness() every liveness_interval; each process
///   placed on a lost worker "exits" with ProcessExit::error = the reason
///   ("worker 'node2' lost: no heartbeat for 10000 ms"): the work's retry
///   policy re-runs it and the new launch is placed elsewhere.
/// - Draining workers: removed from the scheduler at once (nothing new goes
///   there); their processes are stopped with a grace and, when they end
///   (or the worker's session ends), "exit" with the error "worker 'x' is
///   draining: <reason>".
/// Events are delivered on the loop, in order per process, exactly one
/// `exited` per launch, never from inside launch() or stop(). Loop thread only.
class SchedulingLauncher final : public runtime::WorkLauncherInterface, public WorkerEventSink {
 public:
  SchedulingLauncher(util::EventLoop& loop, SchedulingLauncherOptions options);
  ~SchedulingLauncher() override;
  SchedulingLauncher(const SchedulingLauncher&) = delete;
  SchedulingLauncher& operator=(const SchedulingLauncher&) = delete;

  // WorkLauncherInterface
  void set_events(Events events) override;
  void launch(const v1::LaunchWorkRequest& request) override;
  void stop(uint64_t process_id, std::chrono::milliseconds grace) override;
  /// Kills everything on every worker and shuts every worker down ("the app ended").
  void shutdown() override;

  // Workers

  /// Registers a worker and starts placing on it. `always_alive`: it sends no
  /// heartbeats (this machine). The Registration says its identity and
  /// whether it must kill what it runs; works placed on an earlier identity
  /// of the same name are taken back (their processes "exit" with the reason).
  scheduler::Registration add_worker(WorkerInfo info, std::unique_ptr<WorkerExecutor> executor,
                                     bool always_alive = false);
  /// A heartbeat from `id`; false when it is not a live or draining worker
  /// (it was declared lost: it must register again).
  bool heartbeat(const std::string& id);
  /// The worker is told to go: nothing new is placed there; its processes
  /// are stopped with `grace` and reported as ended with the draining reason.
  void drain_worker(const std::string& id, const std::string& reason,
                    std::chrono::milliseconds grace);
  /// SchedulingLauncherOptions::join_hint, once the address is known.
  void set_join_hint(std::string hint) { options_.join_hint = std::move(hint); }
  /// The draining reason of the worker `process_id` was placed on, or empty.
  std::string draining_reason(uint64_t process_id) const override;
  /// True for a process placed on a lightning-worker (not this machine's).
  bool may_drain(uint64_t process_id) const override;
  /// The worker's session ended (its stream broke or it finished). Not a lost
  /// worker yet (that takes heartbeat_timeout), but its executor can send
  /// nothing more; processes of a draining worker are reported ended now.
  void worker_disconnected(const std::string& id);
  /// Finds lost workers now (also run by the timer).
  void check_liveness();

  // Queries

  std::vector<WorkerInfo> workers() const;
  /// A worker that is still connected registered under `name` from another
  /// process (another host or pid): a second worker with the same name, not
  /// this one coming back.
  bool name_held_by_another(const std::string& name, const std::string& hostname,
                            int64_t pid) const;
  /// The workers for GET /api/v1/workers: id, name, hostname, pid, local,
  /// draining (+ reason), resources {cpus, memory_bytes, gpus [{index,
  /// model, memory_bytes}], labels}, engine, detected_by,
  /// last_heartbeat_unix_us, works (paths placed there now).
  Json workers_json() const;
  /// Works placed on `id` now (their paths).
  std::vector<std::string> works_on(const std::string& id) const;
  /// Where `work_path`'s process runs, or ran last: {"worker": id,
  /// "hostname": the worker's host, "gpus": [indices pinned to it, as in its
  /// CUDA_VISIBLE_DEVICES], "current": whether that process still runs};
  /// null for a work never placed. Kept after the process ends, so a
  /// finished work still says where it ran (one entry per work path).
  Json placement_json(const std::string& work_path) const;
  const scheduler::Scheduler& scheduler() const { return scheduler_; }

  // WorkerEventSink
  void on_started(const std::string& worker, uint64_t process_id, uint64_t attempt,
                  int pid) override;
  void on_output(const std::string& worker, uint64_t process_id, uint64_t attempt,
                 std::string_view line, bool is_stderr) override;
  void on_ended(const std::string& worker, uint64_t process_id, uint64_t attempt,
                const runtime::ProcessExit& exit) override;

 private:
  struct Proc {
    enum class State { kPending, kPlaced, kDraining };
    v1::LaunchWorkRequest request;
    Compute compute;
    State state = State::kPending;
    std::string worker;
    uint64_t attempt = 0;
    std::string reason;  // the pending reason last told, or the draining reason
  };
  struct Worker {
    WorkerInfo info;
    std::unique_ptr<WorkerExecutor> executor;
    bool always_alive = false;
    bool connected = true;
  };

  void schedule_soon();
  void schedule_now();
  /// With options_.workers_complete: ends the pending works no worker can hold.
  void refuse_misfits();
  /// Warns (options_.join_hint) while works wait and no worker has joined.
  void hint_when_no_worker();
  void place(const scheduler::Placement& placement);
  /// Reports `process_id` as exited now with `exit`, forgetting it.
  void end(uint64_t process_id, const runtime::ProcessExit& exit);
  void exit_later(uint64_t process_id, std::string error);
  void take_back(const std::vector<scheduler::LostWork>& lost);
  /// The process `process_id` as `worker` reports about `attempt`, or null (fenced).
  Proc* current(const std::string& worker, uint64_t process_id, uint64_t attempt);

  util::EventLoop& loop_;
  SchedulingLauncherOptions options_;
  scheduler::Scheduler scheduler_;
  Events events_;
  std::unordered_map<uint64_t, Proc> procs_;           // launched, not yet exited
  std::unordered_map<std::string, uint64_t> by_work_;  // work path -> process id
  std::map<std::string, Worker> workers_;              // by identity; live and draining
  struct LastPlacement {
    std::string worker;
    std::string hostname;
    std::vector<int> gpus;
  };
  std::unordered_map<std::string, LastPlacement> last_placement_;  // by work path
  bool schedule_posted_ = false;
  bool shut_down_ = false;
  util::Timer liveness_timer_;
  // Since when works wait with no worker at all (join_hint), and the next hint.
  std::optional<util::ClockInterface::TimePoint> no_worker_since_;
  util::ClockInterface::TimePoint next_hint_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards posted handlers
};

}  // namespace lightning::cluster
