// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semver.hpp"

namespace lightning::package {

/// The file that makes a directory or git repository a component.
inline constexpr const char* kComponentManifestFile = "lightning-component.json";

/// Whether `name` is a valid component name: [a-z][a-z0-9_]{0,63}. The name is
/// used as a directory in the component store and in error messages, so
/// '/', '.', '..' and upper case are refused.
bool is_valid_component_name(std::string_view name);

/// lightning-component.json (docs/components/publishing.md):
///
///   {
///     "name": "acme_trainer",                     // required, is_valid_component_name
///     "version": "1.2.0",                         // required, SemVer 2.0.0
///     "description": "Trains Acme's models",      // required, one line, <= 200 chars
///     "package": "acme_trainer",                  // find_package() name; default: name
///     "target": "acme_trainer::acme_trainer",     // the exported CMake target; required
///     "lightning": "^0.1",                        // Lightning versions it builds with; default "*"
///     "dependencies": {"acme_data": "^2.0"},      // other components, name -> VersionRange
///     "system_packages": ["libfoo-dev"],          // Debian packages it needs to build
///     "torch": false                              // whether it links libtorch; default false
///   }
///
/// Unknown top-level keys are an error (a typo must not pass silently),
/// except ones starting with "x-" (free for tools).
struct ComponentManifest {
  std::string name;
  Version version;
  std::string description;
  std::string package;  ///< find_package(<package> CONFIG) name: [A-Za-z0-9_.+-]+
  std::string target;   ///< Namespace::name, [A-Za-z0-9_.+-]+ on each side of "::"
  VersionRange lightning;
  std::map<std::string, VersionRange> dependencies;  ///< keys are valid component names, not `name`
  std::vector<std::string> system_packages;          ///< Debian package names ([a-z0-9][a-z0-9+.-]+)
  bool torch = false;

  /// Parses and validates `text` (the file's content). `origin` (the file's
  /// path, or "SOURCE@REV:lightning-component.json") starts every error
  /// message, which names the field: "…/lightning-component.json: field
  /// 'version': '1.2' is not a SemVer version: …". Throws PackageError.
  static ComponentManifest parse(std::string_view text, std::string_view origin);

  /// The manifest as JSON (the same fields; `parse(to_json().dump())` gives it back).
  std::string to_json() const;
};

/// One "this app uses component NAME at versions RANGE" declaration.
struct Requirement {
  std::string name;
  VersionRange range;  ///< "*" when the declaration gives none
  /// Where to install it from when no installed version matches: a git URL
  /// (https://, ssh://, git@host:path, file://) optionally with "@REV", or a
  /// local directory. Empty: only the component store is looked at.
  std::string source;
  std::string origin;  ///< who asked, for messages: "app.cpp:3", "lightning.json", "component acme 1.2.0"
};

/// The app manifest beside app.cpp, `lightning.json`:
///
///   {"components": {"acme_trainer": "^1.2",
///                   "acme_data": {"version": "^2", "source": "git+file:///srv/acme_data.git"}}}
///
/// (A "git+" prefix is accepted and dropped.) Unknown keys are an error except
/// "x-*". Throws PackageError naming `origin` and the field.
std::vector<Requirement> parse_app_manifest(std::string_view text, std::string_view origin);

/// The `// lightning: use NAME[@RANGE] [from SOURCE]` lines of an app's source
/// (a line whose first non-blank characters are "//", then optional blanks,
/// "lightning:", blanks, "use"). Anywhere in the file, like #include lines.
/// `origin` is the file name; each Requirement's origin is "FILE:LINE".
/// A malformed use line (no name, a bad name or range, trailing words) throws
/// PackageError naming FILE:LINE; other comments are ignored.
std::vector<Requirement> scan_use_lines(std::string_view source_text, std::string_view origin);

}  // namespace lightning::package
