// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "pch_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "depfile.hpp"
#include "errors.hpp"
#include "fs_util.hpp"
#include "hash.hpp"
#include "subprocess.hpp"

namespace lightning::cli {
namespace {

// PCHs kept (one per compiler x flag set x library version; 16-90 MB each).
constexpr std::size_t kKeptPchs = 6;

// Removes all but the kKeptPchs most recently used PCH directories.
void prune_pchs(const std::string& pch_root) {
  namespace fs = std::filesystem;
  std::vector<std::pair<fs::file_time_type, std::string>> dirs;
  std::error_code ec;
  for (fs::directory_iterator it(pch_root, ec), end; !ec && it != end; it.increment(ec)) {
    const auto mtime = it->last_write_time(ec);
    if (!ec) dirs.emplace_back(mtime, it->path().string());
  }
  if (dirs.size() <= kKeptPchs) return;
  std::sort(dirs.begin(), dirs.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = kKeptPchs; i < dirs.size(); ++i) remove_all_quietly(dirs[i].second);
}

}  // namespace

PchCache::PchCache(const LibraryConfig& library, const Toolchain& toolchain, std::string cache_dir,
                   const Log& log, std::vector<std::string> headers)
    : library_(library),
      toolchain_(toolchain),
      cache_dir_(std::move(cache_dir)),
      log_(log),
      headers_(headers.empty() ? std::vector<std::string>{library.pch_header}
                               : std::move(headers)) {}

std::string ccache_pch_sloppiness() {
  std::string sloppiness = env_or_empty("CCACHE_SLOPPINESS");
  if (!sloppiness.empty()) sloppiness += ",";
  return sloppiness + "pch_defines,time_macros,include_file_mtime,include_file_ctime";
}

std::vector<std::string> PchCache::flags_for(const std::vector<std::string>& compile_flags,
                                             bool use_ccache) {
  const bool clang = toolchain_.kind == CompilerKind::kClang;
  CacheKeyHash key;
  key.add("lightning-run pch v1").add(toolchain_.identity).add(library_.version);
  for (const auto& header : headers_) key.add(header);  // one header: the key it always had
  for (const auto& flag : compile_flags) key.add(flag);

  const std::string dir = cache_dir_ + "/pch/" + key.hex();
  const std::string wrapper = dir + "/lightning-pch.hpp";
  const std::string pch = wrapper + (clang ? ".pch" : ".gch");
  const std::string inputs = dir + "/inputs";
  std::vector<std::string> flags;
  if (clang) {
    flags = {"-include-pch", pch};
  } else {
    flags = {"-include", wrapper};
    if (log_.verbose()) flags.push_back("-Winvalid-pch");
  }

  if (stamp_of(pch).exists) {
    if (auto lines = read_file(inputs); lines && stamp_lines_match(*lines)) {
      ::utimensat(AT_FDCWD, dir.c_str(), nullptr, 0);  // most recently used
      log_.info("pch: reusing " + pch);
      return flags;
    }
  }

  Stopwatch watch;
  make_dirs(dir);
  std::string wrapper_text;
  for (const auto& header : headers_) wrapper_text += "#include <" + header + ">\n";
  if (read_file(wrapper) != wrapper_text) {
    write_file(wrapper, wrapper_text);
  }

  const std::string tmp = make_unique_dir(dir, "tmp-");
  const std::string tmp_pch = tmp + "/out.pch";
  const std::string tmp_deps = tmp + "/out.d";
  const std::string build_log = dir + "/build.log";
  std::vector<std::string> argv;
  if (use_ccache) argv.push_back(toolchain_.ccache);
  argv.push_back(toolchain_.compiler);
  argv.insert(argv.end(), compile_flags.begin(), compile_flags.end());
  if (clang) {
    // Templates instantiated once in the PCH: ~25% off each app compile.
    // No timestamp in the PCH: ccache can then cache compiles that use it.
    argv.insert(argv.end(), {"-fpch-instantiate-templates", "-Xclang", "-fno-pch-timestamp"});
  }
  argv.insert(argv.end(), {"-x", "c++-header", wrapper, "-o", tmp_pch, "-MD", "-MF", tmp_deps});
  log_.info("pch: building: " + shell_join(argv));

  ProcessOptions options;
  options.stderr_file = build_log;
  options.stdout_file = build_log + ".stdout";
  if (use_ccache) options.env.emplace_back("CCACHE_SLOPPINESS", ccache_pch_sloppiness());
  ProcessResult result;
  try {
    result = run_process(argv, options);
  } catch (...) {
    remove_all_quietly(tmp);
    throw;
  }
  std::remove((build_log + ".stdout").c_str());
  if (!result.succeeded()) {
    remove_all_quietly(tmp);
    log_.info("pch: build failed (see " + build_log + "); compiling without it");
    return {};
  }
  const auto deps = read_file(tmp_deps);
  const std::string stamps = deps ? stamp_lines(parse_depfile(*deps)) : "";
  if (std::rename(tmp_pch.c_str(), pch.c_str()) != 0) {
    remove_all_quietly(tmp);
    log_.info("pch: cannot move it into " + pch + "; compiling without it");
    return {};
  }
  remove_all_quietly(tmp);
  write_file(inputs, stamps);
  prune_pchs(cache_dir_ + "/pch");
  log_.info("pch: built " + pch + " in " + watch.elapsed());
  return flags;
}

}  // namespace lightning::cli
