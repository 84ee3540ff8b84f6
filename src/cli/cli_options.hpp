// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>

#include "app_commands.hpp"
#include "component_commands.hpp"

namespace lightning::cli {

/// A `lightning` command line other than `lightning run` (which is
/// lightning-run's, run_options.hpp).
struct CliCommand {
  std::string name;       ///< "status", "logs", "stop", "state", or a component command's verb
  AppSelection app;       ///< --app, --token / $LIGHTNING_TOKEN, the working directory
  std::string work_path;  ///< logs PATH, stop [PATH]
  int tail = 100;         ///< logs --tail N (0..10000)
  bool follow = false;    ///< logs -f / --follow
  bool watch = false;     ///< state --watch
  bool help = false;      ///< -h / --help: print help_text, exit 0
  std::string help_text;  ///< the help of the command asked about
  /// install component, list components, remove component, init component|app,
  /// build component: their arguments (name is then component.verb).
  ComponentCommand component;
};

/// Parses argv with CLI11; throws CliError (exit code 2) saying what is wrong
/// ("unknown subcommand 'stauts'", "logs needs the work's path, e.g. ...").
CliCommand parse_cli_command(int argc, char** argv);

/// The top-level --help text.
std::string cli_usage();

/// Finds the app and runs the command, printing to `out`; returns the exit
/// code or throws CliError (exit codes in api_client.hpp).
int run_cli_command(const CliCommand& command, std::FILE* out);

}  // namespace lightning::cli
