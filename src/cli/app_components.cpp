// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "app_components.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "errors.hpp"
#include "fs_util.hpp"
#include "package/semver.hpp"
#include "util/atomic_file.hpp"
#include "util/command_line.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

std::string lock_path_for(const std::string& source) {
  return dir_name(source) + "/" + package::kLockFile;
}

struct LockText {
  std::optional<std::string> text;  ///< the file's bytes; nullopt: no file
  package::LockFile lock;
};

LockText read_lock(const std::string& path) {
  LockText out;
  out.text = read_file(path);
  if (out.text) out.lock = package::LockFile::parse(*out.text, path);
  return out;
}

bool same_pin(const package::LockedComponent& a, const package::Candidate& b) {
  return a.name == b.name && a.version == b.version && a.source == b.source &&
         a.commit == b.commit && a.content_sha256 == b.content_sha256;
}

package::LockedComponent locked_from(const package::Candidate& c,
                                     const std::vector<package::Candidate>& chosen) {
  package::LockedComponent entry;
  entry.name = c.name;
  entry.version = c.version;
  entry.source = c.source;
  entry.commit = c.commit;
  entry.content_sha256 = c.content_sha256;
  for (const auto& [dep, range] : c.dependencies) {
    (void)range;
    for (const auto& other : chosen) {
      if (other.name == dep) entry.dependencies.emplace(dep, other.version.str());
    }
  }
  return entry;
}

/// The store, opened the first time it is needed.
class LazyStore {
 public:
  explicit LazyStore(fs::path root) : root_(std::move(root)) {}
  ComponentStore& get() {
    if (!store_)
      store_ = std::make_unique<ComponentStore>(root_.empty() ? default_component_store() : root_);
    return *store_;
  }
  std::vector<InstalledComponent>& installed() {
    if (!listed_) {
      installed_ = get().list();
      listed_ = true;
    }
    return installed_;
  }
  void forget_list() { listed_ = false; }

 private:
  fs::path root_;
  std::unique_ptr<ComponentStore> store_;
  bool listed_ = false;
  std::vector<InstalledComponent> installed_;
};

const InstalledComponent* find_installed(const std::vector<InstalledComponent>& installed,
                                         const package::Candidate& c) {
  for (const auto& i : installed) {
    if (i.manifest.name == c.name && i.manifest.version == c.version && i.source == c.source &&
        i.commit == c.commit && i.content_sha256 == c.content_sha256) {
      return &i;
    }
  }
  return nullptr;
}

/// Whether `name` is missing because its locked version is (fetch_locked
/// installs that one; its requirement's source is not needed).
bool is_locked_missing(const package::ResolveError& error, const std::string& name) {
  return std::any_of(error.missing_locked.begin(), error.missing_locked.end(),
                     [&](const auto& l) { return l.name == name; });
}

/// Installs what a failed resolution says is missing: a locked entry exactly,
/// a requirement from its source (the highest version its source offers in
/// range when the source's head is out of range).
void install_missing(const package::ResolveError& error, LazyStore& store, const Log& log) {
  for (const auto& locked : error.missing_locked) {
    if (locked.source == kBuiltinSource) continue;
    log.progress("component " + locked.name + " " + locked.version.str() + ": fetching " +
                 locked.source +
                 (locked.commit.empty() ? "" : " at " + locked.commit.substr(0, 12)) +
                 " (in lightning.lock, not in the component store)");
    store.get().fetch_locked(locked);  // its errors name the component
  }
  for (const auto& req : error.missing) {
    if (req.source.empty() || is_locked_missing(error, req.name)) continue;
    log.progress("component " + req.name + ": fetching " + req.source + " (needed by " +
                 req.origin + ", not installed)");
    SourceSpec spec;
    InstalledComponent got;
    try {
      spec = SourceSpec::parse(req.source);
      got = store.get().fetch(spec);
    } catch (const CliError& e) {
      throw CliError(req.origin + ": component '" + req.name + "': " + e.what());
    }
    if (got.manifest.name != req.name) {
      throw CliError(req.origin + ": " + req.source + " is component '" + got.manifest.name +
                     "', not '" + req.name + "'; correct the name or the source");
    }
    if (!req.range.matches(got.manifest.version) && spec.rev.empty()) {
      std::optional<std::pair<package::Version, SourceSpec>> best;
      for (auto& offer : store.get().offered_versions(spec)) {
        if (req.range.matches(offer.first) && (!best || offer.first > best->first)) {
          best = std::move(offer);
        }
      }
      if (best) store.get().fetch(best->second);
    }
  }
  store.forget_list();
}

void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

