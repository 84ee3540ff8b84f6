// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "lightning/v1/launch.pb.h"
#include "lightning/work.hpp"
#include "rpc/controller_service.hpp"
#include "runtime/resource_budget.hpp"
#include "runtime/work_launcher.hpp"
#include "util/clock.hpp"

namespace lightning::runtime {

/// One work's process, as the supervisor tracks it. Embedded in the
/// controller's record of the work; changed only by WorkProcessSupervisor.
struct WorkProcess {
  enum class State { kNone, kLaunching, kConnected, kStopping };

  WorkProcess(Work& w, util::ClockInterface& clock) : work(&w), start_timer(clock) {}

  Work* work;
  State state = State::kNone;
  uint64_t id = 0;  ///< process id of the latest launch; 0 before the first
  int pid = -1;
  bool said_hello = false;  ///< the latest launch said Hello
  /// kLaunching, but held by the resource budget: not handed to the launcher yet.
  bool held = false;
  /// Why the runtime stopped the latest process, when it was not asked to
  /// (e.g. "did not connect within 30 s (start_timeout)"); empty otherwise.
  std::string stop_cause;
  std::shared_ptr<rpc::WorkSession> session;
  util::Timer start_timer;
};

/// The life of each work's process: none → launching → connected (Hello
/// accepted) → stopping → none (exited). Starts processes through the
/// launcher within the resource budget (a launch the budget refuses is held,
/// in state launching, and started when processes end; idle processes are
/// stopped to make room for it), stops one whose Hello does not come within
/// its start timeout, binds its Connect session, stops processes through the
/// launcher (which times SIGTERM → SIGKILL), and finds a work's process by id.
/// Knows nothing about calls (Hooks::is_idle asks). Owned by the controller;
/// lives on its loop thread.
///
///   supervisor.launch(record.process, request);        // kLaunching
///   supervisor.connected(record.process, session, pid); // on a valid Hello
///   supervisor.stop(record.process, grace);             // kStopping
///   auto exit = supervisor.exited(id);                  // launcher's event: kNone
class WorkProcessSupervisor {
 public:
  struct Exit {
    WorkProcess* process;
    bool expected;  ///< it was being stopped
    bool was_latest;
    std::string cause;  ///< WorkProcess::stop_cause of that process
    int pid = -1;       ///< its pid, when was_latest and it had started; else -1
  };

  struct Hooks {
    /// A launch of `p` is held by the budget; `why` is for the work's status.
    std::function<void(WorkProcess& p, const std::string& why)> held;
    /// `p`'s process is connected and has nothing to do (no call in flight or
    /// queued): it may be stopped to make room for a held launch.
    std::function<bool(const WorkProcess& p)> is_idle;
  };

  /// How often held launches are looked at again, besides each exit.
  static constexpr std::chrono::milliseconds kHeldRecheck{100};

  /// `start_timeout` applies to works whose WorkOptions::start_timeout is 0.
  /// Start timers run on each WorkProcess's clock; `budget` may be null (no limits).
  WorkProcessSupervisor(WorkLauncherInterface& launcher, util::ClockInterface& clock,
                        std::chrono::milliseconds start_timeout, ResourceBudget* budget = nullptr)
      : launcher_(launcher),
        start_timeout_(start_timeout),
        budget_(budget),
        recheck_timer_(clock),
        placement_timer_(clock) {}

  void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }

  /// Starts a new process for `p` (which has none), or holds it until the
  /// budget allows; `request` has everything but the process id, which this
  /// assigns.
  void launch(WorkProcess& p, v1::LaunchWorkRequest request);
  /// `p`'s process said a valid Hello on `session`.
  void connected(WorkProcess& p, std::shared_ptr<rpc::WorkSession> session, int pid);
  /// Its stream ended: the process is expected to exit; if it does not, it is
  /// stopped with `grace`.
  void disconnected(WorkProcess& p, std::chrono::milliseconds grace);
  /// Stops `p`'s process: a StopRequest on its stream when it is connected
  /// (lightning::stop_requested() turns true; it exits once its call
  /// returns), and the launcher's SIGTERM, then SIGKILL after `grace` (0:
  /// SIGKILL now). A later stop never postpones the SIGKILL (the launcher's
  /// contract) and sends no second StopRequest. A held launch is dropped at
  /// once (no process, no exit event): `p` is none.
  void stop(WorkProcess& p, std::chrono::milliseconds grace);
  /// SIGKILL to every live process; held launches are dropped.
  void stop_all_now();
  /// The launcher's events.
  void started(uint64_t id, int pid);
  /// The launcher's `pending`: the process waits for a placement (`reason`
  /// is shown like a held launch's, through Hooks::held, and its start
  /// timeout is paused), or was placed now (`reason` empty: the start timeout
  /// starts again from now). While launches wait for resources that are busy
  /// ("waiting for resources: ..."), idle processes of works that ask for
  /// compute (and so hold some) are stopped to make room, one per waiting
  /// launch, as for launches held by the budget: a work's process keeps what
  /// it was given between calls. While one waits for a process slot
  /// (scheduler::kProcessSlots), idle processes of any work are.
  void pending(uint64_t id, const std::string& reason);
  std::optional<Exit> exited(uint64_t id);

  /// The live (launched or held, not yet exited) process with this id, or null.
  WorkProcess* find(uint64_t id) const;
  bool has_live_processes() const { return !live_.empty(); }
  size_t held_launches() const { return held_.size(); }

  /// The start timeout of `work`: its own, else the app's.
  std::chrono::milliseconds start_timeout_of(const Work& work) const;

 private:
  struct Held {
    uint64_t id;
    v1::LaunchWorkRequest request;
  };
  void launch_now(WorkProcess& p, const v1::LaunchWorkRequest& request);
  void arm_start_timer(WorkProcess& p);
  void admit_held();
  void make_room();
  /// Stops up to `wanted` idle connected processes, oldest launch first,
  /// that `eligible` accepts, and counts them in reclaimed_; `for_what` ends
  /// the debug line ("held launches").
  template <class Eligible>
  void stop_idle(size_t wanted, const Eligible& eligible, const char* for_what);
  void tell_held_why();
  void reclaim_for_placements();
  void drop_held(WorkProcess& p);

  WorkLauncherInterface& launcher_;
  std::chrono::milliseconds start_timeout_;
  ResourceBudget* budget_;
  Hooks hooks_;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, WorkProcess*> live_;
  std::unordered_map<uint64_t, bool> counted_;  // admitted by the budget, not yet ended: connected?
  std::unordered_set<uint64_t> reclaimed_;      // idle processes stopped to make room
  std::deque<Held> held_;                       // in launch order
  ResourceBudget::Hold last_hold_;              // why the first of them waits
  util::Timer recheck_timer_;
  std::unordered_set<uint64_t> waiting_placement_;  // launched, waiting for busy resources
  std::unordered_set<uint64_t> waiting_slot_;       // of them, waiting for a process slot
  util::Timer placement_timer_;                     // looks for idle processes meanwhile
};

}  // namespace lightning::runtime
