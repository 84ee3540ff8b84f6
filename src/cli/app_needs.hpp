// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <set>
#include <string>
#include <vector>

#include "library_config.hpp"
#include "package/manifest.hpp"

namespace lightning::cli {

/// One `#include` line: the path between the brackets or quotes.
struct IncludeLine {
  std::string path;
  bool angled = false;  ///< <...> rather than "..."
};

/// The #include lines of a C++ source, in order: lines whose first non-blank
/// character is '#', then `include` (blanks allowed between), then <path> or
/// "path". A line-based scan, not a preprocessor: an include inside #if 0 or
/// a /* */ comment counts, one made by a macro does not.
std::vector<IncludeLine> scan_includes(const std::string& text);

/// What an app needs beyond liblightning, as its includes say:
/// `#include <lightning/components/X.hpp>` (or any header under
/// lightning/components/X/) needs component X; `#include <torch/...>`,
/// `<ATen/...>` or `<c10/...>` needs libtorch.
struct AppNeeds {
  std::set<std::string> components;
  bool torch = false;             ///< some file includes a libtorch header
  bool torch_h_directly = false;  ///< the app's own file includes <torch/torch.h> (PCH-able)
  /// The file and line (e.g. "app.cpp: #include <torch/torch.h>") that made it
  /// need each component, and libtorch ("torch"), for error messages.
  std::vector<std::pair<std::string, std::string>> reasons;
  /// The `// lightning: use NAME@RANGE [from SOURCE]` lines of the app and of
  /// the headers scanned (package::scan_use_lines; origin "FILE:LINE").
  std::vector<package::Requirement> uses;
};

/// Scans `source` (its text is `content`) and, recursively, the "quoted"
/// headers it includes that exist next to the file including them (at most 64
/// files): an app's own headers may include components too. Headers in <...>
/// are not followed. Throws package::PackageError for a malformed use line,
/// naming FILE:LINE.
AppNeeds scan_app_needs(const std::string& source, const std::string& content);

/// The flags an app with `needs` adds to its build.
struct BuildAdditions {
  std::vector<std::string> include_dirs;  ///< -isystem, after the library's
  std::vector<std::string> compile_flags;
  std::vector<std::string> libraries_before;  ///< components' libraries: before liblightning's
  std::vector<std::string> libraries_after;   ///< libtorch's: after
  std::vector<std::string> stamped_files;     ///< libraries whose size and mtime go into the key
  std::vector<std::string> header_dirs;       ///< dirs whose lightning/ headers go into the key
  bool torch = false;
};

/// What `needs` adds, from the library config. Throws CliError naming the
/// include and what to do when a component is not in this build (with the
/// reason the config gives, e.g. that it needs libtorch), is unknown, or when
/// libtorch is needed and the build has none.
BuildAdditions additions_for(const AppNeeds& needs, const LibraryConfig& library,
                             const std::string& app);

}  // namespace lightning::cli
