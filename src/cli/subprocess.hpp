// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lightning::cli {

/// How to start a child process. By default it inherits stdin/stdout/stderr,
/// so a compiler's diagnostics reach the user exactly as it printed them.
struct ProcessOptions {
  /// Variables set (or replaced) in the child's environment.
  std::vector<std::pair<std::string, std::string>> env;
  /// When non-empty, the child's stdout/stderr go to this file instead.
  std::string stdout_file;
  std::string stderr_file;
  /// Append to stdout_file/stderr_file instead of truncating them. When both
  /// name the same file, the child's stderr is a copy of its stdout descriptor,
  /// so the two streams interleave in the order they were written (a build log).
  bool append = false;
};

struct ProcessResult {
  int exit_code = -1;  ///< When the child exited.
  int signal = 0;      ///< When the child was killed by a signal.
  bool succeeded() const { return signal == 0 && exit_code == 0; }
};

/// Runs `argv` (argv[0] looked up on $PATH) and waits for it. While it runs,
/// SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to lightning-run are forwarded to the
/// child; if one arrived, throws Interrupted after the child has exited so the
/// caller can clean up. Throws CliError when the child cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const ProcessOptions& options = ProcessOptions());

/// What run_captured() read from the child.
struct CapturedOutput {
  ProcessResult result;
  std::string out;  ///< its stdout
  std::string err;  ///< its stderr
};

/// Runs `argv` with stdout and stderr captured (through temporary files under
/// $TMPDIR), `options.env` set. Throws CliError when the child cannot be
/// started (e.g. `git` is not installed), Interrupted as run_process does.
CapturedOutput run_captured(const std::vector<std::string>& argv,
                            const ProcessOptions& options = ProcessOptions());

/// Runs `argv` and returns its stdout, or nullopt when it fails.
std::optional<std::string> capture_stdout(const std::vector<std::string>& argv);

/// `argv` as one line a shell would accept (for --verbose).
std::string shell_join(const std::vector<std::string>& argv);

/// Splits a flag string into words as a POSIX shell expands a command's words,
/// with wordexp(3): whitespace (newlines too) separates, '...' and "..." quote, backslash
/// escapes, $VAR and ~ expand, an unquoted glob that matches files expands.
/// Throws CliError (exit code 2) saying why for an unterminated quote, an
/// undefined variable, a command substitution (never run) or an unquoted
/// | & ; < > ( ) { }.
///
///   shell_split("-O0 -DMSG='\"hi there\"'")  ->  {"-O0", "-DMSG=\"hi there\""}
std::vector<std::string> shell_split(const std::string& text);

}  // namespace lightning::cli
