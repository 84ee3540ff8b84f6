// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Building components: the Lightning CMake package generated from
// lightning-run.json, the cmake command lines, the probe. Used by
// ComponentStore::build() and `lightning build component`
// (docs/design/components.md, "Building components").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "component_store.hpp"
#include "library_config.hpp"

namespace lightning::cli {

/// The text of a LightningConfig.cmake that defines, from `library` (the
/// lightning-run.json lightning-run builds apps with), the IMPORTED INTERFACE
/// targets Lightning::lightning (include dirs, compile flags, libraries and
/// link flags as lightning-run gives an app), Lightning::torch (when the build
/// has libtorch) and Lightning::<name> for each built-in component (its
/// include dirs and libraries, then Lightning::lightning, and Lightning::torch
/// for a torch one).
std::string lightning_package_config(const LibraryConfig& library);

/// A LightningConfigVersion.cmake for `version` with CMake's
/// SameMinorVersion rule (0.x: a minor version may break the API).
std::string lightning_package_version(const std::string& version);

/// Writes the generated package under `<store>/.cmake/<toolchain key>/`
/// (rewriting a file only when its content changed) and returns that
/// directory, for CMAKE_PREFIX_PATH. Throws CliError.
std::filesystem::path write_lightning_package(const std::filesystem::path& store,
                                              const ComponentToolchain& toolchain,
                                              const LibraryConfig& library);

/// The `cmake -S SRC -B BUILD` arguments after those two for a component
/// build: generator (Ninja when present), compiler (+ ccache launcher when the
/// toolchain has it), CMAKE_CXX_FLAGS and linker flags, Release,
/// CMAKE_PREFIX_PATH, no package registries.
std::vector<std::string> component_configure_args(const ComponentToolchain& toolchain,
                                                  const std::vector<std::string>& prefix_path);

/// Checks with dpkg-query that the manifest's system_packages are installed;
/// throws CliError "<what> needs the system package libfoo-dev, which is not
/// installed ...; install it (as root): apt-get install libfoo-dev". Without
/// dpkg-query (not Debian) it warns and checks nothing.
void check_system_packages(const package::ComponentManifest& manifest, const std::string& what);

/// The number of parallel build jobs: the CPUs this process may use.
int build_jobs();

/// `text` with each "{{key}}" replaced by its value.
std::string render_template(std::string text,
                            const std::vector<std::pair<std::string, std::string>>& values);

/// The last `lines` lines of the file (for error messages).
std::string tail_of_file(const std::string& path, int lines);

/// link.json's text <-> ComponentBuild. parse throws CliError naming `origin`.
std::string component_build_json(const ComponentBuild& build);
ComponentBuild parse_component_build(const std::string& text, const std::string& origin);

}  // namespace lightning::cli
