// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lightning::cli {

/// lightning-run's command line:
///   lightning-run [flags] app.cpp [-- app args]
struct RunOptions {
  std::string source;                                    ///< app.cpp as given
  std::vector<std::pair<std::string, std::string>> env;  ///< --env K=V
  std::string log_level;                                 ///< --log-level, passed to the app
  std::string run_dir;                                   ///< --run-dir, passed to the app
  std::string resume;          ///< --resume RUN_DIR, passed to the app
  bool resume_anyway = false;  ///< --resume-anyway, passed to the app
  bool rebuild = false;                                  ///< --rebuild
  bool build_only = false;                               ///< --build-only
  bool verbose = false;                                  ///< -v / --verbose
  bool quiet = false;     ///< -q / --quiet: no works table or status lines (app's --quiet)
  bool use_pch = true;    ///< --no-pch turns it off
  std::string cache_dir;  ///< --cache-dir or the default
  std::vector<std::string> cxxflags;  ///< --cxxflags, split like a shell
  /// The app's cluster flags (--cluster, --nodes, --gpus-per-node, ...,
  /// --listen), each as "--flag=value" or "--flag", passed to the app in order.
  std::vector<std::string> cluster_args;
  bool has_app_args = false;          ///< a "--" was given
  std::vector<std::string> app_args;  ///< after "--"
  bool help = false;                  ///< --help
  std::string store;                  ///< --store DIR: the component store; "": the default
  bool locked = false;                ///< --locked: fail rather than change lightning.lock
};

/// Parses argv[1..]; throws CliError (exit code 2) saying what is wrong.
/// `program` ("lightning-run", "lightning run") is how messages name the command.
RunOptions parse_run_options(int argc, char** argv, const std::string& program = "lightning-run");

/// $LIGHTNING_CACHE_DIR, else $XDG_CACHE_HOME/lightning, else ~/.cache/lightning.
std::string default_cache_dir();

/// The --help text.
std::string usage(const std::string& program = "lightning-run");

}  // namespace lightning::cli
