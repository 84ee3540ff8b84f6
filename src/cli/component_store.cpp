// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The component store: sources, entries, list and remove. Building an entry
// is in component_build.cpp.
#include "component_store.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "errors.hpp"
#include "file_lock.hpp"
#include "fs_util.hpp"
#include "git_mirror.hpp"
#include "hash.hpp"
#include "package/content_hash.hpp"
#include "package/errors.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kInstalledFile = "installed.json";

std::string now_rfc3339() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "SOURCE@REV" or "SOURCE", for messages.
std::string describe(const SourceSpec& spec) {
  return spec.rev.empty() ? spec.source : spec.source + "@" + spec.rev;
}

// A URL (scheme://...) or scp-like git address (user@host:path, host:path
// with no '/' before the ':').
bool looks_like_url(const std::string& text) {
  if (text.find("://") != std::string::npos) return true;
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::size_t slash = text.find('/');
  return slash == std::string::npos || colon < slash;
}

// Where the path part of a URL starts (after which '@' separates REV).
std::size_t path_start(const std::string& text) {
  const std::size_t scheme = text.find("://");
  if (scheme != std::string::npos) {
    const std::size_t slash = text.find('/', scheme + 3);
    return slash == std::string::npos ? text.size() : slash;
  }
  const std::size_t colon = text.find(':');
  return colon == std::string::npos ? 0 : colon + 1;
}

void check_rev(const std::string& rev, const std::string& text) {
  if (rev.empty()) {
    throw CliError("component source '" + text +
                   "': nothing after '@'; give a tag, branch or commit (SOURCE@v1.2.0)");
  }
  if (rev[0] == '-') {
    throw CliError("component source '" + text + "': the revision '" + rev +
                   "' starts with '-'; give a tag, branch or commit");
  }
  for (const char c : rev) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      throw CliError("component source '" + text + "': the revision '" + rev +
                     "' has blanks or control characters");
    }
  }
}

std::string read_text(const fs::path& path) {
  auto text = read_file(path.string());
  if (!text) throw CliError("cannot read " + path.string());
  return *text;
}

InstalledComponent read_installed(const fs::path& dir) {
  const fs::path file = dir / kInstalledFile;
  const auto text = read_file(file.string());
  if (!text) throw CliError("cannot read " + file.string());
  InstalledComponent c;
  try {
    const nlohmann::json doc = nlohmann::json::parse(*text);
    c.manifest = package::ComponentManifest::parse(doc.at("manifest").dump(), file.string());
    c.source = doc.at("source").get<std::string>();
    c.requested_rev = doc.value("requested_rev", std::string());
    c.commit = doc.value("commit", std::string());
    c.content_sha256 = doc.at("content_sha256").get<std::string>();
    c.installed_at = doc.value("installed_at", std::string());
  } catch (const nlohmann::json::exception& e) {
    throw CliError(file.string() + ": " + e.what());
  } catch (const package::PackageError& e) {
    throw CliError(e.what());
  }
  c.dir = dir;
  return c;
}

std::string installed_json(const InstalledComponent& c) {
  nlohmann::json doc;
  doc["manifest"] = nlohmann::json::parse(c.manifest.to_json());
  doc["source"] = c.source;
  doc["requested_rev"] = c.requested_rev;
  doc["commit"] = c.commit;
  doc["content_sha256"] = c.content_sha256;
  doc["installed_at"] = c.installed_at;
  return doc.dump(2) + "\n";
}

// Copies a directory source's tree without its .git and build/ (what
// tree_sha256 leaves out too); symlinks stay symlinks.
void copy_tree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    const std::string name = entry.path().filename().string();
    if (name == ".git" || name == "build") continue;
    fs::copy(entry.path(), to / name,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
}

std::string id12_of(const InstalledComponent& c) {
  return (c.commit.empty() ? c.content_sha256 : c.commit).substr(0, 12);
}

}  // namespace

std::filesystem::path default_component_store() {
  const std::string home = env_or_empty("LIGHTNING_HOME");
  if (!home.empty()) return fs::path(home) / "components";
  const std::string user_home = env_or_empty("HOME");
  if (!user_home.empty()) return fs::path(user_home) / ".lightning" / "components";
  throw CliError(
      "neither LIGHTNING_HOME nor HOME is set: say where the component store is with --store "
      "DIR or LIGHTNING_HOME");
}

std::string ComponentToolchain::key() const {
  CacheKeyHash hash;
  hash.add("lightning component toolchain v1").add(compiler).add(compiler_identity);
  hash.add(cxx_flags.size());
  for (const auto& flag : cxx_flags) hash.add(flag);
  hash.add(link_flags.size());
  for (const auto& flag : link_flags) hash.add(flag);
  hash.add(lightning_version).add(library_config);
  return hash.short_hex();
}

