// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace lightning::cli {

enum class CompilerKind { kClang, kGcc };

/// The fastest toolchain present: clang++ with lld, else g++ with lld or gold,
/// plus ccache when installed. $LIGHTNING_CXX picks the compiler.
struct Toolchain {
  std::string compiler;  ///< as invoked (a path found on $PATH)
  CompilerKind kind = CompilerKind::kGcc;
  std::string identity;                 ///< real path + `--version` output: part of the cache key
  std::vector<std::string> link_flags;  ///< e.g. -fuse-ld=lld
  std::string ccache;                   ///< ccache's path; empty when absent or disabled
};

/// Finds the toolchain. `--version` of the compiler is run once per compiler
/// binary (keyed by its path, size and mtime) and kept under
/// <cache_dir>/toolchain. Throws CliError when no C++ compiler is found.
Toolchain detect_toolchain(const std::string& cache_dir);

}  // namespace lightning::cli
