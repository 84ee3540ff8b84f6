// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "run_options.hpp"

#include <pwd.h>
#include <unistd.h>

#include "errors.hpp"
#include "fs_util.hpp"
#include "subprocess.hpp"

namespace lightning::cli {

std::string usage() {
  return R"(Usage: lightning-run [flags] app.cpp [-- app args]

Compiles a single-file Lightning app against liblightning (cached: an unchanged
app is not recompiled) and runs it in place of lightning-run, so its exit code
and signals pass straight through.

Flags:
  --env K=V           set K=V in the app's environment (repeatable)
  --log-level LEVEL   passed to the app as --log-level LEVEL
                      (trace|debug|info|warn|error)
  --run-dir DIR       passed to the app as --run-dir DIR
  --cxxflags "..."    extra compiler flags (part of the cache key), e.g.
                      --cxxflags "-O0 -g -DDEBUG_MODE"; defaults are -O2 -g0
  --rebuild           compile even if a cached binary is up to date
  --build-only        compile, print the binary's path, do not run it
  --cache-dir DIR     where binaries and precompiled headers are kept
                      (default: $LIGHTNING_CACHE_DIR, $XDG_CACHE_HOME/lightning
                      or ~/.cache/lightning)
  --no-pch            do not use the precompiled lightning/lightning.hpp
  -v, --verbose       print cache hit/miss, compile commands and timings
  -h, --help          print this help

Environment:
  LIGHTNING_CXX         compiler to use (default: clang++, else g++)
  LIGHTNING_RUN_CONFIG  library config (default: <exe dir>/../share/lightning/
                        lightning-run.json)
  CCACHE_DISABLE=1      do not use ccache even when it is installed
)";
}

std::string default_cache_dir() {
  std::string dir = env_or_empty("LIGHTNING_CACHE_DIR");
  if (!dir.empty()) return dir;
  dir = env_or_empty("XDG_CACHE_HOME");
  if (!dir.empty()) return dir + "/lightning";
  std::string home = env_or_empty("HOME");
  if (home.empty()) {
    if (const passwd* pw = ::getpwuid(::getuid())) home = pw->pw_dir;
  }
  if (home.empty()) home = "/tmp";
  return home + "/.cache/lightning";
}

RunOptions parse_run_options(int argc, char** argv) {
  RunOptions options;
  bool cache_dir_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      options.has_app_args = true;
      for (++i; i < argc; ++i) options.app_args.emplace_back(argv[i]);
      break;
    }
    // "--flag=value" is the same as "--flag value".
    std::string inline_value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      const auto eq = arg.find('=');
      if (eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg.resize(eq);
        has_inline_value = true;
      }
    }
    auto value = [&](const char* what) -> std::string {
      if (has_inline_value) return inline_value;
      if (i + 1 >= argc) throw CliError(arg + " needs " + what + "; see --help", 2);
      return argv[++i];
    };
    auto no_value = [&] {
      if (has_inline_value) throw CliError(arg + " takes no value", 2);
    };

    if (arg == "--env") {
      const std::string kv = value("K=V");
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw CliError("--env expects K=V, got '" + kv + "'", 2);
      }
      options.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (arg == "--log-level") {
      options.log_level = value("a level (trace|debug|info|warn|error)");
    } else if (arg == "--run-dir") {
      options.run_dir = value("a directory");
    } else if (arg == "--cache-dir") {
      options.cache_dir = value("a directory");
      cache_dir_given = true;
    } else if (arg == "--cxxflags") {
      for (auto& flag : shell_split(value("compiler flags"))) {
        options.cxxflags.push_back(std::move(flag));
      }
    } else if (arg == "--rebuild") {
      no_value();
      options.rebuild = true;
    } else if (arg == "--build-only") {
      no_value();
      options.build_only = true;
    } else if (arg == "--no-pch") {
      no_value();
      options.use_pch = false;
    } else if (arg == "-v" || arg == "--verbose") {
      no_value();
      options.verbose = true;
    } else if (arg == "-h" || arg == "--help") {
      options.help = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw CliError("unknown flag '" + arg + "'; see --help", 2);
    } else if (options.source.empty()) {
      options.source = arg;
    } else {
      throw CliError("unexpected argument '" + arg + "' after " + options.source +
                         "; app arguments go after --, e.g. lightning-run " + options.source +
                         " -- " + arg,
                     2);
    }
  }
  if (options.help) return options;
  if (options.source.empty()) {
    throw CliError("no app given; usage: lightning-run [flags] app.cpp [-- app args]", 2);
  }
  if (cache_dir_given && options.cache_dir.empty()) {
    throw CliError("--cache-dir must not be empty", 2);
  }
  if (!cache_dir_given) options.cache_dir = default_cache_dir();
  options.cache_dir = canonical_path(options.cache_dir);
  return options;
}

}  // namespace lightning::cli
