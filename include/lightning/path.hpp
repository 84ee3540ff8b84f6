// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Files that move between works: lightning::Path (docs/design/storage.md).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "lightning/json.hpp"

namespace lightning {

/// Thrown by Path, Drive and Payload when a file cannot be made present or
/// stored: what() names the path and the cause (a traversal outside the tree,
/// a Path whose call has not succeeded yet, a hash mismatch, a full disk, a
/// store that cannot be reached after retries). `retryable()` is true when
/// calling again later may succeed (the store was unreachable, the disk was
/// full); the runtime already retried such failures a few times before
/// throwing.
class StorageError : public std::runtime_error {
 public:
  explicit StorageError(const std::string& what, bool retryable = false)
      : std::runtime_error(what), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

/// A file or directory made by one work and usable by any other work: a
/// value for State fields and call arguments.
///
///   struct Trainer : lightning::Work {
///     lightning::State<lightning::Path> ckpt{this, "ckpt"};
///     void run(const lightning::Json&) override {
///       lightning::Path dir("checkpoints");            // relative to this work's files
///       std::filesystem::create_directories(dir.local());
///       save(dir.local() / "epoch1.pt");
///       ckpt = dir;                                     // committed when run() returns
///     }
///   };
///   struct Evaluator : lightning::Work {
///     void run(const lightning::Json& args) override {
///       auto dir = args.at("ckpt").get<lightning::Path>();
///       load(dir.local() / "epoch1.pt");                // fetched and linked here first
///     }
///   };
///   // in the flow: evaluator.call({{"ckpt", trainer.ckpt.get()}});
///
/// Each work has its own directory of files, `files_dir()`:
/// `<run dir>/files/<work path>/`. A Path names `relative` inside the
/// directory of the work that made it (its *origin*). After every call of
/// that work that succeeds, the runtime commits each Path held in the work's
/// State fields (also inside vectors, maps and user types): it hashes every
/// file (SHA-256), puts it into the node's content-addressed cache and the
/// run's artifact store (hard links; a copy only across file systems), and
/// records the tree in a manifest, whose hash the Path then carries. A
/// committed file shares its inode with the stores, and is made read-only
/// (mode 0444): to write a new version, remove it first
/// (std::filesystem::remove, then save) or use a new name. Rewriting it in
/// place (possible as root, who ignores modes) would change the stored copy:
/// a reader then fails with "changed after it was committed" or a hash
/// mismatch rather than reading wrong bytes.
///
/// Every successful call commits again (cheap when nothing changed: unchanged
/// files are not re-hashed), so a Path in a field must still exist then: a
/// work that deletes its files clears the field too, or its call fails.
///
/// Another work that calls local() gets the same tree at the same relative
/// path in its own files_dir(), linked from its node's cache, which fetches
/// what it lacks from the artifact store over gRPC (chunked, verified,
/// resumable). With one cache (the default on one machine) no byte is copied.
///
/// JSON: {"$path": "checkpoints", "origin": "root.trainer", "manifest":
/// "<64 hex digits>"}; "origin" is empty for a Path made by a flow (read-only
/// there), "manifest" empty until committed.
class Path {
 public:
  Path() = default;
  /// `relative`: a relative path with '/' separators, without "." or ".."
  /// segments, at most 1024 bytes. Throws std::invalid_argument saying what
  /// is wrong ("'../x' leaves the work's directory: use a path inside it").
  /// The origin is the work whose process constructs it (none in a flow).
  explicit Path(const std::string& relative);

  /// Where the file or directory is in this process's files_dir(). In the
  /// work that made it: where to write it (its parent directory is created).
  /// Anywhere else: made present first (blocking: fetched if the node's cache
  /// lacks it, then linked into place; a later local() of the same content
  /// costs a stat). Throws StorageError when the Path is not committed yet
  /// (its origin's call has not succeeded), when the content cannot be
  /// fetched (after retries), when a file's hash does not match, or when the
  /// disk is full; never leaves a partial file under its final name.
  std::filesystem::path local() const;

  const std::string& relative() const { return relative_; }
  /// Dotted path of the work that made it; empty for one made in a flow.
  const std::string& origin() const { return origin_; }
  /// SHA-256 of the committed manifest (64 hex digits); empty until committed.
  const std::string& manifest() const { return manifest_; }
  bool is_committed() const { return !manifest_.empty(); }
  bool empty() const { return relative_.empty(); }

  bool operator==(const Path& o) const {
    return relative_ == o.relative_ && origin_ == o.origin_ && manifest_ == o.manifest_;
  }
  bool operator!=(const Path& o) const { return !(*this == o); }

  /// Throws std::invalid_argument for a malformed object (not a Path's JSON,
  /// a traversal, a manifest that is not 64 hex digits).
  static Path from_json_value(const Json& j);
  Json to_json_value() const;

 private:
  std::string relative_;
  std::string origin_;
  std::string manifest_;
};

inline void to_json(Json& j, const Path& p) { j = p.to_json_value(); }
inline void from_json(const Json& j, Path& p) { p = Path::from_json_value(j); }

/// This process's own directory of files: `<run dir>/files/<work path>/` in a
/// work, `<run dir>/files/_flows/` in the controller. Created on first use.
/// Throws StorageError outside a running app (no run directory).
std::filesystem::path files_dir();

}  // namespace lightning
