// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lockfile.hpp"
#include "manifest.hpp"
#include "semver.hpp"

namespace lightning::package {

/// One version of a component the resolver may choose: installed in the
/// component store, or built into this Lightning.
struct Candidate {
  std::string name;
  Version version;
  std::string source;          ///< as in LockedComponent::source
  std::string commit;          ///< as in LockedComponent::commit
  std::string content_sha256;  ///< as in LockedComponent::content_sha256
  std::map<std::string, VersionRange> dependencies;
  VersionRange lightning;  ///< the Lightning versions it builds with
  bool builtin = false;
};

/// The versions chosen, one per component name, dependencies before the
/// components that need them (a stable topological order, then by name).
struct Resolution {
  std::vector<Candidate> chosen;
  /// For each chosen name, whether it came from the lock (true) or was newly
  /// picked (false); a caller writes the lock when any is false.
  std::map<std::string, bool> from_lock;
};

/// Chooses one version of every component the app needs, transitively.
///
/// For each name, every requirement on it (the app's, and each chosen
/// component's `dependencies`) must hold, and the candidate's `lightning`
/// range must match `lightning_version`. A locked entry (`lock`, may be null)
/// that satisfies all of them is kept even if a newer candidate exists (that is
/// what `lightning update` is for); a locked entry must also be among
/// `available` with the same commit and content_sha256 (else the caller must
/// install it first: see ResolveError::missing). Otherwise the highest
/// matching candidate is chosen. If a later requirement rules out a version
/// chosen earlier, that name is chosen again under all its requirements.
///
/// Throws ResolveError:
///  - a name with no candidate at all ("component 'x' is not installed
///    (needed by app.cpp:3); install it with: lightning install component SOURCE"),
///  - none in range (lists the available versions and who asked for what),
///  - a conflict (names both requirements and who made them),
///  - a component whose `lightning` range excludes this Lightning,
///  - a dependency cycle (names it),
///  - choices that never settle (each keeps ruling out another; names them).
/// The problems of different components are reported together, one line each,
/// in one ResolveError, with `missing` / `missing_locked` gathered from all.
Resolution resolve(const std::vector<Requirement>& app,
                   const std::vector<Candidate>& available, const LockFile* lock,
                   const Version& lightning_version);

/// A resolution that failed. `missing` lists what is absent and installable:
/// each (name, requirement) for which no available candidate exists but a
/// requirement gives a `source`, or a locked entry is not available; the
/// caller may install those and call resolve() again.
class ResolveError : public PackageError {
 public:
  ResolveError(const std::string& what, std::vector<Requirement> missing = {},
               std::vector<LockedComponent> missing_locked = {})
      : PackageError(what), missing(std::move(missing)), missing_locked(std::move(missing_locked)) {}
  std::vector<Requirement> missing;
  std::vector<LockedComponent> missing_locked;
};

}  // namespace lightning::package