std::vector<package::Requirement> app_requirements(const std::string& source,
                                                   const AppNeeds& needs) {
  std::vector<package::Requirement> reqs;
  const std::string manifest = dir_name(source) + "/" + kAppManifestFile;
  if (auto text = read_file(manifest)) {
    reqs = package::parse_app_manifest(*text, manifest);
  }
  reqs.insert(reqs.end(), needs.uses.begin(), needs.uses.end());
  for (const auto& name : needs.components) {
    package::Requirement req;
    req.name = name;
    req.origin = fs::path(source).filename().string();
    for (const auto& [what, reason] : needs.reasons) {
      if (what == name) req.origin = reason;
    }
    reqs.push_back(std::move(req));
  }
  return reqs;
}

std::vector<package::Candidate> builtin_candidates(const LibraryConfig& library) {
  std::vector<package::Candidate> out;
  for (const auto& [name, config] : library.components) {
    if (config.version.empty()) continue;  // a config written before manifests
    package::Candidate c;
    c.name = name;
    c.version = package::Version::parse(config.version);
    c.source = kBuiltinSource;
    c.content_sha256 = config.content_sha256;
    for (const auto& [dep, range] : config.dependencies) {
      c.dependencies.emplace(dep, package::VersionRange::parse(range));
    }
    c.builtin = true;
    out.push_back(std::move(c));
  }
  return out;
}

