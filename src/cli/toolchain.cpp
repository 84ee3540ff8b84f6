// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "toolchain.hpp"

#include "errors.hpp"
#include "fs_util.hpp"
#include "hash.hpp"
#include "subprocess.hpp"
#include "util/atomic_file.hpp"

namespace lightning::cli {
namespace {

// `compiler --version`, cached: running it costs ~10 ms, a cache hit must not.
std::string compiler_version(const std::string& compiler, const std::string& real_path,
                             const std::string& cache_dir) {
  const FileStamp stamp = stamp_of(real_path);
  CacheKeyHash key;
  key.add(real_path).add(stamp.size).add(static_cast<std::uint64_t>(stamp.mtime_ns));
  const std::string file = cache_dir + "/toolchain/" + key.short_hex() + ".version";
  if (auto cached = read_file(file)) return *cached;
  auto version = capture_stdout({compiler, "--version"});
  if (!version || version->empty()) {
    throw CliError("'" + compiler +
                   " --version' failed; is it a C++ compiler? Set LIGHTNING_CXX "
                   "to one (clang++ or g++)");
  }
  // A read-only cache only costs the next run another --version.
  try {
    make_dirs(dir_name(file));
    (void)util::write_file_atomically(file, *version);
  } catch (const CliError&) {
  }
  return *version;
}

}  // namespace

Toolchain detect_toolchain(const std::string& cache_dir) {
  Toolchain toolchain;
  const std::string requested = env_or_empty("LIGHTNING_CXX");
  if (!requested.empty()) {
    toolchain.compiler = find_program(requested);
    if (toolchain.compiler.empty()) {
      throw CliError("LIGHTNING_CXX=" + requested + " is not an executable on PATH");
    }
  } else {
    for (const char* name : {"clang++", "g++", "c++"}) {
      toolchain.compiler = find_program(name);
      if (!toolchain.compiler.empty()) break;
    }
    if (toolchain.compiler.empty()) {
      throw CliError(
          "no C++ compiler found on PATH (looked for clang++, g++, c++); install "
          "clang (with lld) or set LIGHTNING_CXX");
    }
  }
  const std::string real_path = canonical_path(toolchain.compiler);
  const std::string version = compiler_version(toolchain.compiler, real_path, cache_dir);
  toolchain.kind =
      version.find("clang") != std::string::npos ? CompilerKind::kClang : CompilerKind::kGcc;
  toolchain.identity = real_path + "\n" + version;

  // Both clang and g++ (>= 9) accept -fuse-ld=lld; gold is the next best.
  if (!find_program("ld.lld").empty()) {
    toolchain.link_flags.push_back("-fuse-ld=lld");
  } else if (!find_program("ld.gold").empty()) {
    toolchain.link_flags.push_back("-fuse-ld=gold");
  }
  toolchain.ccache = find_program("ccache");
  return toolchain;
}

}  // namespace lightning::cli
