// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Starting and supervising the command of a ScriptWork call: PATH lookup, the
// environment, posix_spawn into a process group of its own, and the guard
// process that kills that group if the work's process dies (kill -9).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lightning/components/script.hpp"

namespace lightning::components::script {

/// A command ready to spawn.
struct ResolvedCommand {
  std::string program;            ///< what posix_spawn runs (argv[0] looked up on PATH)
  std::vector<std::string> argv;  ///< as given (argv[0] unchanged)
  std::vector<std::string> envp;  ///< the whole environment, "NAME=value"
  std::string cwd;                ///< empty: the work's
};

/// `base` ("NAME=value" entries, as in environ) with `overrides` set over it;
/// entries of `base` without '=' are dropped. Order: base's, then new names.
std::vector<std::string> merge_environment(const std::vector<std::string>& base,
                                           const std::map<std::string, std::string>& overrides);

/// The value of NAME in `envp` ("NAME=value" entries); `fallback` when absent.
std::string environment_value(const std::vector<std::string>& envp, const std::string& name,
                              const std::string& fallback);

/// Where execvp would find `program`: itself when it holds a '/'; else the
/// first executable regular file named so in a directory of `path_var`
/// (':'-separated; an empty entry is the current directory). Throws
/// std::runtime_error: "command not found: 'x' is in no directory of
/// PATH=...", or, when only non-executable files of that name exist, that
/// they are not executable.
std::string find_program(const std::string& program, const std::string& path_var);

/// `command` made ready against the environment `environ_entries` (the work's).
/// Throws std::runtime_error when the cwd is not a directory or argv[0] is not found.
ResolvedCommand resolve_command(const ScriptCommand& command,
                                const std::vector<std::string>& environ_entries);

/// argv as a shell would read it back ('quoted' where needed), cut at `max` characters.
std::string shell_quote(const std::vector<std::string>& argv, size_t max = 300);

/// "SIGTERM" for 15; "signal 77" for a number without a name.
std::string signal_name(int sig);

/// One running command: the leader of a process group of its own, its stdout
/// and stderr as non-blocking pipes, a pidfd that becomes readable when it
/// exits, and a guard process (its own group too) that SIGKILLs the command's
/// group if this process dies before release. Owned by the work's run thread.
/// The destructor kills the group (SIGKILL) if the command still runs, reaps
/// it, and releases the guard.
class ChildProcess {
 public:
  /// Spawns `command`: stdin from /dev/null, no descriptors beyond 0-2, all
  /// signals at their default and none blocked. Throws std::runtime_error
  /// naming the program and the reason when it cannot start.
  static std::unique_ptr<ChildProcess> spawn(const ResolvedCommand& command);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// -1 once closed.
  int stdout_fd() const { return out_fd_; }
  int stderr_fd() const { return err_fd_; }
  /// Readable once the command has exited; -1 where pidfd_open is missing (poll with a timeout).
  int pidfd() const { return pidfd_; }

  /// Whether the command (the group's leader) has exited; it is not reaped
  /// yet, so its group id stays its own and signal_group() stays safe.
  bool has_exited();
  /// kill(-pgid, sig): the whole group. Before reap() only.
  void signal_group(int sig);
  /// Reaps the exited command; returns its wait status. Call once, after has_exited().
  int reap();
  void close_stdout();
  void close_stderr();

 private:
  ChildProcess() = default;
  /// Forks the guard (before the spawn); arm_guard() then tells it the
  /// command's process group, which it SIGKILLs if the work dies.
  void start_guard();
  void arm_guard();
  void release_guard();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int pidfd_ = -1;
  pid_t guard_pid_ = -1;
  int guard_fd_ = -1;  ///< our end of the guard's lifeline (a socket)
};

}  // namespace lightning::components::script
