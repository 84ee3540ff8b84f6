// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "app_builder.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "app_needs.hpp"
#include "depfile.hpp"
#include "errors.hpp"
#include "fs_util.hpp"
#include "hash.hpp"
#include "pch_cache.hpp"
#include "subprocess.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

// Binaries kept per source file (different --cxxflags, or edits back and forth).
constexpr std::size_t kKeptBuilds = 4;
// Leftovers of a lightning-run killed mid-build are removed after this long.
constexpr auto kStaleTmpAge = std::chrono::hours(1);

// True if `source` has a line `#include <header>` or `#include "header"`
// (scan_includes: the one include-line scanner, app_needs.hpp).
bool includes_header(const std::string& source, const std::string& header) {
  const std::vector<IncludeLine> includes = scan_includes(source);
  return std::any_of(includes.begin(), includes.end(),
                     [&](const IncludeLine& inc) { return inc.path == header; });
}

bool is_under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

// Adds the stamps of the library's own headers (those next to the precompiled
// one): a build tree's headers change without a version bump.
void add_library_header_stamps(CacheKeyHash& hash, const LibraryConfig& library,
                               const std::vector<std::string>& more_include_dirs) {
  const std::string header_dir = fs::path(library.pch_header).parent_path().string();
  std::vector<std::string> include_dirs = library.include_dirs;
  include_dirs.insert(include_dirs.end(), more_include_dirs.begin(), more_include_dirs.end());
  for (const auto& include_dir : include_dirs) {
    std::error_code ec;
    const std::string dir = include_dir + "/" + header_dir;
    std::vector<std::string> files;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      const FileStamp stamp = stamp_of(file);
      hash.add(file).add(stamp.size).add(static_cast<std::uint64_t>(stamp.mtime_ns));
    }
  }
}

// The base key extended with the content of each dependency.
CacheKeyHash full_key(CacheKeyHash hash, const std::vector<std::string>& deps) {
  for (const auto& dep : deps) {
    hash.add(dep);
    if (auto content = read_file(dep)) {
      hash.add("present").add(*content);
    } else {
      hash.add("missing");
    }
  }
  return hash;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  if (auto text = read_file(path)) {
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  return lines;
}

bool is_executable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Moves the finished build directory `tmp` to `final_dir`. When another
// lightning-run got there first its identical binary is kept, unless
// `replace` (--rebuild), which swaps them atomically.
void publish(const std::string& tmp, const std::string& final_dir, bool replace) {
  if (::rename(tmp.c_str(), final_dir.c_str()) == 0) return;
  const int err = errno;
  if (err != EEXIST && err != ENOTEMPTY) {
    remove_all_quietly(tmp);
    throw CliError("cannot move the build to " + final_dir + ": " + std::strerror(err));
  }
  if (replace &&
      ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) != 0) {
    // No RENAME_EXCHANGE (old kernel or file system): keep the existing one.
  }
  remove_all_quietly(tmp);
}

// Keeps the kKeptBuilds newest builds of one source (and their manifests);
// removes tmp-* directories left by killed runs.
void prune(const std::string& entry_dir, const std::string& keep) {
  struct Item {
    fs::file_time_type mtime;
    std::string path;
  };
  std::vector<Item> builds;
  std::vector<Item> manifests;
  const auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  for (fs::directory_iterator it(entry_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto mtime = it->last_write_time(ec);
    if (ec) continue;
    if (name.rfind("tmp-", 0) == 0) {
      if (now - mtime > kStaleTmpAge) remove_all_quietly(it->path().string());
    } else if (name.rfind("deps-", 0) == 0 && name.find(".tmp-") == std::string::npos) {
      manifests.push_back({mtime, it->path().string()});
    } else if (name.size() == 32 && it->path().string() != keep) {
      builds.push_back({mtime, it->path().string()});
    }
  }
  auto drop_oldest = [](std::vector<Item>& items, std::size_t keep_count) {
    if (items.size() <= keep_count) return;
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.mtime > b.mtime; });
    for (std::size_t i = keep_count; i < items.size(); ++i) remove_all_quietly(items[i].path);
  };
  drop_oldest(builds, kKeptBuilds - 1);
  drop_oldest(manifests, 2 * kKeptBuilds);
}

}  // namespace

AppBuilder::AppBuilder(const LibraryConfig& library, const Toolchain& toolchain,
                       std::string cache_dir, const Log& log)
    : library_(library), toolchain_(toolchain), cache_dir_(std::move(cache_dir)), log_(log) {}

