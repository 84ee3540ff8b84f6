// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace lightning::storage {

/// A directory of immutable objects named by the SHA-256 of their bytes:
/// `<root>/objects/<first 2 hex digits>/<64 hex digits>`, with `<root>/tmp/`
/// for objects being written. Used for a node's cache and for the run's
/// artifact store (docs/design/storage.md).
///
/// An object appears under its name only whole: it is written (or linked) to
/// a temporary name, fsynced when bytes were written, and renamed into place.
/// Objects are made read-only (mode 0444) so that a hard link to one cannot
/// be rewritten by accident. Safe to use from several threads and processes
/// at once: every change is a link or a rename, and the same name always
/// holds the same bytes.
class ContentStore {
 public:
  explicit ContentStore(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path object_path(const std::string& sha256) const;
  std::filesystem::path temp_dir() const { return root_ / "tmp"; }
  bool has(const std::string& sha256) const;

  /// Puts the bytes of `file`, whose SHA-256 is `sha256` (the caller hashed
  /// it), under that name: a hard link to `file` when `link` and both are on
  /// one file system, else a copy. Nothing to do when the object is there.
  /// ResourceExhausted on a full disk, Internal otherwise, naming the path.
  Status import_file(const std::filesystem::path& file, const std::string& sha256,
                     bool link = true);

  /// Hashes `file` and imports it; returns the name.
  Result<std::string> add_file(const std::filesystem::path& file, bool link = true);

  /// Stores `bytes`; returns their name. `sync`: fdatasync before the rename
  /// (false only for objects read through read(), which re-hashes them;
  /// docs/design/storage.md, "Crash safety").
  Result<std::string> add_bytes(std::string_view bytes, bool sync = true);

  /// The whole object, verified against its name; at most `max_size` bytes
  /// (larger: InvalidArgument). NotFound when absent; Internal on a hash
  /// mismatch (the damaged object is removed, so a fetch can replace it).
  Result<std::string> read(const std::string& sha256, uint64_t max_size) const;

  /// Makes `sha256` appear at `dest` (which must not exist): a hard link to
  /// the object, or a copy when `dest` is on another file system. Writes a
  /// temporary name beside `dest` and renames it, so `dest` is never partial.
  /// `copied` (optional) says whether bytes were copied.
  Status place(const std::string& sha256, const std::filesystem::path& dest,
               bool* copied = nullptr) const;

  /// Renames the finished, fsynced temporary file `tmp` to the object's name.
  Status adopt(const std::filesystem::path& tmp, const std::string& sha256);

 private:
  Status ensure_dirs(const std::string& sha256) const;
  std::filesystem::path root_;
};

/// Copies `from` to `to` (created, mode 0644), fsyncs it. ResourceExhausted on
/// a full disk (ENOSPC, EDQUOT, EFBIG); `to` is removed on failure.
Status copy_file_synced(const std::filesystem::path& from, const std::filesystem::path& to);

/// A Status for a failed system call on `path`: ResourceExhausted for a full
/// disk, NotFound for ENOENT, Internal otherwise; the message names both.
Status errno_status(const std::string& what, const std::filesystem::path& path, int err);

/// A name unique in this process and across processes, for temporary files.
std::string unique_suffix();

}  // namespace lightning::storage
