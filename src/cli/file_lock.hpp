// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace lightning::cli {

/// An exclusive flock(2) on a file, held for the object's life (RAII). The
/// file is created when missing and never removed (removing a lock file
/// while another process waits on it would let a third take a second lock).
/// The lock goes with the process: a killed holder releases it. Blocks until
/// the lock is free. Not for threads of one process sharing an object.
class FileLock {
 public:
  /// Throws CliError naming `path` when it cannot be opened or locked.
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace lightning::cli