AppComponents use_app_components(const std::string& source, const AppNeeds& needs,
                                 const LibraryConfig& library, const Toolchain& toolchain,
                                 const ComponentOptions& options, const Log& log) {
  AppComponents result;
  const std::vector<package::Requirement> reqs = app_requirements(source, needs);
  if (reqs.empty()) return result;

  // An include of a component that is not a built-in of this build: the
  // message additions_for gives (there is no such built-in), not a resolver's.
  for (const auto& name : needs.components) {
    if (library.components.count(name) == 0) additions_for(needs, library, source);
  }
  // A built-in this build left out: the reason, before anything else.
  for (const auto& req : reqs) {
    auto missing = library.missing_components.find(req.name);
    if (missing != library.missing_components.end() && library.components.count(req.name) == 0) {
      throw CliError(req.origin + ": component '" + req.name +
                     "' is not in this build: " + missing->second);
    }
  }
  const std::vector<package::Candidate> builtins = builtin_candidates(library);
  auto is_builtin = [&](const std::string& name) { return library.components.count(name) != 0; };
  // A built-in at a version this Lightning's is not: there is nothing to
  // install, so say that rather than the resolver's "install one".
  for (const auto& req : reqs) {
    for (const auto& b : builtins) {
      if (b.name == req.name && !req.range.matches(b.version)) {
        throw CliError(req.origin + ": component '" + req.name +
                       "' is built into this Lightning at " + b.version.str() + ", which " +
                       req.range.str() + " does not allow; use a range that does (e.g. " +
                       req.name + "@^" + b.version.str() + ") or a Lightning whose '" + req.name +
                       "' fits");
      }
    }
  }
  const bool needs_store =
      std::any_of(reqs.begin(), reqs.end(), [&](const auto& r) { return !is_builtin(r.name); });

  const std::string lock_path = lock_path_for(source);
  LockText lock = read_lock(lock_path);
  // Builtin entries of another Lightning: this one cannot use them.
  bool dropped = false;
  {
    auto& entries = lock.lock.components;
    for (auto it = entries.begin(); it != entries.end();) {
      const bool stale = it->source == kBuiltinSource &&
                         std::none_of(builtins.begin(), builtins.end(),
                                      [&](const auto& b) { return same_pin(*it, b); });
      if (stale) {
        log.progress(
            "component " + it->name + ": " + lock_path + " has the built-in " + it->version.str() +
            ", this Lightning has " +
            (is_builtin(it->name) ? library.components.at(it->name).version : std::string("none")) +
            "; the lock moves to it");
        it = entries.erase(it);
        dropped = true;
      } else {
        ++it;
      }
    }
  }

  LazyStore store(options.store_root);
  const package::Version lightning_version = package::Version::parse(library.version);
  auto candidates = [&] {
    std::vector<package::Candidate> all = builtins;
    if (needs_store) {
      for (const auto& installed : store.installed()) {
        if (!is_builtin(installed.manifest.name)) all.push_back(installed.candidate());
      }
    }
    return all;
  };
  const package::LockFile* lock_ptr = lock.text ? &lock.lock : nullptr;
  package::Resolution resolution;
  try {
    resolution = package::resolve(reqs, candidates(), lock_ptr, lightning_version);
  } catch (const package::ResolveError& e) {
    const bool installable = std::any_of(e.missing.begin(), e.missing.end(),
                                         [](const auto& r) { return !r.source.empty(); }) ||
                             std::any_of(e.missing_locked.begin(), e.missing_locked.end(),
                                         [](const auto& l) { return l.source != kBuiltinSource; });
    if (!installable) throw;
    if (options.locked) {
      for (const auto& r : e.missing) {
        if (r.source.empty() || is_locked_missing(e, r.name)) continue;
        throw CliError(std::string(package::kLockFile) + " would change: " + r.name +
                       " is not locked (needed by " + r.origin +
                       "); run without --locked or `lightning update " + r.name + "`");
      }
    }
    install_missing(e, store, log);
    resolution = package::resolve(reqs, candidates(), lock_ptr, lightning_version);
  }
  result.chosen = resolution.chosen;

  // The new lock, checked before anything is built: written only when
  // something new was chosen (or a stale builtin entry dropped), and then
  // only if its bytes change, after the builds succeeded.
  const bool all_from_lock = std::all_of(resolution.from_lock.begin(), resolution.from_lock.end(),
                                         [](const auto& kv) { return kv.second; }) &&
                             lock.text.has_value();
  std::optional<std::string> new_lock_text;
  if (!all_from_lock || dropped) {
    package::LockFile next = lock.lock;
    for (const auto& c : resolution.chosen) next.upsert(locked_from(c, resolution.chosen));
    std::string text = next.serialize();
    if (!lock.text || *lock.text != text) new_lock_text = std::move(text);
  }
  if (new_lock_text && options.locked) {
    std::string what = "an entry is dropped";
    std::string name;
    for (const auto& c : resolution.chosen) {
      auto it = resolution.from_lock.find(c.name);
      if (it == resolution.from_lock.end() || !it->second) {
        what = c.name + " " + c.version.str() + " is not locked";
        name = c.name;
        break;
      }
    }
    throw CliError(std::string(package::kLockFile) + " would change: " + what +
                   "; run without --locked or `lightning update" +
                   (name.empty() ? std::string() : " " + name) + "`");
  }

  // Build what is not built for this toolchain, dependencies first.
  std::optional<ComponentToolchain> component_toolchain_;
  std::map<std::string, const InstalledComponent*> by_name;
  std::vector<ComponentBuild> builds;  // in resolution order
  for (const auto& c : resolution.chosen) {
    if (c.builtin) {
      result.builtins.insert(c.name);
      continue;
    }
    const InstalledComponent* installed = find_installed(store.installed(), c);
    if (installed == nullptr) {
      throw CliError("component '" + c.name + "' " + c.version.str() +
                     " was chosen but is not in the component store " +
                     store.get().root().string() + "; run again, or `lightning install component " +
                     c.source + "`");
    }
    by_name[c.name] = installed;
    // Its store dependencies, transitively (their prefixes go to CMake).
    std::vector<InstalledComponent> deps;
    std::set<std::string> seen;
    std::vector<std::string> queue;
    for (const auto& [dep, range] : c.dependencies) queue.push_back(dep);
    while (!queue.empty()) {
      const std::string dep = queue.back();
      queue.pop_back();
      auto it = by_name.find(dep);
      if (it == by_name.end() || !seen.insert(dep).second) continue;
      deps.push_back(*it->second);
      for (const auto& [next, range] : it->second->manifest.dependencies) queue.push_back(next);
    }
    if (!component_toolchain_) component_toolchain_ = component_toolchain(toolchain, library);
    if (!store.get().is_built(*installed, *component_toolchain_)) {
      log.progress("component " + c.name + " " + c.version.str() +
                   ": building (first use with this toolchain)...");
    }
    builds.push_back(store.get().build(*installed, *component_toolchain_, deps, library));
  }
  // Dependents before what they use, on the link line.
  for (auto it = builds.rbegin(); it != builds.rend(); ++it) {
    append(result.additions.include_dirs, it->include_dirs);
    append(result.additions.compile_flags, it->compile_flags);
    append(result.additions.libraries_before, it->libraries);
    append(result.additions.stamped_files, it->stamped_files);
  }
  for (const auto& c : resolution.chosen) {
    if (c.builtin) continue;
    if (const auto* installed = by_name[c.name]; installed && installed->manifest.torch) {
      result.additions.torch = true;
    }
  }

  if (!new_lock_text) return result;
  if (Status s = util::write_file_atomically(lock_path, *new_lock_text); !s.ok()) {
    throw CliError("cannot write " + lock_path + ": " + s.message());
  }
  log.info("wrote " + lock_path);
  result.lock_written = true;
  return result;
}

}  // namespace lightning::cli
