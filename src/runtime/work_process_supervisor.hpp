// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>

#include "lightning/v1/launch.pb.h"
#include "lightning/work.hpp"
#include "rpc/controller_service.hpp"
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
  std::shared_ptr<rpc::WorkSession> session;
  util::Timer start_timer;
};

/// The life of each work's process: none → launching → connected (Hello
/// accepted) → stopping → none (exited). Starts processes through the
/// launcher, stops one whose Hello does not come within the start timeout,
/// binds its Connect session, stops processes through the launcher (which
/// times SIGTERM → SIGKILL), and finds a work's process by id. Knows nothing
/// about calls. Owned by the controller; lives on its loop thread.
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
  };

  /// Start timers run on each WorkProcess's clock.
  WorkProcessSupervisor(WorkLauncherInterface& launcher, std::chrono::milliseconds start_timeout)
      : launcher_(launcher), start_timeout_(start_timeout) {}

  /// Starts a new process for `p` (which has none); `request` has everything
  /// but the process id, which this assigns.
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
  /// contract) and sends no second StopRequest.
  void stop(WorkProcess& p, std::chrono::milliseconds grace);
  /// SIGKILL to every live process.
  void stop_all_now();
  /// The launcher's events.
  void started(uint64_t id, int pid);
  std::optional<Exit> exited(uint64_t id);

  /// The live (launched, not yet exited) process with this id, or null.
  WorkProcess* find(uint64_t id) const;
  bool has_live_processes() const { return !live_.empty(); }

 private:
  WorkLauncherInterface& launcher_;
  std::chrono::milliseconds start_timeout_;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, WorkProcess*> live_;
};

}  // namespace lightning::runtime
