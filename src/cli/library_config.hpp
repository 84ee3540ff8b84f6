// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace lightning::cli {

/// Where liblightning and its headers live and how to build against them: read
/// from the lightning-run.json that CMake generates (one for the build tree,
/// one installed under <prefix>/share/lightning). Relative paths in the file
/// are relative to the file, so an installed tree can be moved.
struct LibraryConfig {
  std::string config_path;                 ///< the JSON file read
  std::string version;                     ///< library version, e.g. "0.1.0"
  std::vector<std::string> include_dirs;   ///< passed with -isystem
  std::vector<std::string> lib_dirs;       ///< -L and -Wl,-rpath
  std::vector<std::string> libraries;      ///< -l
  std::string library_file;                ///< liblightning.so, stamped for the cache key
  std::vector<std::string> compile_flags;  ///< e.g. -std=c++17 -pthread
  std::vector<std::string> link_flags;     ///< e.g. -pthread
  std::string pch_header;                  ///< header to precompile, e.g. lightning/lightning.hpp
};

/// The config file lightning-run uses: $LIGHTNING_RUN_CONFIG, else
/// <dir of this executable>/../share/lightning/lightning-run.json.
std::string find_library_config();

/// Reads and checks the file; throws CliError saying what is wrong.
LibraryConfig load_library_config(const std::string& path);

}  // namespace lightning::cli