ComponentToolchain component_toolchain(const Toolchain& toolchain, const LibraryConfig& library) {
  ComponentToolchain out;
  out.compiler = toolchain.compiler;
  out.compiler_identity = toolchain.identity;
  // The language standard is the component's own CMake choice (its
  // CMAKE_CXX_STANDARD, or Lightning::lightning's cxx_std_17); the rest
  // (-pthread, a sanitizer's -fsanitize=...) must match the library's.
  for (const auto& flag : library.compile_flags) {
    if (!starts_with(flag, "-std=")) out.cxx_flags.push_back(flag);
  }
  out.link_flags = toolchain.link_flags;
  out.link_flags.insert(out.link_flags.end(), library.link_flags.begin(), library.link_flags.end());
  out.lightning_version = library.version;
  out.library_config = library.config_path;
  return out;
}

package::Candidate InstalledComponent::candidate() const {
  package::Candidate c;
  c.name = manifest.name;
  c.version = manifest.version;
  c.source = source;
  c.commit = commit;
  c.content_sha256 = content_sha256;
  c.dependencies = manifest.dependencies;
  c.lightning = manifest.lightning;
  c.builtin = false;
  return c;
}

SourceSpec SourceSpec::parse(const std::string& text) {
  if (text.empty()) {
    throw CliError(
        "empty component source; give a git URL (file://, https://, ssh://, "
        "git@host:path) or a directory");
  }
  SourceSpec spec;
  std::string rest = text;
  if (starts_with(rest, "git+")) {
    rest = rest.substr(4);
    spec.git = true;
  }
  if (spec.git || looks_like_url(rest)) {
    spec.git = true;
    const std::size_t from = path_start(rest);
    const std::size_t at = rest.rfind('@');
    if (at != std::string::npos && at >= from) {
      spec.rev = rest.substr(at + 1);
      check_rev(spec.rev, text);
      rest.resize(at);
    }
    const std::size_t scheme = rest.find("://");
    if (scheme != std::string::npos) {
      const std::string name = rest.substr(0, scheme);
      if (name != "file" && name != "https" && name != "http" && name != "ssh" && name != "git") {
        throw CliError("component source '" + text + "': git cannot fetch '" + name +
                       "://' URLs; use file://, https://, ssh:// or git@host:path");
      }
      if (rest.size() == scheme + 3) throw CliError("component source '" + text + "': no path");
    }
    if (rest.empty()) {
      throw CliError("component source '" + text + "' has no URL; give a git URL (file://, " +
                     "https://, ssh://, git@host:path) or a directory");
    }
    spec.source = rest;
    return spec;
  }
  // A directory; "DIR@REV" is a git repository's working tree at REV.
  std::error_code ec;
  if (fs::is_directory(rest, ec)) {
    spec.source = canonical_path(rest);
    return spec;
  }
  const std::size_t at = rest.rfind('@');
  if (at != std::string::npos && fs::is_directory(rest.substr(0, at), ec)) {
    spec.rev = rest.substr(at + 1);
    check_rev(spec.rev, text);
    spec.source = canonical_path(rest.substr(0, at));
    if (!fs::exists(fs::path(spec.source) / ".git")) {
      throw CliError("component source '" + text + "': " + spec.source +
                     " is a directory, not a git repository, so it has no revision '" + spec.rev +
                     "'; give the directory alone");
    }
    spec.git = true;
    return spec;
  }
  throw CliError("component source '" + text +
                 "' is neither a git URL (file://, https://, ssh://, git@host:path) nor an "
                 "existing directory");
}

ComponentStore::ComponentStore(std::filesystem::path root) : root_(std::move(root)) {}

