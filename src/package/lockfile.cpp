// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "package/lockfile.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "package/errors.hpp"
#include "package/manifest.hpp"
#include "package/text_util.hpp"

namespace lightning::package {
namespace {

using detail::in_quotes;
using nlohmann::json;

bool is_lower_hex(std::string_view s, std::size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/// Entries in the lock's order: by name, then version precedence, then the
/// canonical text (build metadata), so the order is total.
bool locked_before(const LockedComponent& a, const LockedComponent& b) {
  if (a.name != b.name) return a.name < b.name;
  if (const int c = compare(a.version, b.version); c != 0) return c < 0;
  return a.version.build < b.version.build;
}

LockedComponent parse_entry(const json& e, const std::string& where) {
  auto fail = [&where](const std::string& field, const std::string& why) {
    throw PackageError(where + (field.empty() ? "" : "." + field) + ": " + why);
  };
  if (!e.is_object()) {
    fail("", "must be an object {\"name\", \"version\", \"source\", ...}, not " +
                 detail::json_type_name(e));
  }
  static const char* kKnown[] = {"name",   "version",        "source",
                                 "commit", "content_sha256", "dependencies"};
  for (const auto& item : e.items()) {
    const bool known =
        std::find(std::begin(kKnown), std::end(kKnown), item.key()) != std::end(kKnown);
    if (!known && item.key().rfind("x-", 0) != 0) {
      fail(item.key(),
           "unknown field (known: name, version, source, commit, content_sha256, "
           "dependencies)");
    }
  }
  auto str = [&](const char* key, bool required) -> std::string {
    const auto it = e.find(key);
    if (it == e.end()) {
      if (required) fail(key, "is required");
      return {};
    }
    if (!it->is_string()) fail(key, "must be a string, not " + detail::json_type_name(*it));
    return it->get<std::string>();
  };
  LockedComponent c;
  c.name = str("name", true);
  if (!is_valid_component_name(c.name)) {
    fail("name", in_quotes(c.name) + " is not a valid component name");
  }
  const std::string version = str("version", true);
  try {
    c.version = Version::parse(version);
  } catch (const PackageError& err) {
    fail("version", err.what());
  }
  c.source = str("source", true);
  if (c.source.empty() || detail::has_control_char(c.source)) {
    fail("source",
         in_quotes(c.source) + " is not a source (\"builtin\", a git URL or a directory)");
  }
  c.commit = str("commit", false);
  if (!c.commit.empty() && !is_lower_hex(c.commit, 40)) {
    fail("commit", in_quotes(c.commit) + " is not a 40-hex git commit");
  }
  c.content_sha256 = str("content_sha256", true);
  if (!is_lower_hex(c.content_sha256, 64)) {
    fail("content_sha256", in_quotes(c.content_sha256) + " is not a SHA-256 (64 lowercase hex)");
  }
  if (const auto it = e.find("dependencies"); it != e.end()) {
    if (!it->is_object()) {
      fail("dependencies",
           "must be an object {\"name\": \"version\"}, not " + detail::json_type_name(*it));
    }
    for (const auto& item : it->items()) {
      const std::string field = "dependencies." + item.key();
      if (!is_valid_component_name(item.key())) {
        fail(field, in_quotes(item.key()) + " is not a valid component name");
      }
      if (!item.value().is_string()) {
        fail(field, "must be a version string, not " + detail::json_type_name(item.value()));
      }
      const std::string text = item.value().get<std::string>();
      try {
        (void)Version::parse(text);
      } catch (const PackageError& err) {
        fail(field, err.what());
      }
      c.dependencies.emplace(item.key(), text);
    }
  }
  return c;
}

}  // namespace

LockFile LockFile::parse(std::string_view text, std::string_view origin) {
  const std::string where(origin);
  const json doc = detail::parse_json_document(text, origin);
  if (!doc.is_object()) {
    throw PackageError(where +
                       ": must be a JSON object {\"lock_version\": 1, \"components\": "
                       "[...]}, not " +
                       detail::json_type_name(doc));
  }
  for (const auto& item : doc.items()) {
    if (item.key() != "lock_version" && item.key() != "components" &&
        item.key().rfind("x-", 0) != 0) {
      throw PackageError(where + ": unknown field " + in_quotes(item.key()) +
                         " (known: lock_version, components)");
    }
  }
  const auto ver = doc.find("lock_version");
  if (ver == doc.end()) {
    throw PackageError(where + ": lock_version: is required (this Lightning writes 1)");
  }
  if (ver->is_number_unsigned() && ver->get<std::uint64_t>() > 1) {
    throw PackageError(where + ": lock_version " + ver->dump() +
                       " was written by a newer Lightning (this one reads 1); update Lightning, "
                       "or delete " +
                       where + " to have it written again");
  }
  if (!ver->is_number_integer() || ver->get<std::int64_t>() != 1) {
    throw PackageError(where + ": lock_version: " + detail::printable(ver->dump(), 40) +
                       " is not a lock version (this Lightning writes 1)");
  }
  LockFile lock;
  const auto comps = doc.find("components");
  if (comps == doc.end()) return lock;
  if (!comps->is_array()) {
    throw PackageError(where + ": components: must be an array, not " +
                       detail::json_type_name(*comps));
  }
  std::set<std::pair<std::string, std::string>> seen;  // name, version without build
  for (std::size_t i = 0; i < comps->size(); ++i) {
    const std::string entry_where = where + ": components[" + std::to_string(i) + "]";
    LockedComponent c = parse_entry((*comps)[i], entry_where);
    Version bare = c.version;
    bare.build.clear();
    {
      if (!seen.emplace(c.name, bare.str()).second) {
        throw PackageError(entry_where + ": " + c.name + " " + c.version.str() +
                           " is locked twice; keep one entry (or delete the lock file to have "
                           "it written again)");
      }
    }
    lock.components.push_back(std::move(c));
  }
  std::stable_sort(lock.components.begin(), lock.components.end(), locked_before);
  return lock;
}

std::string LockFile::serialize() const {
  std::vector<const LockedComponent*> sorted;
  sorted.reserve(components.size());
  for (const auto& c : components) sorted.push_back(&c);
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const LockedComponent* a, const LockedComponent* b) { return locked_before(*a, *b); });
  nlohmann::ordered_json j;
  j["lock_version"] = 1;
  j["components"] = nlohmann::ordered_json::array();
  for (const LockedComponent* c : sorted) {
    nlohmann::ordered_json e;
    e["name"] = c->name;
    e["version"] = c->version.str();
    e["source"] = c->source;
    e["commit"] = c->commit;
    e["content_sha256"] = c->content_sha256;
    e["dependencies"] = nlohmann::ordered_json::object();
    for (const auto& [name, version] : c->dependencies) e["dependencies"][name] = version;
    j["components"].push_back(std::move(e));
  }
  try {
    return j.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    throw PackageError(std::string("the lock file cannot be written as JSON: ") + e.what());
  }
}

const LockedComponent* LockFile::find(std::string_view name, const VersionRange& range) const {
  const LockedComponent* best = nullptr;
  for (const auto& c : components) {
    if (c.name != name || !range.matches(c.version)) continue;
    if (best == nullptr || compare(c.version, best->version) > 0) best = &c;
  }
  return best;
}

void LockFile::upsert(LockedComponent entry) {
  for (auto& c : components) {
    if (c.name == entry.name && c.version == entry.version) {
      c = std::move(entry);
      return;
    }
  }
  const auto at = std::upper_bound(components.begin(), components.end(), entry, locked_before);
  components.insert(at, std::move(entry));
}

}  // namespace lightning::package
