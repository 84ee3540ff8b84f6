// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "run_options.hpp"

#include <pwd.h>
#include <unistd.h>

#include "errors.hpp"
#include "fs_util.hpp"
#include "subprocess.hpp"
#include "util/command_line.hpp"

namespace lightning::cli {

std::string usage(const std::string& program) {
  return "Usage: " + program + R"( [flags] app.cpp [-- app args]

Compiles a single-file Lightning app against liblightning (cached: an unchanged
app is not recompiled) and runs it in place of this command, so its exit code
and signals pass straight through. While the app runs on a terminal, it shows a
live table of its works below their output (a line per status change when
its output is not a terminal).

Flags:
  --env K=V           set K=V in the app's environment (repeatable)
  --log-level LEVEL   passed to the app as --log-level LEVEL
                      (trace|debug|info|warn|error)
  --run-dir DIR       passed to the app as --run-dir DIR
  --resume RUN_DIR    carry on the run in RUN_DIR after its app was killed or
                      crashed (passed to the app; see the app's --help)
  --resume-anyway     with --resume: even if the app or its arguments changed
  -q, --quiet         no live table of works, no status lines (passes --quiet)
  --cluster workers|slurm, --nodes N, --gpus-per-node G, --cpus-per-node C,
  --partition P, --time T, --account A, --sbatch-arg=ARG, --max-requeues N,
  --local-worker,
  --worker-token-file F, --advertise-address HOST, --worker-heartbeat-timeout S,
  --tls-cert F, --tls-key F, --tls-ca F,
  --listen ADDR       passed to the app: run its works on a cluster
                      (docs/guides/slurm.md; the app's --help says more)
  --cxxflags "..."    extra compiler flags (part of the cache key), e.g.
                      --cxxflags "-O0 -g -DDEBUG_MODE"; defaults are -O2 -g0
  --rebuild           compile even if a cached binary is up to date
  --build-only        compile, print the binary's path, do not run it
  --cache-dir DIR     where binaries and precompiled headers are kept
                      (default: $LIGHTNING_CACHE_DIR, $XDG_CACHE_HOME/lightning
                      or ~/.cache/lightning)
  --no-pch            do not use the precompiled lightning/lightning.hpp
  --locked            fail instead of changing lightning.lock (CI, clusters)
  --store DIR         the component store (default: $LIGHTNING_HOME/components
                      or ~/.lightning/components)
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

RunOptions parse_run_options(int argc, char** argv, const std::string& program) {
  RunOptions options;
  // The flags that take a value (one per line, as clang-format would put them, is 23 lines).
  // clang-format off
  const std::vector<std::string> value_flags = {
      "--env", "--log-level", "--run-dir", "--cache-dir", "--cxxflags", "--resume", "--store",
      "--cluster", "--nodes", "--gpus-per-node", "--cpus-per-node", "--partition", "--time",
      "--account", "--sbatch-arg", "--max-requeues", "--worker-token-file", "--advertise-address",
      "--worker-heartbeat-timeout", "--listen", "--tls-cert", "--tls-key", "--tls-ca"};
  // clang-format on
  util::SplitCommandLine split = util::split_command_line(argc, argv, value_flags);
  for (const std::string& name : split.given_empty) {
    if (name == "--cache-dir") throw CliError("--cache-dir must not be empty", 2);
    if (name == "--store") throw CliError("--store must not be empty", 2);
    if (name == "--env") throw CliError("--env expects K=V, got ''", 2);
  }
  options.has_app_args = split.has_double_dash;
  options.app_args = std::move(split.after_double_dash);

  CLI::App app;
  app.set_help_flag();  // -h/--help is an ordinary flag: main prints usage()
  app.allow_extras();   // reported below, in our words
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::vector<std::string> env;
  std::vector<std::string> cxxflags;
  bool no_pch = false;
  app.add_flag("-h,--help", options.help);
  app.add_option("--env", env)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--log-level", options.log_level);
  app.add_option("--run-dir", options.run_dir);
  app.add_option("--resume", options.resume);
  app.add_flag("--resume-anyway", options.resume_anyway);
  CLI::Option* cache_dir = app.add_option("--cache-dir", options.cache_dir);
  app.add_option("--cxxflags", cxxflags)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--rebuild", options.rebuild);
  app.add_flag("--build-only", options.build_only);
  app.add_flag("--no-pch", no_pch);
  app.add_flag("-v,--verbose", options.verbose);
  app.add_flag("-q,--quiet", options.quiet);
  app.add_option("--store", options.store);
  app.add_flag("--locked", options.locked);
  // The app's cluster flags: checked by the app, passed through in order.
  for (const char* flag :
       {"--cluster", "--nodes", "--gpus-per-node", "--cpus-per-node", "--partition", "--time",
        "--account", "--sbatch-arg", "--max-requeues", "--worker-token-file", "--advertise-address",
        "--worker-heartbeat-timeout", "--listen", "--tls-cert", "--tls-key", "--tls-ca"}) {
    app.add_option_function<std::vector<std::string>>(
           flag,
           [&options, flag](const std::vector<std::string>& values) {
             for (const std::string& v : values)
               options.cluster_args.push_back(std::string(flag) + "=" + v);
           })
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  app.add_flag_callback("--local-worker",
                        [&options] { options.cluster_args.emplace_back("--local-worker"); });
  app.add_option("app", options.source);
  try {
    app.parse(std::move(split.own_args_reversed));
  } catch (const CLI::ParseError& e) {
    throw CliError(util::describe_parse_error(e) + "; see --help", 2);
  }
  if (options.help) return options;
  const std::vector<std::string> extras = app.remaining();
  if (!extras.empty()) {
    const std::string& extra = extras.front();
    if (extra.size() > 1 && extra[0] == '-') {
      throw CliError("unknown flag '" + extra + "'; see --help", 2);
    }
    throw CliError("unexpected argument '" + extra + "' after " + options.source +
                       "; app arguments go after --, e.g. " + program + " " + options.source +
                       " -- " + extra,
                   2);
  }
  for (const std::string& kv : env) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CliError("--env expects K=V, got '" + kv + "'", 2);
    }
    options.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const std::string& text : cxxflags) {
    for (auto& flag : shell_split(text)) options.cxxflags.push_back(std::move(flag));
  }
  options.use_pch = !no_pch;
  if (options.source.empty()) {
    throw CliError("no app given; usage: " + program + " [flags] app.cpp [-- app args]", 2);
  }
  if (cache_dir->count() == 0) options.cache_dir = default_cache_dir();
  options.cache_dir = canonical_path(options.cache_dir);
  if (!options.store.empty()) options.store = canonical_path(options.store);
  return options;
}

}  // namespace lightning::cli