std::vector<InstalledComponent> ComponentStore::list() const {
  std::vector<InstalledComponent> out;
  std::error_code ec;
  for (fs::directory_iterator names(root_, ec), end; !ec && names != end; names.increment(ec)) {
    const std::string name = names->path().filename().string();
    if (!package::is_valid_component_name(name) || !names->is_directory()) continue;
    std::error_code ec2;
    for (fs::directory_iterator e(names->path(), ec2); !ec2 && e != end; e.increment(ec2)) {
      if (!e->is_directory() || e->path().filename().string()[0] == '.') continue;
      try {
        out.push_back(read_installed(e->path()));
      } catch (const CliError& error) {
        std::fprintf(stderr,
                     "lightning: warning: skipping the broken component store entry %s (%s); "
                     "remove it with: rm -r %s\n",
                     e->path().c_str(), error.what(), e->path().c_str());
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const InstalledComponent& a, const InstalledComponent& b) {
    if (a.manifest.name != b.manifest.name) return a.manifest.name < b.manifest.name;
    const int c = package::compare(a.manifest.version, b.manifest.version);
    if (c != 0) return c < 0;
    return a.dir < b.dir;
  });
  return out;
}

namespace {

// Fetched into `tmp/src`: the manifest read, the content hashed. `origin`
// names the manifest in errors ("SOURCE@REV:lightning-component.json").
InstalledComponent describe_fetched(const fs::path& src, const std::string& origin,
                                    const SourceSpec& spec) {
  const fs::path manifest_path = src / package::kComponentManifestFile;
  if (!fs::is_regular_file(manifest_path)) {
    throw CliError("component source " + describe(spec) + " has no " +
                   package::kComponentManifestFile +
                   " at its top, so it is not a component; add one (see "
                   "docs/components/publishing.md, or start from `lightning init component NAME`)");
  }
  InstalledComponent c;
  try {
    c.manifest = package::ComponentManifest::parse(read_text(manifest_path), origin);
    c.content_sha256 = package::tree_sha256(src);
  } catch (const package::PackageError& e) {
    throw CliError(std::string(e.what()) + "\n(fix the manifest in " + describe(spec) +
                   " and install it again)");
  }
  c.source = spec.source;
  c.requested_rev = spec.rev;
  return c;
}

}  // namespace

InstalledComponent ComponentStore::fetch(const SourceSpec& spec) {
  make_dirs(root_.string());
  FileLock lock((root_ / ".lock").string());
  const std::string tmp = make_unique_dir((root_ / ".tmp").string(), "fetch-");
  struct Cleanup {
    std::string dir;
    ~Cleanup() { remove_all_quietly(dir); }
  } cleanup{tmp};
  const fs::path src = fs::path(tmp) / "src";

  InstalledComponent c;
  if (spec.git) {
    GitMirror mirror(
        (root_ / ".git" / (package::sha256_hex(spec.source).substr(0, 16) + ".git")).string(),
        spec.source);
    if (!mirror.update()) {
      std::fprintf(stderr,
                   "lightning: warning: cannot fetch %s (git said: %s); using the copy fetched "
                   "before\n",
                   spec.source.c_str(), mirror.last_error().c_str());
    }
    const auto commit = mirror.resolve(spec.rev);
    if (!commit) {
      throw CliError("revision '" + (spec.rev.empty() ? std::string("HEAD") : spec.rev) +
                     "' not found in " + spec.source +
                     (mirror.last_error().empty() ? "" : ": git said: " + mirror.last_error()) +
                     "\n(give a tag, branch or commit the repository has; `git ls-remote " +
                     spec.source + "` lists them)");
    }
    mirror.export_tree(*commit, src.string());
    c = describe_fetched(src, describe(spec) + ":" + package::kComponentManifestFile, spec);
    c.commit = *commit;
  } else {
    try {
      copy_tree(spec.source, src);
    } catch (const fs::filesystem_error& e) {
      throw CliError("cannot copy the component source " + spec.source + ": " + e.what());
    }
    c = describe_fetched(src, (fs::path(spec.source) / package::kComponentManifestFile).string(),
                         spec);
  }

  const fs::path name_dir = root_ / c.manifest.name;
  const std::string version = c.manifest.version.str();
  const fs::path entry = name_dir / (version + "+" + id12_of(c));
  c.dir = entry;
  if (fs::exists(entry / kInstalledFile)) {
    try {
      return read_installed(entry);
    } catch (const CliError&) {
      remove_all_quietly(entry.string());  // broken: replaced below
    }
  }
  // The same name and version with other content: a publisher changed a
  // released version, or two sources claim the same name.
  std::error_code ec;
  for (fs::directory_iterator it(name_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string dir = it->path().filename().string();
    if (starts_with(dir, version + "+") && dir != entry.filename().string()) {
      std::string other_source = "?";
      try {
        InstalledComponent other = read_installed(it->path());
        // The same files from another source (the directory a git repository
        // was made from): one entry.
        if (other.content_sha256 == c.content_sha256) return other;
        other_source = other.source;
      } catch (const CliError&) {
      }
      throw CliError("component '" + c.manifest.name + "' " + version +
                     " is installed already with other content (from " + other_source + ", " +
                     it->path().string() + "); " + describe(spec) +
                     " has the same version with different content. Bump the version in its " +
                     package::kComponentManifestFile + ", or remove the installed one first: " +
                     "lightning remove component " + c.manifest.name + "@" + version);
    }
  }
  c.installed_at = now_rfc3339();
  write_file((fs::path(tmp) / kInstalledFile).string(), installed_json(c));
  make_dirs(name_dir.string());
  fs::rename(tmp, entry, ec);
  if (ec) throw CliError("cannot move the component into " + entry.string() + ": " + ec.message());
  cleanup.dir.clear();
  return c;
}

InstalledComponent ComponentStore::fetch_locked(const package::LockedComponent& locked) {
  const std::string what = "component '" + locked.name + "' " + locked.version.str();
  // Already in the store with that commit and content: nothing to fetch (offline).
  for (const InstalledComponent& c : list()) {
    if (c.manifest.name == locked.name && c.manifest.version == locked.version &&
        c.commit == locked.commit && c.content_sha256 == locked.content_sha256) {
      return c;
    }
  }
  SourceSpec spec;
  spec.source = locked.source;
  spec.git = !locked.commit.empty();
  spec.rev = locked.commit;
  auto mismatch = [&](const std::string& why) {
    return CliError(what + ": the source at " + locked.source + " no longer matches " +
                    package::kLockFile + " (" + why + "); run `lightning update " + locked.name +
                    "` to take the new content");
  };
  InstalledComponent c;
  try {
    c = fetch(spec);
  } catch (const CliError& e) {
    throw mismatch(e.what());
  }
  if (c.content_sha256 != locked.content_sha256) {
    throw mismatch("content sha256 " + c.content_sha256.substr(0, 12) +
                   "… != " + locked.content_sha256.substr(0, 12) + "… in the lock");
  }
  if (c.manifest.name != locked.name || c.manifest.version != locked.version) {
    throw mismatch("it is " + c.manifest.name + " " + c.manifest.version.str() + " now");
  }
  return c;
}

std::vector<std::pair<package::Version, SourceSpec>> ComponentStore::offered_versions(
    const SourceSpec& spec) {
  std::vector<std::pair<package::Version, SourceSpec>> out;
  if (!spec.git) {
    const fs::path manifest = fs::path(spec.source) / package::kComponentManifestFile;
    try {
      const auto m = package::ComponentManifest::parse(read_text(manifest), manifest.string());
      out.emplace_back(m.version, spec);
    } catch (const package::PackageError& e) {
      throw CliError(e.what());
    }
    return out;
  }
  make_dirs(root_.string());
  FileLock lock((root_ / ".lock").string());
  GitMirror mirror(
      (root_ / ".git" / (package::sha256_hex(spec.source).substr(0, 16) + ".git")).string(),
      spec.source);
  if (!mirror.update()) {
    std::fprintf(stderr,
                 "lightning: warning: cannot fetch %s (git said: %s); using the copy "
                 "fetched before\n",
                 spec.source.c_str(), mirror.last_error().c_str());
  }
  auto manifest_version = [&](const std::string& rev) -> std::optional<package::Version> {
    const auto text = mirror.read_file(rev, package::kComponentManifestFile);
    if (!text) return std::nullopt;
    try {
      return package::ComponentManifest::parse(*text, spec.source + "@" + rev).version;
    } catch (const package::PackageError&) {
      return std::nullopt;  // a tag with a broken manifest offers nothing
    }
  };
  for (const std::string& tag : mirror.tags()) {
    package::Version version;
    try {
      version = package::Version::parse(tag[0] == 'v' ? tag.substr(1) : tag);
    } catch (const package::PackageError&) {
      continue;
    }
    const auto at_tag = manifest_version(tag);
    if (!at_tag || *at_tag != version) continue;
    SourceSpec s = spec;
    s.rev = tag;
    out.emplace_back(version, s);
  }
  if (const auto head = manifest_version("HEAD")) {
    const bool tagged = std::any_of(out.begin(), out.end(),
                                    [&](const auto& offer) { return offer.first == *head; });
    if (!tagged) {
      SourceSpec s = spec;
      s.rev.clear();
      out.emplace_back(*head, s);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return package::compare(a.first, b.first) < 0; });
  return out;
}

int ComponentStore::remove(const std::string& name,
                           const std::optional<package::Version>& version) {
  const std::string what =
      "component '" + name + "'" + (version ? " " + version->str() : std::string());
  if (!package::is_valid_component_name(name)) {
    throw CliError("'" + name + "' is not a component name ([a-z][a-z0-9_]*); " +
                   "`lightning list components` shows what is installed");
  }
  if (!fs::exists(root_))
    throw CliError(what + " is not installed (the store " + root_.string() + " is empty)");
  FileLock lock((root_ / ".lock").string());
  int removed = 0;
  for (const InstalledComponent& c : list()) {
    if (c.manifest.name != name || (version && c.manifest.version != *version)) continue;
    // Moved aside first, so that a crash mid-removal leaves no half entry.
    const std::string trash = make_unique_dir((root_ / ".tmp").string(), "remove-");
    std::error_code ec;
    fs::rename(c.dir, fs::path(trash) / "entry", ec);
    remove_all_quietly(trash);
    if (ec) throw CliError("cannot remove " + c.dir.string() + ": " + ec.message());
    ++removed;
  }
  if (removed == 0) {
    throw CliError(what + " is not installed in " + root_.string() +
                   " (`lightning list components` shows what is)");
  }
  std::error_code ec;
  fs::remove(root_ / name, ec);  // only when empty
  return removed;
}

}  // namespace lightning::cli
