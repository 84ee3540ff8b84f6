// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The `lightning` commands that make and install components (docs/cli.md,
// "Components"): install component, list components, remove component,
// init component|app, build component.
#pragma once

#include <cstdio>
#include <string>

namespace lightning::cli {

/// One of those command lines, parsed (cli_options.cpp).
struct ComponentCommand {
  std::string verb;      ///< "install", "list", "remove", "init" or "build"
  std::string object;    ///< "component", "components" or "app"
  std::string argument;  ///< install: SOURCE[@REV]; remove: NAME[@VERSION]; init: NAME; build: DIR
  std::string store;     ///< --store DIR; empty: default_component_store()
  std::string dir;       ///< init --dir DIR; empty: ./NAME
  bool json = false;     ///< list --json
  bool test = false;     ///< build --test
};

/// Runs it, printing to `out` (progress and warnings go to stderr). Returns
/// the exit code (0) or throws CliError: exit code 2 for a bad argument (a
/// bad NAME, an existing non-empty --dir), 1 for everything else.
int run_component_command(const ComponentCommand& command, std::FILE* out);

}  // namespace lightning::cli
