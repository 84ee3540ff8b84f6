// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The resource-aware scheduler (docs/design/scheduling.md): which work runs
// on which worker, with which GPUs. Pure logic: no I/O, no threads, no RPC;
// time comes from the injected clock. Engine-neutral: Slurm, Kubernetes or a
// single local worker feed workers in through add_worker().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lightning/compute.hpp"
#include "util/clock.hpp"

namespace lightning::scheduler {

/// A worker's name as its engine gives it ("node7", a pod name, "local");
/// add_worker() returns the identity the scheduler uses from then on.
using WorkerId = std::string;
/// A work's path ("root.train"); one placement per work at a time.
using WorkId = std::string;

/// One GPU of a worker: `index` is what CUDA_VISIBLE_DEVICES takes on that
/// node; `model` as NVML or the CUDA runtime names it ("NVIDIA H100 80GB
/// HBM3"); memory in bytes (0 = unknown).
struct Gpu {
  int index = 0;
  std::string model;
  int64_t memory_bytes = 0;
};

/// Part of a pending reason when every worker that could take a work runs as
/// many work processes as it may (Resources::max_processes): stopping an idle
/// work process anywhere makes room (runtime::WorkProcessSupervisor).
inline constexpr const char* kProcessSlots = "no free process slot on any worker";

/// What a worker offers: CPUs in millicores (1 CPU = 1000), memory in bytes,
/// its GPUs, labels (Slurm partition or features, Kubernetes node labels)
/// that WorkRequest::labels select on, and how many work processes it may
/// run at once (`max_processes`, 0 = no limit: a node's process, thread and
/// open-files limits, `lightning-worker --max-processes`). Every placed work
/// takes one process slot, also one that asks for nothing.
struct Resources {
  int64_t milli_cpus = 0;
  int64_t memory_bytes = 0;
  std::vector<Gpu> gpus;
  std::map<std::string, std::string> labels;
  int64_t max_processes = 0;
};

/// A work asking to be placed. Works of a gang (`gang` non-empty) are placed
/// together in one schedule() call or not at all, once `gang_size` of them
/// have been submitted; with `one_per_worker`, each on a different worker
/// (multi-node training: one rank per node). All works of a gang give the
/// same gang_size and one_per_worker.
struct WorkRequest {
  WorkId work;
  Compute compute;
  std::string gang;
  int gang_size = 0;
  bool one_per_worker = false;
  /// The worker must carry every one of these labels with these values.
  std::map<std::string, std::string> labels;
};

/// A decision of schedule(): run `work` on `worker`, pinned to `gpus` (the
/// worker's GPU indices: its CUDA_VISIBLE_DEVICES, in this order).
/// `attempt` is the fencing token: 1 for the work's first placement, one more
/// for each later one; the worker and the caller quote it in every report
/// about the work, and is_current() tells whether it is still the live one.
struct Placement {
  WorkId work;
  WorkerId worker;
  std::vector<int> gpus;
  uint64_t attempt = 0;
};

/// A placed work taken back because its worker went (lost or removed), or
/// because another work of its gang did. The caller applies the work's retry
/// policy and submits it again (or fails it); its placement's attempt is no
/// longer current.
struct LostWork {
  WorkId work;
  WorkerId worker;
  uint64_t attempt = 0;
  std::string reason;  ///< "worker 'node3' lost: no heartbeat for 10 s"
};

/// What add_worker() decided.
struct Registration {
  /// The identity to use from now on: the name given, or "name#N" for the
  /// N-th registration of a name seen before.
  WorkerId id;
  /// The name was registered before (the worker was declared lost, or
  /// registers again while its old identity lives): whatever it runs belongs
  /// to attempts that are no longer current; it must kill all of it first.
  bool kill_running = false;
  /// Works placed on the old identity, taken back (its re-registration means
  /// it restarted).
  std::vector<LostWork> lost;
};

enum class Policy {
  kPack,    ///< fill the most loaded worker that fits: fewer nodes busy
  kSpread,  ///< the least loaded worker that fits: less contention
};

struct SchedulerOptions {
  Policy policy = Policy::kPack;
  /// A worker with no heartbeat for this long is declared lost by check_liveness().
  std::chrono::milliseconds heartbeat_timeout{10000};
  /// A pending work that later works have been back-filled past in this many
  /// schedule() calls gets a reservation (see Scheduler).
  int max_skips = 8;
};

/// Places works on workers (docs/design/scheduling.md).
///
/// Queueing: works are considered in submission order (FIFO); a work that
/// does not fit now does not hold back smaller ones behind it that do
/// (back-filling). Starvation of a large work is avoided by reservation:
/// once later works were placed past it in `max_skips` schedule() calls, it
/// reserves the worker it fits best on (a gang: every worker), and no work
/// submitted after it is placed there until it runs; what already runs there
/// finishes and frees the room.
///
/// Fencing: each placement has an attempt number, higher than any earlier
/// placement of the same work. Reports quoting an older attempt are refused
/// (release() returns false, is_current() is false), so a worker that comes
/// back after being declared lost can never make a work run twice: its works
/// were returned as lost and re-placed under a new attempt, and it gets a new
/// identity and is told to kill what it runs when it registers again.
///
/// Single-threaded: owned by the controller (later: its cluster manager) and
/// called on its loop thread only. The caller drives it: schedule() after
/// submits, releases and new workers; check_liveness() on a timer.
///
///   Scheduler s(clock);
///   s.add_worker("node1", Resources{8000, 32 << 30, {{0, "H100"}, {1, "H100"}}});
///   s.submit({"root.train", Compute().gpus(1)});
///   for (const Placement& p : s.schedule()) launch(p);   // gpus {0}, attempt 1
///   s.release("root.train", 1);                          // it finished
class Scheduler {
 public:
  explicit Scheduler(util::ClockInterface& clock, SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // ----------------------------------------------------------- workers

  /// Registers a worker under `name` with what it offers; its heartbeat
  /// starts now. A name seen before gets a new identity (see Registration).
  Registration add_worker(const std::string& name, Resources resources);
  /// The worker is alive; false when `id` is not a live worker (it was
  /// declared lost or removed: it must register again).
  bool heartbeat(const WorkerId& id);
  /// An orderly removal (its allocation ends, it drains): its placed works are
  /// returned as lost (reason "worker 'x' removed"). Unknown id: none.
  std::vector<LostWork> remove_worker(const WorkerId& id);
  /// Declares lost every worker with no heartbeat for heartbeat_timeout and
  /// returns the works placed on them (and the rest of their gangs).
  std::vector<LostWork> check_liveness();

  // ----------------------------------------------------------- works

  /// Queues a work. false (and nothing changes) when the work is already
  /// pending or placed, or a gang member disagrees with its gang's size.
  bool submit(WorkRequest request);
  /// The placed work finished (succeeded, failed, stopped): frees what it
  /// held. false when `attempt` is not its current placement (a late report
  /// from an older attempt: ignore it).
  bool release(const WorkId& work, uint64_t attempt);
  /// Drops a pending work (no longer wanted). false when it is not pending.
  bool cancel(const WorkId& work);
  /// Places what can be placed now, in queue order with back-filling; gangs
  /// all at once or not at all. Returns the new placements.
  std::vector<Placement> schedule();

  // ----------------------------------------------------------- queries

  /// `attempt` is the current placement of `work`.
  bool is_current(const WorkId& work, uint64_t attempt) const;
  /// Why a pending work waits, for its status: "no worker has 8 GPUs
  /// (largest: 4)", "waiting for resources: needs 2 GPUs, 0 free of 8", ...
  /// Empty when the work is not pending. Computed when asked (cheap on the
  /// schedule() path), from the workers as they are now.
  std::string pending_reason(const WorkId& work) const;
  /// Whether some registered worker could hold the pending or placed `work`
  /// when empty (its CPUs, memory, GPUs of the model, labels; its gang
  /// aside). false for an unknown work or with no worker.
  bool fits_some_worker(const WorkId& work) const;
  /// The current placement of a placed work.
  std::optional<Placement> placement_of(const WorkId& work) const;
  size_t pending_count() const { return queue_.size(); }
  size_t placed_count() const;
  size_t worker_count() const { return workers_.size(); }
  /// What is free on a live worker now (GPUs: the free ones); nullopt if unknown.
  std::optional<Resources> free_on(const WorkerId& id) const;
  /// Identities of the live workers.
  std::vector<WorkerId> workers() const;

 private:
  struct Worker;
  struct Work;
  struct Gang;

  static int free_gpus_for(const Worker& w, const std::string& accelerator);
  static bool has_free_slot(const Worker& w);
  static int total_gpus_for(const Worker& w, const std::string& accelerator);
  bool fits_empty(const Worker& w, const Work& k) const;
  bool fits_now(const Worker& w, const Work& k) const;
  double load_after(const Worker& w, const Work& k) const;
  void refresh_aggregates();
  /// The best worker for `k` now, or null. `only`: look at these workers
  /// only (null: all).
  Worker* choose(const Work& k, const std::unordered_set<const Worker*>& exclude,
                 const std::unordered_set<Worker*>* only = nullptr);
  void assign(Work& k, Worker& w);  // takes the room (tentatively inside a gang's try)
  void unassign(Work& k);           // gives it back
  Placement commit(Work& k);        // a real placement: its attempt, out of the queue
  void forget(Work& k);             // no longer pending or placed; destroys k
  bool gang_ready(const Gang& g) const;
  bool try_gang(Gang& g, std::vector<Placement>& out);
  void reserve(Work& k);
  void clear_reservation(Work& k);
  std::vector<LostWork> take_back_worker(const WorkerId& id, const std::string& reason);
  void take_back(Work& k, const std::string& reason, std::vector<LostWork>& out);
  std::string reason_for(const Work& k) const;

  util::ClockInterface& clock_;
  SchedulerOptions options_;
  std::map<WorkerId, std::unique_ptr<Worker>> workers_;  // live ones, by identity
  std::unordered_map<std::string, int> registrations_;   // name -> times registered
  std::unordered_set<std::string> orderly_;  // names whose last identity was removed in order
  std::unordered_map<WorkId, std::unique_ptr<Work>> works_;  // pending or placed
  std::unordered_map<WorkId, uint64_t> attempts_;            // last attempt handed out, per work
  std::map<uint64_t, Work*> queue_;                          // pending, by submission order
  std::unordered_map<std::string, std::unique_ptr<Gang>> gangs_;
  uint64_t next_seq_ = 0;
  // The most free on any one worker, per resource: a necessary condition
  // checked before looking at each worker.
  bool aggregates_dirty_ = true;
  int64_t max_free_cpus_ = 0;
  int64_t max_free_memory_ = 0;
  int max_free_gpus_ = 0;
  bool any_free_slot_ = true;  // some worker runs fewer works than its max_processes
  // Workers that gained room (added, a work released, a reservation lifted)
  // since the last schedule(): a work that already waited through a
  // schedule() can only fit on one of these, so it looks at them alone.
  std::unordered_set<Worker*> gained_;
};

}  // namespace lightning::scheduler
