// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lightning/json.hpp"
#include "lightning/state.hpp"
#include "lightning/work.hpp"

namespace lightning::components {

/// What a ScriptWork runs: a command line, extra environment, a working
/// directory, and how long it gets between SIGTERM and SIGKILL when stopped.
/// Built from a call's args by from_args() (docs/components/script.md):
///
///   {"argv": ["python3", "prep.py", "--out", "data"],   // or "shell": "a | b"
///    "env": {"OMP_NUM_THREADS": "1"}, "cwd": "/data", "grace_period_ms": 2000}
struct ScriptCommand {
  ScriptCommand() = default;
  /// The command `argv`, with the defaults for the rest: `ScriptCommand({"python3", "prep.py"})`.
  explicit ScriptCommand(std::vector<std::string> argv_) : argv(std::move(argv_)) {}

  /// The program and its arguments. argv[0] without a '/' is looked up on the
  /// PATH of the command's environment (env's PATH when given, else the work's).
  std::vector<std::string> argv;
  /// Set in the command's environment, over the work's own (which it inherits).
  std::map<std::string, std::string> env;
  /// Working directory of the command; empty: the work's (the directory the app was started in).
  std::string cwd;
  /// How long the command's process group gets between SIGTERM and SIGKILL
  /// when the work is stopped. Keep it below the work's WorkOptions::grace_period
  /// (default 3 s): past that the runtime kills the work itself, and the
  /// command's group is then killed with it (SIGKILL) all the same.
  std::chrono::milliseconds grace_period{2000};

  static constexpr std::chrono::milliseconds kMaxGracePeriod = std::chrono::hours(1);

  /// `args` (a call's args: a JSON object, or null) over `defaults`: "argv" (a
  /// non-empty list of strings) or "shell" (a string run as `/bin/sh -c
  /// <string>`) replaces the default command; "env" (an object of strings) is
  /// merged over the default env; "cwd" (a string) and "grace_period_ms" (an
  /// integer, 0..3,600,000) replace theirs. Throws std::invalid_argument naming
  /// the key and what it must be: for an unknown key, a value of the wrong
  /// type, a string holding a NUL byte, an environment variable name that is
  /// not a POSIX name, or no command at all (neither in args nor in defaults).
  static ScriptCommand from_args(const Json& args, const ScriptCommand& defaults);
  /// from_args(args, ScriptCommand()): no defaults.
  static ScriptCommand from_args(const Json& args);

  /// {"argv": [...], "env": {...}, "cwd": "...", "grace_period_ms": N}: what from_args() reads.
  Json to_json() const;
};

/// A Work that runs an external command (a Python script, a shell pipeline, a
/// tool) and reports it in its state, while the runtime supervises it like any
/// work (logs, stop, timeout, retries).
///
///   struct Root : lightning::Flow {
///     ScriptWork& prep = add_work<ScriptWork>("prep");
///     void run() override {
///       auto st = prep.call({{"argv", {"sh", "-c", "echo preparing; ls /data | wc -l"}}});
///       if (st.has_succeeded()) stop("prep said: " + prep.stdout_tail.get());
///     }
///   };
///
/// Per call: argv[0] is resolved on PATH, the command starts in a process group
/// of its own with stdin from /dev/null, and its stdout and stderr go line by
/// line to the work's stdout and stderr (so into the work's log,
/// <run_dir>/logs/<work path>.log, and the terminal). The call succeeds when
/// the command exits with code 0; it fails (std::runtime_error) when the
/// command cannot be started ("command not found: ...", a missing cwd, no
/// permission), when it exits with another code ("command exited with code 3"
/// and the last lines of its stderr), or when a signal it did not get from
/// the runtime kills it ("command was killed by signal SIGSEGV").
///
/// Processes: the command's whole process group is the command. When it exits,
/// what is left of its group (background children) is killed (SIGKILL). When
/// the work is asked to stop (Work::stop(), the call's timeout, the app's
/// shutdown, a SIGTERM to the work: lightning::stop_requested()), the group
/// gets SIGTERM, then SIGKILL after ScriptCommand::grace_period, and the call
/// ends as stopped. When the work's process dies without cleaning up (kill -9),
/// a small guard process the work forked kills the group (SIGKILL). A process
/// that leaves the group on purpose (setsid) is the runtime's to end: the work
/// forker kills such orphans when the app ends.
///
/// Subclass it to give a default command (args may still override it), or
/// override command() to build the command from your own args:
///
///   struct Prepare : ScriptWork {
///     Prepare() : ScriptWork(ScriptCommand{{"python3", "prepare.py"}}) {}
///   };
///
/// State, reset when a call starts; the flow reads it as usual.
class ScriptWork : public Work {
 public:
  /// The tails in state hold at most this many lines and bytes each.
  static constexpr size_t kTailLines = 50;
  static constexpr size_t kTailBytes = 8192;
  /// The tails in state are updated at most this often while output arrives
  /// (and once more when the command ends).
  static constexpr std::chrono::milliseconds kTailInterval{250};

  ScriptWork() = default;
  /// A work whose calls run `defaults` unless their args say otherwise.
  explicit ScriptWork(ScriptCommand defaults) : defaults_(std::move(defaults)) {}

  /// Process id of the command (the leader of its process group); 0 before the first.
  State<int64_t> pid{this, "pid", 0};
  /// The command's exit code; -1 while it runs, and when a signal ended it.
  State<int> exit_code{this, "exit_code", -1};
  /// The signal that ended the command, e.g. "SIGTERM"; empty when it exited.
  State<std::string> killed_by{this, "killed_by", ""};
  /// The last lines of the command's stdout and stderr (at most kTailLines
  /// lines and kTailBytes bytes each), newline-separated.
  State<std::string> stdout_tail{this, "stdout_tail", ""};
  State<std::string> stderr_tail{this, "stderr_tail", ""};
  /// Wall time of the command in seconds, set when it ends.
  State<double> duration_s{this, "duration_s", 0.0};

  /// Runs the command that command(args) returns, to its end (see the class comment).
  void run(const Json& args) override;

 protected:
  /// The command for a call with `args`; by default
  /// ScriptCommand::from_args(args, defaults()). Override it to read args of your own.
  virtual ScriptCommand command(const Json& args) const;
  const ScriptCommand& defaults() const { return defaults_; }

 private:
  ScriptCommand defaults_;
};

}  // namespace lightning::components
