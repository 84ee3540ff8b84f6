// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// What an app uses, from its text to its link line (issue 14,
// docs/components/using.md, docs/design/components.md "How an app uses
// components"): the requirements an app declares (lightning.json beside it,
// `// lightning: use` lines, built-in component includes), resolved against
// the component store and the built-in components, pinned in lightning.lock,
// fetched and built when missing, and turned into BuildAdditions.
// Single-threaded; one call per lightning-run.

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "app_needs.hpp"
#include "component_store.hpp"
#include "library_config.hpp"
#include "log.hpp"
#include "package/lockfile.hpp"
#include "package/manifest.hpp"
#include "package/resolver.hpp"
#include "toolchain.hpp"

namespace lightning::cli {

/// The app manifest beside an app.
inline constexpr const char* kAppManifestFile = "lightning.json";

/// The `source` of a built-in component's candidate and lock entry.
inline constexpr const char* kBuiltinSource = "builtin";

/// How lightning-run treats components (its --store and --locked flags).
struct ComponentOptions {
  /// The component store's root; empty: default_component_store(), asked
  /// only when an app needs a component that is not built in.
  std::filesystem::path store_root;
  /// --locked: fail instead of changing lightning.lock.
  bool locked = false;
};

/// Everything the app at `source` declares it uses, in this order: its
/// lightning.json (package::parse_app_manifest), its use lines and its own
/// headers' (`needs.uses`), and one requirement with range "*" per built-in
/// component it includes (origin "app.cpp: #include <lightning/components/X.hpp>").
/// Throws package::PackageError for a bad lightning.json (naming the field).
std::vector<package::Requirement> app_requirements(const std::string& source,
                                                   const AppNeeds& needs);

/// The built-in components of `library` as resolver candidates (builtin =
/// true, source "builtin", version and content_sha256 from the config).
std::vector<package::Candidate> builtin_candidates(const LibraryConfig& library);

/// What the components an app uses add to its build.
struct AppComponents {
  /// The versions chosen, dependencies first (empty: the app uses none).
  std::vector<package::Candidate> chosen;
  /// The chosen built-in components: AppBuilder adds them as it adds the
  /// ones an app includes (additions_for).
  std::set<std::string> builtins;
  /// The chosen store components' include dirs, flags, libraries (before the
  /// built-in components' and liblightning's) and stamped library files.
  BuildAdditions additions;
  /// Whether lightning.lock was written.
  bool lock_written = false;
};

/// Resolves, installs, builds and locks what the app at `source` uses.
///
///  1. app_requirements(); none: returns {} without reading anything else.
///  2. Candidates: the built-in components (a requirement on a built-in name
///     is a requirement on the built-in), plus the store's list() when some
///     name is not built in.
///  3. lightning.lock beside the app, when present (package::LockFile); a
///     builtin entry of another Lightning version is dropped (with a line on
///     stderr), so the lock moves to this Lightning's.
///  4. package::resolve(); on a ResolveError listing `missing` (a requirement
///     with a source) or `missing_locked` (a lock entry not in the store),
///     ComponentStore::fetch / fetch_locked, then resolve once more.
///  5. ComponentStore::build() of each chosen store component not built for
///     this toolchain, dependencies first ("component acme 1.2.0: building
///     (first use with this toolchain)..." on stderr).
///  6. lightning.lock rewritten atomically when it changes; with
///     `options.locked`, a change throws CliError instead ("lightning.lock
///     would change: acme 1.1.0 is not locked; run without --locked or
///     `lightning update acme`").
///
/// Throws package::PackageError / ResolveError (bad manifest, use line, lock
/// file; no version fits) and CliError (a fetch or build that fails, a
/// built-in left out of this build, --locked), each naming the component.
AppComponents use_app_components(const std::string& source, const AppNeeds& needs,
                                 const LibraryConfig& library, const Toolchain& toolchain,
                                 const ComponentOptions& options, const Log& log);

/// `lightning update [NAME...] [--app APP.cpp | DIR]`.
struct UpdateOptions {
  std::vector<std::string> names;  ///< empty: every entry of the lock
  std::string app;                 ///< an app (its directory's lock) or a directory; "": "."
  ComponentOptions components;     ///< --store
};

/// Moves lightning.lock's entries on purpose: for each locked component (or
/// each of `names`) from a git or directory source, the highest version its
/// source offers (ComponentStore::offered_versions) that every requirement of
/// the directory's apps allows is fetched and built, and the entry replaced;
/// a builtin entry moves to this Lightning's version. Then each app of the
/// directory (the *.cpp files that use a component, or `--app`'s) is
/// resolved again so that the lock's dependencies follow. Prints one line per
/// entry to `out`: "acme 1.0.0 -> 1.1.0" or "acme 1.0.0 is up to date".
/// Returns 0. Throws CliError when there is no lightning.lock, a NAME is not
/// in it, or a fetch, build or resolution fails.
int update_command(const UpdateOptions& options, std::FILE* out);

/// Parses `lightning update ...` (argv[0] is "update"); throws CliError
/// (exit code 2) for a bad command line. Sets `help` when --help was given.
UpdateOptions parse_update_options(int argc, char** argv, bool& help, std::string& help_text);

}  // namespace lightning::cli
