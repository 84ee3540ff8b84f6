// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SemVer 2.0.0 versions and Cargo-style requirements, written here: no C or
// C++ SemVer library is packaged in Debian 12 (docs/design/components.md).
#include "package/semver.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "package/text_util.hpp"

namespace lightning::package {
namespace {

using detail::in_quotes;
using detail::is_blank;
using detail::trim_blanks;

constexpr std::uint64_t kMaxVersionPart = (std::uint64_t{1} << 63) - 1;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ident_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

[[noreturn]] void bad_version(std::string_view text, const std::string& why) {
  throw PackageError(in_quotes(text) + " is not a SemVer version: " + why +
                     " (expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], e.g. 1.2.0; "
                     "see https://semver.org)");
}

/// A MAJOR/MINOR/PATCH number: digits, no leading zero, below 2^63. Returns
/// the error, or empty on success.
std::string parse_number(std::string_view digits, const char* what, std::uint64_t& out) {
  if (digits.empty()) return std::string("the ") + what + " version is empty";
  for (char c : digits) {
    if (!is_digit(c))
      return std::string("the ") + what + " version " + in_quotes(digits) + " is not a number";
  }
  if (digits.size() > 1 && digits[0] == '0') {
    return std::string("leading zero in the ") + what + " version";
  }
  std::uint64_t v = 0;
  for (char c : digits) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMaxVersionPart - d) / 10) {
      return std::string("the ") + what + " version is too large (at most 2^63-1)";
    }
    v = v * 10 + d;
  }
  out = v;
  return {};
}

/// Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric ones
/// without leading zeros when `numeric_no_leading_zero` (prerelease, §9; build
/// metadata allows them, §10). Returns the error, or empty on success.
std::string check_identifiers(std::string_view text, const char* what, bool numeric_no_leading_zero,
                              std::vector<std::string>* out) {
  if (text.empty()) return std::string("empty ") + what;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = text.find('.', start);
    const std::string_view id =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (id.empty()) return std::string("empty identifier in the ") + what;
    bool numeric = true;
    for (char c : id) {
      if (!is_ident_char(c)) {
        return std::string("character ") + in_quotes(std::string_view(&c, 1)) + " in the " + what +
               " (only 0-9, A-Z, a-z, '-' and '.')";
      }
      if (!is_digit(c)) numeric = false;
    }
    if (numeric_no_leading_zero && numeric && id.size() > 1 && id[0] == '0') {
      return std::string("leading zero in the numeric ") + what + " identifier " + in_quotes(id);
    }
    if (out != nullptr) out->emplace_back(id);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

bool is_numeric(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!is_digit(c)) return false;
  }
  return true;
}

