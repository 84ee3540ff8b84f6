// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/work_launcher.hpp"

namespace lightning::testing {

/// A WorkLauncherInterface that starts nothing: it records every
/// LaunchWorkRequest and stop(), and the test decides when (and whether) a
/// process starts, prints a line or exits by calling started()/output()/exited().
/// Those deliver the event synchronously, so call them from the thread that
/// drives the controller's io_context (the test's thread), never from inside a
/// handler. The SIGTERM -> SIGKILL escalation of stop() is the launcher's, so
/// it is tested on ForkLauncher, not here.
class FakeWorkLauncher final : public runtime::WorkLauncherInterface {
 public:
  struct Stop {
    uint64_t process_id;
    std::chrono::milliseconds grace;
  };

  void set_events(Events events) override { events_ = std::move(events); }
  void launch(const v1::LaunchWorkRequest& request) override { launches_.push_back(request); }
  void stop(uint64_t process_id, std::chrono::milliseconds grace) override {
    stops_.push_back({process_id, grace});
  }
  void shutdown() override { ++shutdowns_; }
  std::string draining_reason(uint64_t process_id) const override {
    auto it = draining_.find(process_id);
    return it == draining_.end() ? std::string() : it->second;
  }
  bool may_drain(uint64_t) const override { return remote_; }
  /// Its processes run on nodes that may drain (a cluster launcher's view).
  void set_remote(bool remote) { remote_ = remote; }
  /// The node of `process_id` is draining (a cluster launcher's view).
  void set_draining(uint64_t process_id, std::string reason) {
    draining_[process_id] = std::move(reason);
  }

  // What the controller asked for.
  const std::vector<v1::LaunchWorkRequest>& launches() const { return launches_; }
  const std::vector<Stop>& stops() const { return stops_; }
  int shutdowns() const { return shutdowns_; }
  /// The latest launch of the work at `work_path`, or nullopt.
  std::optional<v1::LaunchWorkRequest> last_launch_of(const std::string& work_path) const {
    for (auto it = launches_.rbegin(); it != launches_.rend(); ++it) {
      if (it->work_path() == work_path) return *it;
    }
    return std::nullopt;
  }
  /// The grace periods of the stops of `process_id`, in order.
  std::vector<std::chrono::milliseconds> stops_of(uint64_t process_id) const {
    std::vector<std::chrono::milliseconds> out;
    for (const auto& s : stops_) {
      if (s.process_id == process_id) out.push_back(s.grace);
    }
    return out;
  }

  // What the "processes" do.
  void started(uint64_t process_id, int pid) { events_.started(process_id, pid); }
  void output(uint64_t process_id, std::string_view line, bool is_stderr) {
    events_.output(process_id, line, is_stderr);
  }
  void exited(uint64_t process_id, runtime::ProcessExit exit) { events_.exited(process_id, exit); }
  void exited_with_code(uint64_t process_id, int code) {
    runtime::ProcessExit e;
    e.exit_code = code;
    exited(process_id, e);
  }
  void killed_by(uint64_t process_id, int sig) {
    runtime::ProcessExit e;
    e.signal = sig;
    exited(process_id, e);
  }

 private:
  Events events_;
  std::vector<v1::LaunchWorkRequest> launches_;
  std::vector<Stop> stops_;
  std::map<uint64_t, std::string> draining_;
  bool remote_ = false;
  int shutdowns_ = 0;
};

}  // namespace lightning::testing
