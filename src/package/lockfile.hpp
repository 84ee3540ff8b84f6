// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "semver.hpp"

namespace lightning::package {

/// The lock file beside an app: one per directory, shared by the apps in it
/// (like a Cargo workspace's Cargo.lock), so it may hold several versions of
/// one component when two apps of the directory need different ones.
inline constexpr const char* kLockFile = "lightning.lock";

/// One pinned component version.
struct LockedComponent {
  std::string name;
  Version version;
  /// Where it came from: "builtin" (part of the Lightning build), a git URL
  /// (as given, "git+" dropped), or an absolute directory path.
  std::string source;
  /// The git commit (40 lowercase hex) for a git source; empty otherwise.
  std::string commit;
  /// tree_sha256() of the component's source tree (64 lowercase hex); for a
  /// builtin, of its lightning-component.json and headers as installed.
  std::string content_sha256;
  /// The exact versions chosen for its dependencies: name -> version text.
  std::map<std::string, std::string> dependencies;
};

/// lightning.lock:
///
///   {
///     "lock_version": 1,
///     "components": [
///       {"name": "acme_data", "version": "2.0.1", "source": "file:///srv/acme_data.git",
///        "commit": "9f3c…", "content_sha256": "4b1e…", "dependencies": {}},
///       …
///     ]
///   }
///
/// Entries sorted by name, then version; serialize() is byte-stable (2-space
/// indent, trailing newline) so a lock that did not change is not rewritten
/// and diffs stay small.
struct LockFile {
  std::vector<LockedComponent> components;

  /// Throws PackageError naming `origin` and the entry/field ("lightning.lock:
  /// components[2].commit: 'xyz' is not a 40-hex git commit"), for a
  /// lock_version other than 1 too (with "written by a newer Lightning").
  /// Two entries with the same name and version are an error.
  static LockFile parse(std::string_view text, std::string_view origin);

  std::string serialize() const;

  /// The highest locked version of `name` that `range` matches; nullptr if none.
  const LockedComponent* find(std::string_view name, const VersionRange& range) const;

  /// Adds `entry`, replacing an entry of the same name and version; keeps the order.
  void upsert(LockedComponent entry);
};

}  // namespace lightning::package