/// SemVer §11.4: numeric identifiers numerically (no leading zeros, so by
/// length then digits: no overflow however long), numeric < alphanumeric,
/// alphanumeric in ASCII order.
int compare_identifier(const std::string& a, const std::string& b) {
  const bool na = is_numeric(a);
  const bool nb = is_numeric(b);
  if (na && nb) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    const int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (na != nb) return na ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_number(std::uint64_t a, std::uint64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

// ---- requirements ----------------------------------------------------------

using Comparator = VersionRange::Comparator;
using Op = Comparator::Op;

/// One comparator as written: an operator and a possibly partial version
/// ("1", "1.2", "1.2.*", "*").
struct Partial {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  bool has_major = false;
  bool has_minor = false;
  bool has_patch = false;
  bool wildcard = false;  ///< a part was written "*", "x" or "X"
  std::vector<std::string> prerelease;
};

enum class Written { kCaret, kTilde, kEq, kGt, kGe, kLt, kLe, kBare };

[[noreturn]] void bad_range(std::string_view range, const std::string& why) {
  throw PackageError(in_quotes(range) + " is not a version requirement: " + why +
                     " (Cargo's syntax: ^1.2, ~1.2.3, =1.2.3, >=1.2, <2, 1.*, *; ',' joins "
                     "comparators, '||' separates alternatives)");
}

bool is_wildcard(std::string_view part) { return part == "*" || part == "x" || part == "X"; }

Version version_of(std::uint64_t major, std::uint64_t minor, std::uint64_t patch,
                   std::vector<std::string> prerelease = {}) {
  Version v;
  v.major = major;
  v.minor = minor;
  v.patch = patch;
  v.prerelease = std::move(prerelease);
  return v;
}

/// The lowest version of MAJOR.MINOR.PATCH ("X.Y.Z-0"): an exclusive upper
/// bound below it leaves out the prereleases of X.Y.Z too, as a partial
/// version's bound does in Cargo ("<1.3" does not match 1.3.0-alpha).
Version lowest_of(std::uint64_t major, std::uint64_t minor, std::uint64_t patch) {
  return version_of(major, minor, patch, {"0"});
}

/// Parses one partial version ("1", "1.2", "1.2.3-rc.1", "1.*", "*").
Partial parse_partial(std::string_view text, std::string_view range) {
  Partial p;
  if (text.empty()) bad_range(range, "a comparator without a version");
  // Build metadata is allowed and ignored, as in Cargo.
  if (const auto plus = text.find('+'); plus != std::string_view::npos) {
    const std::string err =
        check_identifiers(text.substr(plus + 1), "build metadata", false, nullptr);
    if (!err.empty()) bad_range(range, err);
    text = text.substr(0, plus);
  }
  std::string_view core = text;
  std::string_view pre;
  bool has_pre = false;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    core = text.substr(0, dash);
    pre = text.substr(dash + 1);
    has_pre = true;
  }
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = core.find('.', start);
    parts.push_back(
        core.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() > 3) bad_range(range, "more than three version parts in " + in_quotes(text));
  static const char* kNames[] = {"major", "minor", "patch"};
  std::uint64_t* fields[] = {&p.major, &p.minor, &p.patch};
  bool* present[] = {&p.has_major, &p.has_minor, &p.has_patch};
  bool wildcard_seen = false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (is_wildcard(parts[i])) {
      wildcard_seen = true;
      p.wildcard = true;
      continue;
    }
    if (wildcard_seen) {
      bad_range(range, "a number after a wildcard in " + in_quotes(text));
    }
    const std::string err = parse_number(parts[i], kNames[i], *fields[i]);
    if (!err.empty()) bad_range(range, err + " in " + in_quotes(text));
    *present[i] = true;
  }
  if (has_pre) {
    if (!p.has_patch) {
      bad_range(range, "a prerelease needs a full MAJOR.MINOR.PATCH version in " + in_quotes(text));
    }
    const std::string err = check_identifiers(pre, "prerelease", true, &p.prerelease);
    if (!err.empty()) bad_range(range, err + " in " + in_quotes(text));
  }
  return p;
}

/// Expands one comparator into full-version bounds, after Cargo's `semver`
/// crate: a missing part is a wildcard for the operator (">1.2" is ">=1.3.0",
/// "<=1.2" is "<1.3.0", "=1.2" is "1.2.*"), "^" keeps the leftmost non-zero
/// part, "~" the minor version.
void expand(Written op, const Partial& p, std::string_view range, std::vector<Comparator>& out) {
  auto push = [&out](Op o, Version v) { out.push_back({o, std::move(v)}); };
  if (!p.has_major) {
    // "*" (or "x", "X"): any release. parse() allows it only bare and alone.
    push(Op::kGe, version_of(0, 0, 0));
    return;
  }
  const std::uint64_t M = p.major;
  const std::uint64_t m = p.minor;
  const std::uint64_t n = p.patch;
  const Version full = version_of(M, m, n, p.prerelease);
  switch (op) {
    case Written::kEq:
      if (p.has_patch) {
        push(Op::kEq, full);
      } else if (p.has_minor) {
        push(Op::kGe, version_of(M, m, 0));
        push(Op::kLt, lowest_of(M, m + 1, 0));
      } else {
        push(Op::kGe, version_of(M, 0, 0));
        push(Op::kLt, lowest_of(M + 1, 0, 0));
      }
      return;
    case Written::kGt:
      if (p.has_patch) {
        push(Op::kGt, full);
      } else if (p.has_minor) {
        push(Op::kGe, version_of(M, m + 1, 0));
      } else {
        push(Op::kGe, version_of(M + 1, 0, 0));
      }
      return;
    case Written::kGe:
      push(Op::kGe, p.has_patch ? full : version_of(M, m, 0));
      return;
    case Written::kLt:
      if (p.has_patch) {
        push(Op::kLt, full);
      } else {
        push(Op::kLt, lowest_of(M, m, 0));
      }
      return;
    case Written::kLe:
      if (p.has_patch) {
        push(Op::kLe, full);
      } else if (p.has_minor) {
        push(Op::kLt, lowest_of(M, m + 1, 0));
      } else {
        push(Op::kLt, lowest_of(M + 1, 0, 0));
      }
      return;
    case Written::kTilde:
      push(Op::kGe, p.has_patch ? full : version_of(M, m, 0));
      if (p.has_minor) {
        push(Op::kLt, lowest_of(M, m + 1, 0));
      } else {
        push(Op::kLt, lowest_of(M + 1, 0, 0));
      }
      return;
    case Written::kCaret:
    case Written::kBare:
      break;
  }
  // Caret, which a bare version without a wildcard is.
  push(Op::kGe, p.has_patch ? full : version_of(M, m, 0));
  if (M > 0 || !p.has_minor) {
    push(Op::kLt, lowest_of(M + 1, 0, 0));
  } else if (m > 0 || !p.has_patch) {
    push(Op::kLt, lowest_of(0, m + 1, 0));
  } else {
    push(Op::kLt, lowest_of(0, 0, n + 1));
  }
}

