// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace lightning::runtime {

/// What ResourceBudget reads from the system. SystemResources reads /proc and
/// getrlimit; tests use a fake.
class ResourceProbeInterface {
 public:
  virtual ~ResourceProbeInterface() = default;
  /// Descriptors this process has open now.
  virtual size_t open_descriptors() = 0;
  /// The soft RLIMIT_NOFILE.
  virtual size_t descriptor_limit() = 0;
  /// The most tasks (processes and threads) this user may have: 0 when
  /// unlimited.
  virtual size_t process_limit() = 0;
  /// Which limit process_limit() is, for messages ("RLIMIT_NPROC").
  virtual std::string process_limit_source() { return "RLIMIT_NPROC"; }
};

struct BudgetCosts;

/// The real probe: /proc/self/fd (one directory listing, ~50 µs per 1,000
/// descriptors) and getrlimit.
class SystemResources final : public ResourceProbeInterface {
 public:
  size_t open_descriptors() override;
  size_t descriptor_limit() override;
  /// The smallest of the soft RLIMIT_NPROC (per user), kernel.pid_max and
  /// kernel.threads-max (for the whole machine: every thread takes a pid):
  /// pid_max is 32,768 on many machines, and 10,000 idle works of ~6 threads
  /// each exceed it long before a typical RLIMIT_NPROC.
  size_t process_limit() override;
  std::string process_limit_source() override;

  /// How many work processes one node may run at once, from its limits:
  /// half of process_limit() at `costs.tasks_per_work` tasks each, and the
  /// open-files limit (raise it first) at `costs.descriptors_per_work` each
  /// less a reserve of 64. 0 when neither is limited. lightning-worker's
  /// default for --max-processes (docs/design/worker-node.md).
  static int64_t max_work_processes(const BudgetCosts& costs);

  /// Raises the soft RLIMIT_NOFILE to the hard limit where allowed; returns
  /// what it did, for a debug line ("open-files limit raised from 1024 to
  /// 524288", "open-files limit 1024 (hard limit 1024)").
  static std::string raise_descriptor_limit();
};

/// What one work process costs the controller, and what is kept back.
struct BudgetCosts {
  /// Steady cost: its stdout and stderr pipes' read ends and the socket of its
  /// gRPC stream.
  size_t descriptors_per_work = 3;
  /// Extra while it starts: the pipes' write ends until the forker has forked it.
  size_t descriptors_while_starting = 2;
  /// Kept free for the servers' accepts (gRPC now, HTTP next), log files and
  /// libraries: the larger of this and 1/16 of the limit.
  size_t min_descriptor_reserve = 32;
  /// Tasks (threads) a work process counts against RLIMIT_NPROC; its gRPC
  /// client runs a few threads.
  size_t tasks_per_work = 8;
  /// Processes launched and not yet connected, at most: more would only queue
  /// at the forker and at the gRPC server's accept, with their start timeouts
  /// running (2,000 launches at once on a loaded 2-core machine took longer
  /// than 30 s to fork).
  size_t max_starting = 32;
};

/// The controller's budget of descriptors and processes for work processes
/// (docs/design/processes-and-threads.md, "Budgets and limits"): a launch is
/// admitted only while the descriptors open now, plus what the processes still
/// starting will open, plus this one's cost, stay under the soft open-files
/// limit minus a reserve; else it is held with a reason for the work's status
/// ("waiting for file descriptors: 1000 of 1024 in use ..."). Counts real
/// usage: it reads /proc/self/fd once its own estimate passes half the
/// usable descriptors, and every 64 launches (so it is rarely read while far
/// from the limit). Owned by the composition
/// root next to the launcher; used by the WorkProcessSupervisor on the
/// controller's loop thread.
///
///   if (auto hold = budget.try_start()) wait(hold->reason); else launch();
///   budget.connected();      // its socket is open
///   budget.ended(connected); // its process exited
class ResourceBudget {
 public:
  /// Why a launch may not start now.
  struct Hold {
    std::string reason;  ///< for the work's status
    /// Short of descriptors or processes (stopping idle processes helps), not
    /// just waiting for others to finish starting.
    bool short_of_resources = true;
  };

  explicit ResourceBudget(ResourceProbeInterface& probe, const BudgetCosts& costs = {});

  /// nullopt: a work process may start now, and is counted from here on;
  /// else why it may not.
  std::optional<Hold> try_start();
  /// A counted process said Hello: its socket is open.
  void connected();
  /// A counted process exited; `was_connected`: connected() was called for it.
  void ended(bool was_connected);

  size_t live() const { return live_; }
  size_t starting() const { return starting_; }
  /// Descriptors kept free at `limit`.
  size_t reserve_for(size_t limit) const;

 private:
  ResourceProbeInterface& probe_;
  BudgetCosts costs_;
  size_t live_ = 0;      // admitted, not yet ended
  size_t starting_ = 0;  // admitted, not yet connected or ended
  // The last reading of /proc/self/fd, and the admissions since: the estimate
  // that spares most readings while far from the limit.
  size_t measured_ = 0;
  size_t admitted_since_measure_ = 0;
  bool measured_once_ = false;
};

}  // namespace lightning::runtime
