// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lightning::cli {

/// What lightning-run needs to know about a file without reading it.
struct FileStamp {
  bool exists = false;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

/// stat() following symlinks; exists == false if the file cannot be stat'ed.
FileStamp stamp_of(const std::string& path);

/// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::string& path);

/// Writes `text` to `path` atomically (util::write_file_atomically: a temp
/// file, fsync, rename); throws CliError with its message on failure.
void write_file(const std::string& path, std::string_view text);

/// Whether `text` begins with `prefix` (std::string::starts_with is C++20).
inline bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

/// mkdir -p; throws CliError on failure.
void make_dirs(const std::string& path);

/// A fresh, unique directory `<parent>/<prefix><pid>-<random>`; throws CliError.
std::string make_unique_dir(const std::string& parent, const std::string& prefix);

/// rm -rf that never throws.
void remove_all_quietly(const std::string& path);

/// Absolute, symlink-free path if the file exists, else the lexically
/// normalised absolute path.
std::string canonical_path(const std::string& path);

/// The directory part of `path` ("/a/b/c" -> "/a/b").
std::string dir_name(const std::string& path);
/// The file name without its last extension ("/a/b/app.cpp" -> "app").
std::string stem_of(const std::string& path);

/// The executable `name` as found on $PATH (or `name` itself if it contains a
/// '/' and is executable); empty when not found.
std::string find_program(const std::string& name);

/// The path of the running executable (/proc/self/exe).
std::string self_exe();

/// Value of an environment variable; empty when unset.
std::string env_or_empty(const char* name);

}  // namespace lightning::cli
