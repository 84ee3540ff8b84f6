// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The dashboard's files (dashboard/src and the npm packages it uses), compiled
// into the library at build time by cmake/EmbedFiles.cmake: nothing is read
// from disk or fetched from the internet at run time.
#pragma once

#include <string_view>

namespace lightning::http {

/// One embedded file.
struct EmbeddedFile {
  std::string_view path;   ///< its address under /dashboard/, e.g. "app.js", "vendor/uPlot.esm.js"
  std::string_view bytes;  ///< its content
  std::string_view etag;   ///< "\"<first 16 hex digits of its SHA-256>\""
};

/// The embedded file at `path`, or nullptr.
const EmbeddedFile* find_dashboard_file(std::string_view path);

}  // namespace lightning::http
