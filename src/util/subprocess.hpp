// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Run a short command and read what it printed: the runtime's spawn-and-read
// helper, for the cluster engines' `sbatch`, `squeue`, `scancel`, `scontrol`
// (src/cluster/slurm_engine.*). Blocking, with a deadline; callable from any
// thread (posix_spawn, no fork of a threaded process). The CLI has its own
// (src/cli/subprocess.*): that one forwards signals and throws, as
// lightning-run needs; this one returns a Status, as the runtime does.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "util/status.hpp"

namespace lightning::util {

/// How a command ended and what it printed.
struct CommandResult {
  int exit_code = -1;  ///< its exit status; -1 when a signal ended it
  int signal = 0;      ///< the signal that ended it, 0 if none
  std::string out;     ///< its stdout (at most CommandOptions::max_output_bytes)
  std::string err;     ///< its stderr (likewise)

  bool succeeded() const { return signal == 0 && exit_code == 0; }
  /// "exit code 1: <last line of stderr>" / "killed by SIGKILL", for error messages.
  std::string describe() const;
};

struct CommandOptions {
  /// Wall time after which the command's process group is sent SIGKILL and
  /// the call fails with kDeadlineExceeded.
  std::chrono::milliseconds timeout{30000};
  /// Each of stdout and stderr is cut at this many bytes (the rest is read
  /// and dropped, so the command never blocks on a full pipe).
  size_t max_output_bytes = size_t{1} << 20;
};

/// Runs `argv` (argv[0] looked up on PATH) with stdin from /dev/null, in a
/// process group of its own (a Ctrl-C at the terminal does not cut a
/// submission in half), the signal mask and dispositions reset, no other
/// descriptor inherited, and waits for it to exit. A command that ran is a
/// CommandResult whatever its exit status.
///
/// Errors: kNotFound when argv[0] is not found or not executable,
/// kDeadlineExceeded when it ran past `options.timeout` (it is killed),
/// kInvalidArgument for an empty argv, kInternal for a failed pipe or spawn.
///
///   auto r = util::run_command({"squeue", "-h", "-j", "42"});
///   if (r.ok() && r->succeeded()) parse(r->out);
Result<CommandResult> run_command(const std::vector<std::string>& argv,
                                  const CommandOptions& options = {});

/// The seam for code that runs commands, so its unit tests can answer for
/// the commands (tests/fakes/fake_command_runner.hpp).
class CommandRunnerInterface {
 public:
  virtual ~CommandRunnerInterface() = default;
  /// As run_command(); may be called from several threads at once.
  virtual Result<CommandResult> run(const std::vector<std::string>& argv,
                                    const CommandOptions& options) = 0;
};

/// run_command() itself.
class SystemCommandRunner : public CommandRunnerInterface {
 public:
  Result<CommandResult> run(const std::vector<std::string>& argv,
                            const CommandOptions& options) override {
    return run_command(argv, options);
  }
};

}  // namespace lightning::util
