// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.hpp"

namespace lightning::storage {

/// The largest manifest a reader accepts (about 10^5 files).
inline constexpr uint64_t kMaxManifestBytes = 64ull << 20;

/// What is wrong with `rel` as a path inside a work's files (empty when
/// nothing): absolute, empty, "." or ".." segments, a NUL, over 1024 bytes.
/// `allow_empty`: "" names the tree's root (a manifest of one file).
std::string relative_path_problem(std::string_view rel, bool allow_empty = false);

struct ManifestFile {
  std::string path;  ///< relative to the tree's root; "" for a single-file tree
  std::string sha256;
  uint64_t size = 0;
};

/// The content of a committed Path: one file, or a directory's files and
/// (empty) subdirectories. Stored as JSON in the content store; its SHA-256 is
/// the Path's "manifest":
///   {"v": 1, "kind": "file"|"dir", "files": [{"path", "sha256", "size"}], "dirs": [...]}
struct Manifest {
  bool is_dir = false;
  std::vector<ManifestFile> files;  ///< sorted by path
  std::vector<std::string> dirs;    ///< every directory inside the tree, sorted
  uint64_t total_bytes() const;

  std::string to_text() const;
  /// Validates everything: every path relative_path_problem()-free and
  /// unique, every hash 64 hex digits, a file manifest exactly one file.
  static Result<Manifest> parse(std::string_view text);
};

}  // namespace lightning::storage
