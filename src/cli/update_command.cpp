// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// `lightning update [NAME...] [--app APP.cpp | DIR] [--store DIR]`: moves
// lightning.lock on purpose (app_components.hpp, docs/components/using.md).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>

#include "app_components.hpp"
#include "errors.hpp"
#include "fs_util.hpp"
#include "package/content_hash.hpp"
#include "run_options.hpp"
#include "util/atomic_file.hpp"
#include "util/command_line.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

struct AppText {
  std::string source;
  AppNeeds needs;
};

// The apps of `dir` that use a component: its *.cpp files with requirements.
std::vector<AppText> apps_in(const std::string& dir, const std::string& only) {
  std::vector<std::string> files;
  if (!only.empty()) {
    files.push_back(only);
  } else {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".cpp" && it->is_regular_file(ec)) {
        files.push_back(it->path().string());
      }
    }
    std::sort(files.begin(), files.end());
  }
  std::vector<AppText> apps;
  for (const auto& file : files) {
    const auto text = read_file(file);
    if (!text) throw CliError("cannot read the app source " + file);
    AppText app{file, scan_app_needs(file, *text)};
    if (!only.empty() || !app_requirements(file, app.needs).empty()) apps.push_back(std::move(app));
  }
  return apps;
}

}  // namespace

UpdateOptions parse_update_options(int argc, char** argv, bool& help, std::string& help_text) {
  UpdateOptions options;
  CLI::App app{
      "Move lightning.lock on purpose: each locked component (or each NAME) to the highest "
      "version its source offers that the apps beside the lock allow.",
      "lightning update"};
  app.add_option("name", options.names, "components to update (default: every locked one)");
  app.add_option("--app", options.app,
                 "an app (APP.cpp: its directory's lock, and only its requirements) or a "
                 "directory (default: the current directory)");
  std::string store;
  app.add_option("--store", store, "the component store (default: $LIGHTNING_HOME/components)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    help = true;
    help_text = app.help();
    return options;
  } catch (const CLI::ParseError& e) {
    throw CliError(util::describe_parse_error(e) + "; see lightning update --help", 2);
  }
  options.components.store_root = store;
  return options;
}

int update_command(const UpdateOptions& options, std::FILE* out) {
  const std::string target = canonical_path(options.app.empty() ? "." : options.app);
  std::error_code ec;
  const bool is_dir = fs::is_directory(target, ec);
  if (!is_dir && !fs::is_regular_file(target, ec)) {
    throw CliError("--app " + options.app + ": no such app or directory");
  }
  const std::string dir = is_dir ? target : fs::path(target).parent_path().string();
  const std::string lock_path = dir + "/" + package::kLockFile;
  const auto lock_text = read_file(lock_path);
  if (!lock_text) {
    throw CliError("there is no " + lock_path +
                   "; run the app with lightning-run first (it writes the lock), then update it");
  }
  package::LockFile lock = package::LockFile::parse(*lock_text, lock_path);

  const LibraryConfig library = load_library_config(find_library_config());
  const std::string cache_dir = canonical_path(default_cache_dir());
  make_dirs(cache_dir);
  const Toolchain toolchain = detect_toolchain(cache_dir);
  const std::vector<AppText> apps = apps_in(dir, is_dir ? std::string() : target);
  std::vector<package::Requirement> reqs;
  for (const auto& app : apps) {
    for (auto& r : app_requirements(app.source, app.needs)) reqs.push_back(std::move(r));
  }

  std::vector<std::string> names = options.names;
  if (names.empty()) {
    for (const auto& entry : lock.components) names.push_back(entry.name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string locked_names;
  for (const auto& entry : lock.components) {
    locked_names += (locked_names.empty() ? "" : ", ") + entry.name;
  }
  for (const auto& name : names) {
    if (std::none_of(lock.components.begin(), lock.components.end(),
                     [&](const auto& e) { return e.name == name; })) {
      throw CliError("component '" + name + "' is not in " + lock_path +
                     " (locked: " + (locked_names.empty() ? "none" : locked_names) +
                     "); an app that uses it writes it there when run with lightning-run");
    }
  }

  ComponentStore store(options.components.store_root.empty() ? default_component_store()
                                                             : options.components.store_root);
  const std::vector<package::Candidate> builtins = builtin_candidates(library);
  bool changed = false;
  for (const auto& name : names) {
    // The highest locked version of it is the one moved.
    const package::LockedComponent* old = nullptr;
    for (const auto& e : lock.components) {
      if (e.name == name && (old == nullptr || e.version > old->version)) old = &e;
    }
    const package::LockedComponent before = *old;
    std::optional<package::Candidate> next;
    if (before.source == kBuiltinSource) {
      for (const auto& b : builtins) {
        if (b.name == name) next = b;
      }
      if (!next) {
        throw CliError("component '" + name + "' is locked as a built-in, and this Lightning (" +
                       library.version + ") has none; remove its entry from " + lock_path);
      }
      if (next->version == before.version && next->content_sha256 == before.content_sha256) {
        next.reset();
      }
    } else {
      const SourceSpec spec = SourceSpec::parse(before.source);
      std::optional<std::pair<package::Version, SourceSpec>> best;
      for (auto& offer : store.offered_versions(spec)) {
        const bool allowed = std::all_of(reqs.begin(), reqs.end(), [&](const auto& r) {
          return r.name != name || r.range.matches(offer.first);
        });
        if (allowed && (!best || offer.first > best->first)) best = std::move(offer);
      }
      bool take = best && best->first > before.version;
      // A directory at the same version whose content changed: take it.
      if (best && !spec.git && best->first == before.version &&
          package::tree_sha256(spec.source) != before.content_sha256) {
        store.remove(name, before.version);
        take = true;
      }
      if (take) {
        const InstalledComponent got = store.fetch(best->second);
        next = got.candidate();
      }
    }
    if (!next) {
      std::fprintf(out, "%s %s is up to date\n", name.c_str(), before.version.str().c_str());
      continue;
    }
    auto& entries = lock.components;
    entries.erase(std::remove_if(
                      entries.begin(), entries.end(),
                      [&](const auto& e) { return e.name == name && e.version == before.version; }),
                  entries.end());
    package::LockedComponent entry;
    entry.name = next->name;
    entry.version = next->version;
    entry.source = next->source;
    entry.commit = next->commit;
    entry.content_sha256 = next->content_sha256;
    for (const auto& [dep, range] : next->dependencies) {
      if (const auto* locked = lock.find(dep, range)) {
        entry.dependencies.emplace(dep, locked->version.str());
      }
    }
    lock.upsert(std::move(entry));
    changed = true;
    std::fprintf(out, "%s %s -> %s\n", name.c_str(), before.version.str().c_str(),
                 next->version.str().c_str());
  }
  if (changed) {
    if (Status s = util::write_file_atomically(lock_path, lock.serialize()); !s.ok()) {
      throw CliError("cannot write " + lock_path + ": " + s.message());
    }
  }
  // Each app resolved again against the new lock: builds what moved, and
  // fills in the dependencies of the entries that changed.
  const Log log(false);
  for (const auto& app : apps) {
    use_app_components(app.source, app.needs, library, toolchain, options.components, log);
  }
  return 0;
}

}  // namespace lightning::cli
