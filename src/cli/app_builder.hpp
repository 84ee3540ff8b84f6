// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "app_components.hpp"
#include "library_config.hpp"
#include "log.hpp"
#include "toolchain.hpp"

namespace lightning::cli {

struct BuildRequest {
  std::string source;                 ///< app.cpp as given on the command line
  std::vector<std::string> cxxflags;  ///< --cxxflags
  bool rebuild = false;               ///< ignore a cached binary
  bool use_pch = true;
  ComponentOptions components;  ///< --store, --locked
};

struct BuildResult {
  std::string binary;  ///< absolute path of the app's executable
  bool cache_hit = false;
};

/// Compiles a single-file app against liblightning, caching the binary under
///   <cache_dir>/apps/<stem>-<hash of the source path>/<key>/<stem>
/// where <key> hashes the source path and content, the content of every
/// non-system header it included last time it was built (recorded from the
/// compiler's -MMD depfile in deps-<base key>), the compile and link flags, the
/// compiler's identity, the library version and the stamp of liblightning.so
/// and its headers. A build goes to a fresh tmp-* directory that is renamed into
/// place, so concurrent lightning-runs never see a partial binary. The newest
/// few binaries per source are kept. Single-threaded; one per lightning-run.
class AppBuilder {
 public:
  AppBuilder(const LibraryConfig& library, const Toolchain& toolchain, std::string cache_dir,
             const Log& log);

  /// Throws CliError when the app does not compile or link (the compiler's
  /// own messages have gone to stderr), Interrupted when a signal stopped it.
  BuildResult build(const BuildRequest& request);

 private:
  const LibraryConfig& library_;
  const Toolchain& toolchain_;
  std::string cache_dir_;
  const Log& log_;
};

}  // namespace lightning::cli
