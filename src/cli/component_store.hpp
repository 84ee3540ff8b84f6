// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The user's component store (issue 14, docs/design/components.md): where
// `lightning install component` puts components, fetched from a git URL or a
// directory, and builds them with the toolchain lightning-run uses for apps.
//
// Layout under the root ($LIGHTNING_HOME/components, default
// ~/.lightning/components):
//   <name>/<version>+<id12>/            one installed version; id12 = the first
//                                       12 hex of its commit (git) or of its
//                                       content_sha256 (a directory)
//     installed.json                    InstalledComponent's fields
//     src/                              the source tree (no .git)
//     builds/<toolchain key>/           one build per toolchain:
//       build/ prefix/ build.log link.json
//   .git/<sha256(url)[:16]>.git         bare mirrors of git sources (fetch cache)
//   .lock                               flock()ed while the store changes

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "library_config.hpp"
#include "package/lockfile.hpp"
#include "package/manifest.hpp"
#include "package/resolver.hpp"
#include "toolchain.hpp"

namespace lightning::cli {

/// $LIGHTNING_HOME/components, else $HOME/.lightning/components. Throws
/// CliError when neither variable is set.
std::filesystem::path default_component_store();

/// What a component is built with: the same compiler and flags lightning-run
/// uses for apps against `library` (so an ASan Lightning gets ASan components).
struct ComponentToolchain {
  std::string compiler;                 ///< Toolchain::compiler
  std::string compiler_identity;        ///< Toolchain::identity
  std::vector<std::string> cxx_flags;   ///< the library's compile flags (CMAKE_CXX_FLAGS)
  std::vector<std::string> link_flags;  ///< Toolchain::link_flags + the library's
  std::string lightning_version;        ///< LibraryConfig::version
  std::string library_config;           ///< LibraryConfig::config_path
  /// 16 hex digits over all of the above: the builds/ subdirectory.
  std::string key() const;
};
ComponentToolchain component_toolchain(const Toolchain& toolchain, const LibraryConfig& library);

/// What an installed, built component adds to an app's build: the link
/// closure of its CMake target (manifest `target`), probed after
/// `cmake --install` by a generated CMake project (find_package + the
/// target's INTERFACE_* properties, imported targets flattened to files).
/// Lightning's own targets (Lightning::*) are left out: lightning-run adds
/// those itself.
struct ComponentBuild {
  std::vector<std::string> include_dirs;   ///< -isystem
  std::vector<std::string> compile_flags;  ///< -D..., other options, in order
  std::vector<std::string> libraries;      ///< files and flags, link order
  std::vector<std::string> stamped_files;  ///< library files whose size+mtime key the app cache
};

/// One installed version of a component.
struct InstalledComponent {
  package::ComponentManifest manifest;
  std::string source;         ///< git URL ("git+" dropped) or absolute directory
  std::string requested_rev;  ///< the REV of SOURCE@REV; empty: the default branch's HEAD
  std::string commit;         ///< 40 hex for git; empty for a directory
  std::string content_sha256; ///< package::tree_sha256 of src/
  std::filesystem::path dir;  ///< the store entry (<name>/<version>+<id12>)
  std::string installed_at;   ///< RFC 3339 UTC

  std::filesystem::path source_dir() const { return dir / "src"; }
  /// For the resolver (builtin = false).
  package::Candidate candidate() const;
};

/// A git or directory source, parsed: "git+file:///r.git@v1.2.0",
/// "https://host/r.git", "git@host:r.git@main", "./dir", "/abs/dir".
/// The last "@" after the path part separates REV (so "git@host:" is not
/// one). A directory source is made absolute. Throws CliError for an empty
/// source, a REV with blanks or starting with '-', or a directory that does
/// not exist.
struct SourceSpec {
  std::string source;  ///< without "git+" and "@REV"
  std::string rev;     ///< empty: HEAD
  bool git = false;
  static SourceSpec parse(const std::string& text);
};

class ComponentStore {
 public:
  explicit ComponentStore(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  /// Every installed version, sorted by name then version. A broken entry (no
  /// or unreadable installed.json) is skipped with a warning on stderr.
  std::vector<InstalledComponent> list() const;

  /// Fetches `spec` (git: into the bare mirror, `git fetch`, REV resolved to a
  /// commit, the tree exported without .git; directory: copied), reads and
  /// validates its lightning-component.json, hashes it, and stores it. Does not
  /// build. Returns the existing entry when the same name, version and content
  /// are installed already. Throws CliError naming the source: no such
  /// repository, no such revision ("revision 'v9' not found in URL: git said
  /// ..."), no manifest, a bad manifest (the PackageError's text), the same
  /// name and version installed with different content (remove it first).
  InstalledComponent fetch(const SourceSpec& spec);

  /// Fetches a lock entry exactly: its source at its commit, then checks that
  /// the content hashes to its content_sha256. Throws CliError: "component
  /// 'x' 1.0.0: the source at URL no longer matches lightning.lock (content
  /// sha256 ab12… != cd34…); run `lightning update x` to take the new content"
  /// — also when the commit is gone from the source.
  InstalledComponent fetch_locked(const package::LockedComponent& locked);

  /// The versions a git source offers: its tags that read as SemVer (a leading
  /// 'v' allowed) whose manifest at that tag has that version, plus the
  /// default branch's HEAD (its manifest's version). A directory offers its
  /// one current version. Fetches first. For `lightning update`.
  std::vector<std::pair<package::Version, SourceSpec>> offered_versions(const SourceSpec& spec);

  /// Builds `component` for `toolchain` unless builds/<key>/link.json exists:
  /// checks `system_packages` (dpkg-query; a missing one is an error naming
  /// the apt command), cmake configure (compiler, flags, Release,
  /// CMAKE_PREFIX_PATH = a Lightning package generated from `library` (the
  /// Lightning::lightning and Lightning::<builtin> targets) + the `deps`'
  /// prefixes, BUILD_TESTING=OFF), build, install into prefix/, probe.
  /// Concurrent builds of the same entry wait for each other (flock).
  /// Throws CliError "component 'x' 1.0.0 does not build: <last 30 lines of
  /// the log>\n(full log: PATH)".
  ComponentBuild build(const InstalledComponent& component, const ComponentToolchain& toolchain,
                       const std::vector<InstalledComponent>& deps, const LibraryConfig& library);

  /// Whether build() would do nothing.
  bool is_built(const InstalledComponent& component, const ComponentToolchain& toolchain) const;

  /// Removes every version of `name`, or one. Returns how many were removed;
  /// throws CliError when none matches ("component 'x' is not installed").
  int remove(const std::string& name, const std::optional<package::Version>& version);

 private:
  std::filesystem::path root_;
};

}  // namespace lightning::cli
