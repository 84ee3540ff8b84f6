// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Failures that name their cause (docs/getting-started.md, "What the failure
// messages mean"): how a work process ended, in words, with what is known
// about why: a start timeout, a signal the runtime sent or one from outside,
// the out-of-memory killer (from the cgroup's counters), a missing shared
// library or a full disk (from the work's last lines of stderr).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/work_launcher.hpp"

namespace lightning::runtime {

/// The out-of-memory kills of this process's cgroup: cgroup v2's
/// memory.events or v1's memory.oom_control ("oom_kill N"), read once at
/// construction (the baseline) and again for each hint. Owned by the
/// controller; any thread (it only reads files).
class OomWatch {
 public:
  /// `proc_cgroup` (/proc/self/cgroup) names the cgroup under `cgroup_root`
  /// (/sys/fs/cgroup); tests point both at files of their own.
  explicit OomWatch(const std::string& proc_cgroup = "/proc/self/cgroup",
                    const std::string& cgroup_root = "/sys/fs/cgroup");

  /// The cgroup's oom_kill count now; nullopt where no counter is readable.
  std::optional<uint64_t> oom_kills() const;
  /// For a SIGKILL the runtime did not send: whether the out-of-memory killer
  /// struck since the app started, or where to look.
  std::string hint() const;

 private:
  std::string counter_file_;  // empty: none found
  std::optional<uint64_t> baseline_;
};

/// "killed by signal 9 (SIGKILL) from outside the runtime; <hint>", "exited
/// with code 3", "did not connect within 30 s (start_timeout); killed by the
/// runtime with signal 9 (SIGKILL)", "could not start: <error>".
/// `cause`: why the runtime stopped it unasked (WorkProcess::stop_cause).
std::string describe_process_exit(const ProcessExit& exit, const std::string& cause,
                                  const OomWatch& oom);

/// A cause recognised in a work's last lines of stderr, or "": "a shared
/// library is missing: libfoo.so.1 (the dynamic loader: ...)" or "the disk is
/// full (No space left on device)".
std::string cause_in_output(const std::string& stderr_tail);

}  // namespace lightning::runtime
