// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// A shared namespace of files any work may use: lightning::Drive (docs/design/storage.md).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "lightning/path.hpp"

namespace lightning {

/// A named shared folder of files: any work (or flow) of the app may put,
/// get, list and remove files in it; only the work that put a file may
/// replace or remove it.
///
///   lightning::Drive drive("models");
///   drive.put(files_dir() / "model.pt");              // in the trainer
///   auto p = drive.get("model.pt", std::chrono::seconds(30));  // in a server
///
/// Where it lives: by default the entries are in `<run dir>/drives/<name>/`
/// and the bytes in the run's artifact store (put hard-links them there; get
/// links them into `files_dir()/drives/<name>/` from the node's cache, which
/// fetches what it lacks over gRPC). With the app's `--shared-dir DIR` (a
/// directory every node mounts), files live in `DIR/drives/<name>/files/` and
/// get() returns that path itself: nothing is copied. Files in a drive are
/// read-only. A value type, cheap to copy; use it from the thread that runs
/// the work or the flows.
class Drive {
 public:
  /// `name`: 1 to 64 characters of [A-Za-z0-9_.-], not starting with '.'.
  /// Throws std::invalid_argument otherwise.
  explicit Drive(std::string name);

  const std::string& name() const { return name_; }

  /// Puts the file `local_file` into the drive as `name` (default: its file
  /// name; a relative path like "ckpt/last.pt" is allowed). Replaces an
  /// earlier file of the same name put by this work. Returns the name.
  /// Throws std::invalid_argument for a bad name ('..', absolute), and
  /// StorageError when `local_file` is not a readable regular file, when the
  /// name was put by another work ("only work 'root.a' may replace it"), or
  /// when the disk is full.
  std::string put(const std::filesystem::path& local_file, const std::string& name = {}) const;

  /// Where the file `name` is readable in this process, waiting up to
  /// `timeout` (0: not at all) for another work to put it. Throws StorageError
  /// when it is still missing at the deadline ("not in drive 'models' after
  /// 30000 ms"), or when it cannot be fetched.
  std::filesystem::path get(const std::string& name,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;

  /// The names in the drive that start with `prefix`, sorted.
  std::vector<std::string> list(const std::string& prefix = {}) const;

  /// Whether `name` is in the drive now.
  bool contains(const std::string& name) const;

  /// Removes `name`. Throws StorageError when it is not there, or when another
  /// work put it ("'a.txt' was put by work 'root.a'; only that work may remove it").
  void remove(const std::string& name) const;

 private:
  std::string name_;
};

}  // namespace lightning
