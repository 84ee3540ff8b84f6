// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>

namespace lightning::package {

/// SHA-256 (OpenSSL EVP) of a source tree's content, as 64 lowercase hex
/// digits: the same for the same files wherever and whenever they are checked
/// out (no mtimes, owners or absolute paths). Covers every regular file and
/// symlink under `root`, sorted by relative path (bytes), except the
/// top-level ".git" and anything under a top-level "build" directory; for each
/// its relative path, its type and executable bit, and its content (a symlink:
/// its target text, not followed); the exact bytes hashed are specified in
/// docs/design/components.md ("Content hash"). Throws PackageError when `root`
/// is not a directory, a file or directory cannot be read, or an entry is
/// neither a regular file, a directory nor a symlink (a FIFO, a socket, a
/// device), naming the file.
std::string tree_sha256(const std::filesystem::path& root);

/// SHA-256 of `bytes`, 64 lowercase hex digits.
std::string sha256_hex(const std::string& bytes);

}  // namespace lightning::package
