// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The templates of `lightning init component|app` and the component probe's
// CMake project (src/cli/templates/, plus cmake/LightningLinkClosure.cmake as
// probe/LightningLinkClosure.cmake), compiled into the `lightning` binary at
// build time by cmake/EmbedFiles.cmake: nothing is read from the source tree
// at run time, so an installed `lightning` has them too.
#pragma once

#include <string_view>
#include <vector>

namespace lightning::cli {

/// One embedded file.
struct EmbeddedFile {
  std::string_view path;   ///< relative to src/cli/templates, e.g. "component/CMakeLists.txt"
  std::string_view bytes;  ///< its content
  std::string_view etag;   ///< "\"<first 16 hex digits of its SHA-256>\"" (unused here)
};

/// The embedded file at `path`, or nullptr.
const EmbeddedFile* find_template_file(std::string_view path);

/// Every embedded file, in the order of the manifest (sorted by path).
std::vector<const EmbeddedFile*> template_files();

}  // namespace lightning::cli
