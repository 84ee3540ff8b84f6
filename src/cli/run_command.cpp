// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "run_command.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "app_builder.hpp"
#include "errors.hpp"
#include "fs_util.hpp"
#include "library_config.hpp"
#include "log.hpp"
#include "run_options.hpp"
#include "toolchain.hpp"

namespace lightning::cli {
namespace {

// Replaces this process with the app; returns only if exec failed.
int exec_app(const std::string& binary, const RunOptions& options) {
  std::vector<std::string> args = {binary};
  if (!options.log_level.empty()) args.insert(args.end(), {"--log-level", options.log_level});
  if (!options.run_dir.empty()) args.insert(args.end(), {"--run-dir", options.run_dir});
  if (!options.resume.empty()) args.insert(args.end(), {"--resume", options.resume});
  if (options.resume_anyway) args.emplace_back("--resume-anyway");
  if (options.quiet) args.emplace_back("--quiet");
  args.insert(args.end(), options.cluster_args.begin(), options.cluster_args.end());
  if (options.has_app_args) {
    args.push_back("--");
    args.insert(args.end(), options.app_args.begin(), options.app_args.end());
  }
  // `--cluster slurm` starts lightning-worker on the nodes: the one installed
  // next to this lightning-run, unless the user chose another
  // (cluster::find_worker_binary, docs/design/cluster.md, "Slurm").
  if (std::getenv("LIGHTNING_WORKER_BIN") == nullptr) {
    const std::string worker = dir_name(self_exe()) + "/lightning-worker";
    if (::access(worker.c_str(), X_OK) == 0) ::setenv("LIGHTNING_WORKER_BIN", worker.c_str(), 1);
  }
  for (const auto& [name, value] : options.env) ::setenv(name.c_str(), value.c_str(), 1);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(binary.c_str(), argv.data());
  return errno;
}

}  // namespace

int run_app_command(int argc, char** argv, const std::string& program) {
  const RunOptions options = parse_run_options(argc, argv, program);
  if (options.help) {
    std::fputs(usage(program).c_str(), stdout);
    return 0;
  }
  const Log log(options.verbose);
  make_dirs(options.cache_dir);
  const std::string cache_dir = canonical_path(options.cache_dir);

  const std::string config_path = find_library_config();
  const LibraryConfig library = load_library_config(config_path);
  log.info("library " + library.version + " from " + config_path);
  const Toolchain toolchain = detect_toolchain(cache_dir);
  AppBuilder builder(library, toolchain, cache_dir, log);

  BuildRequest request;
  request.source = options.source;
  request.cxxflags = options.cxxflags;
  request.rebuild = options.rebuild;
  request.use_pch = options.use_pch;
  request.components.store_root = options.store;
  request.components.locked = options.locked;
  BuildResult result = builder.build(request);

  if (options.build_only) {
    std::printf("%s\n", result.binary.c_str());
    return 0;
  }
  int err = exec_app(result.binary, options);
  if (err == ENOENT && result.cache_hit) {
    // A concurrent lightning-run pruned that binary between lookup and exec.
    request.rebuild = true;
    result = builder.build(request);
    err = exec_app(result.binary, options);
  }
  throw CliError("cannot run " + result.binary + ": " + std::strerror(err));
}

int report_errors(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const Interrupted& e) {
    // Temporary files are gone (unwound); die of the same signal.
    ::signal(e.signal(), SIG_DFL);
    ::raise(e.signal());
    return 128 + e.signal();
  } catch (const CliError& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return 1;
  }
}

}  // namespace lightning::cli
