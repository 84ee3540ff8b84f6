// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/status.hpp"

namespace lightning::runtime {

/// `<run dir>/run.lock`: one running app per run directory, and what a
/// resumed run must wait for (docs/design/journal.md, "Resume").
///
/// The app holds an exclusive flock(2) on the file while it runs; the kernel
/// drops it when the controller dies, however it dies. The file lists the
/// run's processes that may outlive the controller by a moment: its work
/// forkers (zygotes), which SIGKILL every work's process group when the
/// controller dies. The next run in the directory (run_app() waits in every
/// run; `--resume` is where it matters) waits until each of them is gone, so
/// no work process of the dead run still runs when its replacement starts.
///
/// Each line: `<role> <pid> <start time>`; the start time (field 22 of
/// /proc/<pid>/stat, clock ticks since boot) tells a process from a later
/// one that reuses its pid. Not thread-safe except record(), which any
/// thread may call.
///
///   auto lock = RunLock::acquire(run_dir);          // refused: another app runs there
///   if (!lock.ok()) { print(lock.status().message()); return 2; }
///   (*lock)->record("forker", zygote_pid);
///   Status gone = (*lock)->wait_for_previous(std::chrono::seconds(5));
class RunLock {
 public:
  /// One process of a run, as the file lists it.
  struct Process {
    std::string role;  ///< "controller", "forker"
    pid_t pid = 0;
    uint64_t start_time = 0;  ///< /proc/<pid>/stat field 22 (ticks since boot)
  };

  /// The file's name in the run directory.
  static constexpr const char* kFileName = "run.lock";

  /// Takes the run directory: creates or opens `<run dir>/run.lock`, locks
  /// it without waiting, reads what the previous run recorded and writes this
  /// process as the controller. kFailedPrecondition when another process
  /// holds the lock ("another app is running in DIR (pid N) ..."); kUnavailable
  /// when the file cannot be opened or written (the message names it and the
  /// system's reason). A file system that cannot lock at all (flock fails
  /// with anything but EWOULDBLOCK, e.g. on some network mounts) gets a
  /// warning, and the run goes on unguarded.
  static Result<std::unique_ptr<RunLock>> acquire(const std::string& run_dir);

  ~RunLock();  ///< unlocks and closes (the file stays: it is a record)
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  /// The processes the previous run of this directory recorded (none for a
  /// new directory).
  const std::vector<Process>& previous() const { return previous_; }

  /// Appends `role pid start-time` for a process of this run. Best effort: a
  /// write error is logged, not returned (the run itself is not at stake).
  void record(const std::string& role, pid_t pid);

  /// Waits until no forker of previous() still runs (checked by pid and
  /// start time; the previous controller is gone, since the lock is ours):
  /// up to `grace` for them to end on their own (a forker exits
  /// right after it SIGKILLs its works), then SIGKILL to those left and up to
  /// one more second. Ok when all are gone; kDeadlineExceeded naming the ones
  /// left. Blocks the calling thread (pidfd and poll(2), no polling loop).
  Status wait_for_previous(std::chrono::milliseconds grace) const;

  /// Whether `p` (pid and start time) is still a live process.
  static bool is_running(const Process& p);
  /// Field 22 of /proc/<pid>/stat; 0 when the process does not exist.
  static uint64_t start_time_of(pid_t pid);

 private:
  RunLock(int fd, std::string path, std::vector<Process> previous, bool locked);

  int fd_;
  std::string path_;
  std::vector<Process> previous_;
  bool locked_;    // false: the file system cannot lock (a warning was given)
  std::mutex mu_;  // record()
};

}  // namespace lightning::runtime
