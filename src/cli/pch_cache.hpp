// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "library_config.hpp"
#include "log.hpp"
#include "toolchain.hpp"

namespace lightning::cli {

/// Precompiled lightning/lightning.hpp (and, for a libtorch app, torch/torch.h
/// after it: `headers`), one per (compiler, compile flags, library version,
/// headers) under <cache_dir>/pch/<key>/. Each records the stamps of
/// every file it was built from and is rebuilt when one changes (a library
/// header edited in a build tree, a system header upgraded). clang: a .pch used
/// with -include-pch; g++: a .gch next to a one-line wrapper header used with
/// -include. Concurrent lightning-runs may build the same PCH; each writes a
/// temporary file and renames it into place.
class PchCache {
 public:
  /// `headers`: what the PCH includes, in order; default: the library's pch_header.
  PchCache(const LibraryConfig& library, const Toolchain& toolchain, std::string cache_dir,
           const Log& log, std::vector<std::string> headers = {});

  /// Flags that make a compile with exactly `compile_flags` use the PCH,
  /// building it first when needed; empty when it cannot be built, in which
  /// case the app compiles without it (and shows any error in context).
  std::vector<std::string> flags_for(const std::vector<std::string>& compile_flags,
                                     bool use_ccache);

 private:
  const LibraryConfig& library_;
  const Toolchain& toolchain_;
  std::string cache_dir_;
  const Log& log_;
  std::vector<std::string> headers_;
};

/// CCACHE_SLOPPINESS that lets ccache cache compiles using a PCH, merged with
/// the user's own.
std::string ccache_pch_sloppiness();

}  // namespace lightning::cli