bool holds(const Comparator& c, const Version& v) {
  const int r = compare(v, c.version);
  switch (c.op) {
    case Op::kEq:
      return r == 0;
    case Op::kGt:
      return r > 0;
    case Op::kGe:
      return r >= 0;
    case Op::kLt:
      return r < 0;
    case Op::kLe:
      return r <= 0;
  }
  return false;
}

}  // namespace

Version Version::parse(std::string_view text) {
  if (text.empty()) bad_version(text, "it is empty");
  if (text[0] == 'v' || text[0] == 'V') bad_version(text, "no leading 'v' (write 1.2.0)");
  Version v;
  std::string_view rest = text;
  if (const auto plus = rest.find('+'); plus != std::string_view::npos) {
    const std::string_view build = rest.substr(plus + 1);
    const std::string err = check_identifiers(build, "build metadata", false, nullptr);
    if (!err.empty()) bad_version(text, err);
    v.build = std::string(build);
    rest = rest.substr(0, plus);
  }
  if (const auto dash = rest.find('-'); dash != std::string_view::npos) {
    const std::string err =
        check_identifiers(rest.substr(dash + 1), "prerelease", true, &v.prerelease);
    if (!err.empty()) bad_version(text, err);
    rest = rest.substr(0, dash);
  }
  const auto dot1 = rest.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : rest.find('.', dot1 + 1);
  if (dot1 == std::string_view::npos || dot2 == std::string_view::npos) {
    bad_version(text, "it needs three numbers MAJOR.MINOR.PATCH");
  }
  if (rest.find('.', dot2 + 1) != std::string_view::npos) {
    bad_version(text, "more than three numbers");
  }
  std::string err = parse_number(rest.substr(0, dot1), "major", v.major);
  if (err.empty()) err = parse_number(rest.substr(dot1 + 1, dot2 - dot1 - 1), "minor", v.minor);
  if (err.empty()) err = parse_number(rest.substr(dot2 + 1), "patch", v.patch);
  if (!err.empty()) bad_version(text, err);
  return v;
}

std::string Version::str() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  for (std::size_t i = 0; i < prerelease.size(); ++i) {
    s += i == 0 ? "-" : ".";
    s += prerelease[i];
  }
  if (!build.empty()) s += "+" + build;
  return s;
}

int compare(const Version& a, const Version& b) {
  if (int c = compare_number(a.major, b.major); c != 0) return c;
  if (int c = compare_number(a.minor, b.minor); c != 0) return c;
  if (int c = compare_number(a.patch, b.patch); c != 0) return c;
  // §11.3: a prerelease has lower precedence than the release.
  if (a.prerelease.empty() != b.prerelease.empty()) return a.prerelease.empty() ? 1 : -1;
  const std::size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (int c = compare_identifier(a.prerelease[i], b.prerelease[i]); c != 0) return c;
  }
  return compare_number(a.prerelease.size(), b.prerelease.size());
}