BuildResult AppBuilder::build(const BuildRequest& request) {
  Stopwatch total;
  const std::string source = canonical_path(request.source);
  const auto content = read_file(source);
  if (!content || !fs::is_regular_file(source)) {
    throw CliError("cannot read the app source " + request.source);
  }
  const std::string stem = stem_of(source);
  const bool use_pch = request.use_pch && includes_header(*content, library_.pch_header);
  // Components and libtorch, as the app's includes say (app_needs.hpp).
  AppNeeds needs = scan_app_needs(source, *content);
  // Components it declares or includes: resolved, installed, built, locked
  // (app_components.hpp). The built-in ones chosen join the included ones.
  const AppComponents used =
      use_app_components(source, needs, library_, toolchain_, request.components, log_);
  needs.components.insert(used.builtins.begin(), used.builtins.end());
  needs.torch = needs.torch || used.additions.torch;
  BuildAdditions extra = additions_for(needs, library_, request.source);
  // Store components: their flags and include dirs first, their libraries
  // before the built-in components' (which they may use) and liblightning's.
  extra.include_dirs.insert(extra.include_dirs.begin(), used.additions.include_dirs.begin(),
                            used.additions.include_dirs.end());
  extra.compile_flags.insert(extra.compile_flags.begin(), used.additions.compile_flags.begin(),
                             used.additions.compile_flags.end());
  extra.libraries_before.insert(extra.libraries_before.begin(),
                                used.additions.libraries_before.begin(),
                                used.additions.libraries_before.end());
  extra.stamped_files.insert(extra.stamped_files.end(), used.additions.stamped_files.begin(),
                             used.additions.stamped_files.end());
  std::vector<std::string> pch_headers{library_.pch_header};
  if (extra.torch && needs.torch_h_directly) pch_headers.push_back(library_.torch->pch_header);
  if (!needs.components.empty() || !used.chosen.empty() || extra.torch) {
    std::string what;
    for (const auto& c : used.chosen) {
      if (!c.builtin) what += (what.empty() ? "" : ", ") + c.name + " " + c.version.str();
    }
    for (const auto& c : needs.components) what += (what.empty() ? "" : ", ") + c;
    if (extra.torch) what += (what.empty() ? "" : ", ") + std::string("libtorch");
    log_.info("the app needs: " + what);
  }

  std::vector<std::string> compile_flags = library_.compile_flags;
  compile_flags.insert(compile_flags.end(), {"-O2", "-g0"});
  compile_flags.insert(compile_flags.end(), extra.compile_flags.begin(), extra.compile_flags.end());
  for (const auto& dir : library_.include_dirs) {
    compile_flags.insert(compile_flags.end(), {"-isystem", dir});
  }
  for (const auto& dir : extra.include_dirs) {
    compile_flags.insert(compile_flags.end(), {"-isystem", dir});
  }
  compile_flags.insert(compile_flags.end(), request.cxxflags.begin(), request.cxxflags.end());

  // Everything after "-o <binary> <object>" on the link line.
  std::vector<std::string> link_flags = request.cxxflags;
  link_flags.insert(link_flags.end(), library_.link_flags.begin(), library_.link_flags.end());
  for (const auto& dir : library_.lib_dirs) {
    link_flags.push_back("-L" + dir);
    link_flags.push_back("-Wl,-rpath," + dir);
  }
  // A plain name is a library to -l; a flag or an absolute path (a static
  // archive) is passed as it is, in order.
  // Components' static libraries come before liblightning, which they use;
  // libtorch's after it.
  std::vector<std::string> libraries = extra.libraries_before;
  libraries.insert(libraries.end(), library_.libraries.begin(), library_.libraries.end());
  libraries.insert(libraries.end(), extra.libraries_after.begin(), extra.libraries_after.end());
  for (const auto& lib : libraries) {
    link_flags.push_back(lib.empty() || lib[0] == '-' || lib[0] == '/' ? lib : "-l" + lib);
  }

  CacheKeyHash base;
  base.add("lightning-run app v1").add(source).add(*content);
  base.add(toolchain_.identity).add(library_.version);
  base.add(compile_flags.size());
  for (const auto& flag : compile_flags) base.add(flag);
  base.add(toolchain_.link_flags.size());
  for (const auto& flag : toolchain_.link_flags) base.add(flag);
  base.add(link_flags.size());
  for (const auto& flag : link_flags) base.add(flag);
  base.add(use_pch ? "pch" : "no-pch");
  const FileStamp lib_stamp = stamp_of(library_.library_file);
  base.add(library_.library_file).add(lib_stamp.size);
  base.add(static_cast<std::uint64_t>(lib_stamp.mtime_ns));
  for (const auto& file : extra.stamped_files) {  // components' libraries, libtorch's
    const FileStamp stamp = stamp_of(file);
    base.add(file).add(stamp.size).add(static_cast<std::uint64_t>(stamp.mtime_ns));
  }
  for (const auto& header : pch_headers) base.add(header);
  add_library_header_stamps(base, library_, extra.header_dirs);

  const std::string entry_dir =
      cache_dir_ + "/apps/" + stem + "-" + CacheKeyHash().add(source).short_hex();
  const std::string manifest = entry_dir + "/deps-" + base.hex();

  if (!request.rebuild) {
    const std::string key_dir = entry_dir + "/" + full_key(base, read_lines(manifest)).hex();
    const std::string binary = key_dir + "/" + stem;
    if (is_executable_file(binary)) {
      ::utimensat(AT_FDCWD, key_dir.c_str(), nullptr, 0);  // most recently used
      log_.info("cache hit: " + binary + " (checked in " + total.elapsed() + ")");
      return {binary, true};
    }
    log_.info("cache miss: compiling " + source);
  } else {
    log_.info("cache miss (--rebuild): compiling " + source);
  }

  const bool use_ccache = !toolchain_.ccache.empty();
  std::vector<std::string> pch_flags;
  if (use_pch)
    pch_flags = PchCache(library_, toolchain_, cache_dir_, log_, pch_headers)
                    .flags_for(compile_flags, use_ccache);

  const std::string tmp = make_unique_dir(entry_dir, "tmp-");
  const std::string object = tmp + "/" + stem + ".o";
  const std::string depfile = tmp + "/" + stem + ".d";
  const std::string tmp_binary = tmp + "/" + stem;

  std::vector<std::string> compile;
  if (use_ccache) compile.push_back(toolchain_.ccache);
  compile.push_back(toolchain_.compiler);
  compile.insert(compile.end(), compile_flags.begin(), compile_flags.end());
  compile.insert(compile.end(), pch_flags.begin(), pch_flags.end());
  compile.insert(compile.end(), {"-MMD", "-MF", depfile, "-c", source, "-o", object});

  std::vector<std::string> link = {toolchain_.compiler};
  link.insert(link.end(), toolchain_.link_flags.begin(), toolchain_.link_flags.end());
  link.insert(link.end(), {"-o", tmp_binary, object});
  link.insert(link.end(), link_flags.begin(), link_flags.end());

  ProcessOptions compile_options;
  if (use_ccache && !pch_flags.empty()) {
    compile_options.env.emplace_back("CCACHE_SLOPPINESS", ccache_pch_sloppiness());
  }
  if (use_ccache && request.rebuild) compile_options.env.emplace_back("CCACHE_RECACHE", "1");

  auto run_step = [&](const char* what, const std::vector<std::string>& argv,
                      const ProcessOptions& options) {
    log_.info(std::string(what) + ": " + shell_join(argv));
    Stopwatch watch;
    ProcessResult result;
    try {
      result = run_process(argv, options);
    } catch (...) {
      remove_all_quietly(tmp);
      throw;
    }
    if (!result.succeeded()) {
      remove_all_quietly(tmp);
      const std::string how = result.signal != 0
                                  ? "killed by signal " + std::to_string(result.signal)
                                  : "exit code " + std::to_string(result.exit_code);
      throw CliError(std::string(what) + " " + request.source + " failed (" +
                     fs::path(toolchain_.compiler).filename().string() + " " + how + ")");
    }
    log_.info(std::string(what) + " took " + watch.elapsed());
  };
  run_step("compiling", compile, compile_options);
  run_step("linking", link, ProcessOptions());
  std::remove(object.c_str());

  // Record the non-system headers this build read, for the next run's key.
  std::vector<std::string> deps;
  if (auto text = read_file(depfile)) {
    for (const auto& dep : parse_depfile(*text)) {
      const std::string path = fs::absolute(dep).lexically_normal().string();
      if (path != source && !is_under(path, cache_dir_)) deps.push_back(path);
    }
  }
  std::remove(depfile.c_str());
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  std::string manifest_text;
  for (const auto& dep : deps) manifest_text += dep + "\n";

  const std::string key_dir = entry_dir + "/" + full_key(base, deps).hex();
  publish(tmp, key_dir, request.rebuild);
  write_file(manifest, manifest_text);
  prune(entry_dir, key_dir);
  log_.info("built " + key_dir + "/" + stem + " in " + total.elapsed());
  return {key_dir + "/" + stem, false};
}

}  // namespace lightning::cli
