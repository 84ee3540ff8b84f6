// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"

namespace lightning::package {

/// A Semantic Versioning 2.0.0 version (https://semver.org):
/// MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
struct Version {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<std::string> prerelease;  ///< dot-separated identifiers; empty: a release
  std::string build;                    ///< build metadata; ignored by comparisons (SemVer §10)

  /// Parses `text` strictly as SemVer 2.0.0 §2-§10: three numeric parts
  /// without leading zeros (each < 2^63), identifiers of [0-9A-Za-z-], no
  /// leading 'v', no blanks. Throws PackageError quoting `text` and saying
  /// what is wrong (e.g. "'1.02.0' is not a SemVer version: leading zero in
  /// the minor version").
  static Version parse(std::string_view text);

  /// The canonical text: "1.2.3-rc.1+build.5".
  std::string str() const;
};

/// SemVer §11 precedence: <0, 0, >0. Build metadata is ignored, so 1.0.0+a
/// and 1.0.0+b compare equal.
int compare(const Version& a, const Version& b);
inline bool operator<(const Version& a, const Version& b) { return compare(a, b) < 0; }
inline bool operator>(const Version& a, const Version& b) { return compare(a, b) > 0; }
inline bool operator<=(const Version& a, const Version& b) { return compare(a, b) <= 0; }
inline bool operator>=(const Version& a, const Version& b) { return compare(a, b) >= 0; }
inline bool operator==(const Version& a, const Version& b) { return compare(a, b) == 0; }
inline bool operator!=(const Version& a, const Version& b) { return compare(a, b) != 0; }

/// A version requirement, in Cargo's syntax
/// (https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html),
/// plus npm's "||" between alternatives:
///
///   "1.2.3", "^1.2.3"  >=1.2.3, <2.0.0   (^0.2.3: <0.3.0; ^0.0.3: <0.0.4)
///   "~1.2.3", "~1.2"   >=1.2.3, <1.3.0
///   "=1.2.3"           exactly 1.2.3
///   ">=1.2, <2"        every comparator (>, >=, <, <=, =) must hold; ',' joins
///   "1.*", "1.2.x", "*" wildcards
///   "^1.0 || ^2.0"     either alternative
///
/// A missing minor/patch part is a wildcard for the operator, as in Cargo:
/// ">=1.2" is ">=1.2.0", ">1.2" is ">=1.3.0", "<1.2" is "<1.2.0", "<=1.2" is
/// "<1.3.0", "=1.2" is "1.2.*". A bound that a partial version gives above
/// excludes that version's prereleases too ("<1.3" does not match 1.3.0-rc.1).
/// "*" (or "x", "X") as the major version stands alone: no operator, no other
/// comparator in its alternative. Build metadata in a requirement is ignored.
/// A prerelease version matches only a comparator that itself names a
/// prerelease of the same MAJOR.MINOR.PATCH (Cargo's and npm's rule), so
/// "^1.0" never picks 1.5.0-beta. docs/design/components.md has the table.
class VersionRange {
 public:
  /// "*": any release.
  VersionRange();

  /// Throws PackageError quoting `text` and saying what is wrong (an empty
  /// range, an unknown operator, a bad version part).
  static VersionRange parse(std::string_view text);

  /// Whether `version` satisfies the requirement (rules above).
  bool matches(const Version& version) const;

  /// The requirement as written, blanks trimmed ("^1.2").
  const std::string& str() const { return text_; }

  struct Comparator {
    enum class Op { kEq, kGt, kGe, kLt, kLe };
    Op op = Op::kGe;
    Version version;
  };

 private:
  std::string text_;
  /// Alternatives ("||"); each is a conjunction of comparators, already
  /// expanded from ^, ~ and wildcards. Empty alternative list: never matches.
  std::vector<std::vector<Comparator>> alternatives_;
};

}  // namespace lightning::package
