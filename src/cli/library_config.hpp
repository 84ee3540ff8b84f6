// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lightning::cli {

/// A component built with the library (components/<name>/, docs/components/).
struct ComponentConfig {
  std::vector<std::string> include_dirs;  ///< passed with -isystem
  std::vector<std::string> libraries;     ///< its library file, then what it links (files, flags)
  bool torch = false;                     ///< it links libtorch
  /// From its components/<name>/lightning-component.json (the project's
  /// version; empty in a config written before components had manifests).
  std::string version;
  /// SHA-256 of that manifest file (64 hex): what lightning.lock pins for a
  /// builtin ("source": "builtin").
  std::string content_sha256;
  /// Its manifest's "dependencies": other built-in components, name -> range text.
  std::map<std::string, std::string> dependencies;
};

/// libtorch, as find_package(Torch) found it when the library was configured.
struct TorchConfig {
  std::string version;
  std::vector<std::string> include_dirs;   ///< -isystem
  std::vector<std::string> compile_flags;  ///< e.g. -D_GLIBCXX_USE_CXX11_ABI=1
  std::vector<std::string> libraries;      ///< files and flags, in link order
  std::string pch_header;                  ///< precompiled with the library's, e.g. torch/torch.h
};

/// Where liblightning and its headers live and how to build against them: read
/// from the lightning-run.json that CMake generates (one for the build tree,
/// one installed under <prefix>/share/lightning). Relative paths in the file
/// are relative to the file, so an installed tree can be moved.
struct LibraryConfig {
  std::string config_path;                 ///< the JSON file read
  std::string version;                     ///< library version, e.g. "0.1.0"
  std::vector<std::string> include_dirs;   ///< passed with -isystem
  std::vector<std::string> lib_dirs;       ///< -L and -Wl,-rpath
  std::vector<std::string> libraries;      ///< -l
  std::string library_file;                ///< liblightning.so, stamped for the cache key
  std::vector<std::string> compile_flags;  ///< e.g. -std=c++17 -pthread
  std::vector<std::string> link_flags;     ///< e.g. -pthread
  std::string pch_header;                  ///< header to precompile, e.g. lightning/lightning.hpp
  /// Components built with it, by name ("script" for <lightning/components/script.hpp>).
  std::map<std::string, ComponentConfig> components;
  /// Components of the source tree this build left out, with the reason.
  std::map<std::string, std::string> missing_components;
  /// libtorch, when the build found it.
  std::optional<TorchConfig> torch;
};

/// The config file lightning-run uses: $LIGHTNING_RUN_CONFIG, else
/// <dir of this executable>/../share/lightning/lightning-run.json.
std::string find_library_config();

/// Reads and checks the file; throws CliError saying what is wrong.
LibraryConfig load_library_config(const std::string& path);

/// Parses the text of a config read from `path` (relative paths in it are
/// relative to `path`'s directory); throws CliError saying what is wrong.
/// Does not check that the files it names exist.
LibraryConfig parse_library_config(const std::string& text, const std::string& path);

}  // namespace lightning::cli