VersionRange::VersionRange() : text_("*"), alternatives_{{Comparator{Comparator::Op::kGe, {}}}} {}

VersionRange VersionRange::parse(std::string_view text) {
  VersionRange r;
  r.text_ = std::string(trim_blanks(text));
  r.alternatives_.clear();
  const std::string_view all = r.text_;
  if (all.empty()) bad_range(text, "it is empty (write * for any version)");
  for (char c : all) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      if (c != '\t') bad_range(text, "a character that is not printable ASCII");
    }
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t bar = all.find("||", start);
    const std::string_view alt = trim_blanks(
        all.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (alt.empty()) bad_range(text, "an empty alternative around '||'");
    std::vector<Comparator> conj;
    std::size_t cstart = 0;
    for (;;) {
      const std::size_t comma = alt.find(',', cstart);
      std::string_view cmp = trim_blanks(alt.substr(
          cstart, comma == std::string_view::npos ? std::string_view::npos : comma - cstart));
      if (cmp.empty()) bad_range(text, "an empty comparator around ','");
      Written op = Written::kBare;
      if (cmp.substr(0, 2) == ">=") {
        op = Written::kGe;
        cmp.remove_prefix(2);
      } else if (cmp.substr(0, 2) == "<=") {
        op = Written::kLe;
        cmp.remove_prefix(2);
      } else if (cmp[0] == '>') {
        op = Written::kGt;
        cmp.remove_prefix(1);
      } else if (cmp[0] == '<') {
        op = Written::kLt;
        cmp.remove_prefix(1);
      } else if (cmp[0] == '=') {
        op = Written::kEq;
        cmp.remove_prefix(1);
      } else if (cmp[0] == '^') {
        op = Written::kCaret;
        cmp.remove_prefix(1);
      } else if (cmp[0] == '~') {
        op = Written::kTilde;
        cmp.remove_prefix(1);
      } else if (!is_digit(cmp[0]) && !is_wildcard(cmp.substr(0, 1))) {
        bad_range(text, "unknown operator in " + in_quotes(cmp));
      }
      cmp = trim_blanks(cmp);
      for (char c : cmp) {
        if (is_blank(c)) {
          bad_range(text, "a blank inside " + in_quotes(cmp) + " (join comparators with ',')");
        }
      }
      if (!cmp.empty() && (cmp[0] == 'v' || cmp[0] == 'V')) {
        bad_range(text, "no leading 'v' in " + in_quotes(cmp));
      }
      const Partial p = parse_partial(cmp, text);
      if (!p.has_major) {
        // As in Cargo: a wildcard major version is the whole requirement.
        if (op != Written::kBare) {
          bad_range(text, "a wildcard major version takes no operator (write * for any version)");
        }
        if (comma != std::string_view::npos || !conj.empty()) {
          bad_range(text, "* must be the only comparator of its alternative");
        }
      }
      // A bare version with a wildcard part ("1.*", "1.2.x") is that
      // wildcard; a bare full or partial number is a caret requirement.
      Written eff = op;
      if (op == Written::kBare) {
        eff = p.wildcard ? Written::kEq : Written::kCaret;
      }
      expand(eff, p, text, conj);
      if (comma == std::string_view::npos) break;
      cstart = comma + 1;
    }
    r.alternatives_.push_back(std::move(conj));
    if (bar == std::string_view::npos) break;
    start = bar + 2;
  }
  return r;
}

bool VersionRange::matches(const Version& version) const {
  for (const auto& conj : alternatives_) {
    bool all = true;
    // Cargo's prerelease rule: a prerelease matches only when a comparator of
    // the same alternative names a prerelease of the same MAJOR.MINOR.PATCH.
    bool prerelease_allowed = version.prerelease.empty();
    for (const auto& c : conj) {
      if (!holds(c, version)) {
        all = false;
        break;
      }
      // (The "X.Y.Z-0" bounds of partial versions never hold for a prerelease
      // of X.Y.Z, so they never let one through here.)
      if (!c.version.prerelease.empty() && c.version.major == version.major &&
          c.version.minor == version.minor && c.version.patch == version.patch) {
        prerelease_allowed = true;
      }
    }
    if (all && prerelease_allowed) return true;
  }
  return false;
}

}  // namespace lightning::package
