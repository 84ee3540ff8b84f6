// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lightning::runtime {

/// Everything a launcher needs to start one work process.
struct LaunchSpec {
  uint64_t process_id = 0;  ///< Controller-assigned, unique per launch.
  std::string work_path;
  std::string work_type;
  std::string controller_address;
  std::string run_id;
  std::string token;
  std::string log_level;
  std::string run_dir;                ///< lightning::run_dir() in the work
  std::vector<std::string> app_args;  ///< lightning::app_args() in the work
  std::map<std::string, std::string> env;
};

/// How a work process ended. `error` is set when it never started (fork failed).
struct ProcessExit {
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string error;
};

/// Starts and signals work processes. The local implementation forks them from
/// a pre-started copy of the app (ForkLauncher); the cluster one will ask a
/// remote lightning-worker. Events are delivered on the controller's loop, in
/// order per process: started, output lines, then exited (after the last line).
class WorkLauncherInterface {
 public:
  struct Events {
    std::function<void(uint64_t process_id, int pid)> started;
    std::function<void(uint64_t process_id, std::string_view line, bool is_stderr)> output;
    std::function<void(uint64_t process_id, const ProcessExit& exit)> exited;
  };

  virtual ~WorkLauncherInterface() = default;
  virtual void set_events(Events events) = 0;
  virtual void launch(const LaunchSpec& spec) = 0;
  /// Sends `sig` to the process and its process group; remembered if the
  /// process has not been forked yet.
  virtual void signal(uint64_t process_id, int sig) = 0;
  /// Kills whatever is left and stops the launcher; synchronous.
  virtual void shutdown() = 0;
};

}  // namespace lightning::runtime
