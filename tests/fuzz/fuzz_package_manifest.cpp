// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: the package layer's readers of text a user or a component
// author writes (src/package/manifest.hpp, semver.hpp). The same bytes go to
// ComponentManifest::parse, parse_app_manifest, scan_use_lines,
// VersionRange::parse and Version::parse.
//
// Invariants: each returns or throws PackageError, never anything else; a
// parsed manifest survives ComponentManifest::parse(to_json()) unchanged; a
// use line's requirement has a valid name and a "FILE:LINE" origin; a parsed
// version prints back to text that parses to the same version, and a parsed
// range's text parses again to a range that matches the same versions.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "package/errors.hpp"
#include "package/manifest.hpp"
#include "package/semver.hpp"

namespace {

using lightning::package::ComponentManifest;
using lightning::package::PackageError;
using lightning::package::Version;
using lightning::package::VersionRange;

/// Runs `f`; PackageError is an answer, any other exception a broken invariant.
template <typename F>
bool answers(const char* what, F&& f) {
  try {
    f();
    return true;
  } catch (const PackageError&) {
    return false;
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string(what) + " threw a non-PackageError: " + e.what());
  }
  return false;
}

void check_manifest(const std::string& text) {
  ComponentManifest m;
  if (!answers("ComponentManifest::parse",
               [&] { m = ComponentManifest::parse(text, "fuzz.json"); })) {
    return;
  }
  const std::string json = m.to_json();
  ComponentManifest back;
  try {
    back = ComponentManifest::parse(json, "round trip");
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false,
                         std::string("to_json() does not parse back: ") + e.what() + "\n" + json);
  }
  LIGHTNING_FUZZ_CHECK(back.to_json() == json, "round trip changed the manifest:\n" + json);
  LIGHTNING_FUZZ_CHECK(back.name == m.name && back.version.str() == m.version.str() &&
                           back.description == m.description && back.package == m.package &&
                           back.target == m.target && back.lightning.str() == m.lightning.str() &&
                           back.system_packages == m.system_packages && back.torch == m.torch &&
                           back.dependencies.size() == m.dependencies.size(),
                       "round trip changed a field:\n" + json);
  LIGHTNING_FUZZ_CHECK(lightning::package::is_valid_component_name(m.name),
                       "accepted name " + m.name);
  LIGHTNING_FUZZ_CHECK(m.dependencies.count(m.name) == 0, "a dependency on itself");
}

void check_versions(const std::string& text) {
  static const std::vector<Version> kProbes = [] {
    std::vector<Version> v;
    for (const char* s : {"0.0.0", "0.0.1", "0.1.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0",
                          "1.2.3", "1.2.3-rc.1", "2.0.0", "9223372036854775807.0.0"}) {
      v.push_back(Version::parse(s));
    }
    return v;
  }();
  Version v;
  if (answers("Version::parse", [&] { v = Version::parse(text); })) {
    LIGHTNING_FUZZ_CHECK(v.str() == text, "Version::parse(" + text + ").str() is " + v.str());
    for (const auto& p : kProbes) {
      LIGHTNING_FUZZ_CHECK(compare(v, p) == -compare(p, v), "compare is not antisymmetric");
    }
  }
  VersionRange r;
  if (answers("VersionRange::parse", [&] { r = VersionRange::parse(text); })) {
    VersionRange again;
    try {
      again = VersionRange::parse(r.str());
    } catch (const std::exception& e) {
      LIGHTNING_FUZZ_CHECK(false, "a range's str() does not parse back: " + r.str());
    }
    LIGHTNING_FUZZ_CHECK(again.str() == r.str(), "range text changed: " + r.str());
    for (const auto& p : kProbes) {
      LIGHTNING_FUZZ_CHECK(again.matches(p) == r.matches(p),
                           "range " + r.str() + " matches differently");
    }
    if (v.major != 0 || v.minor != 0 || v.patch != 0 || !v.prerelease.empty()) {
      (void)r.matches(v);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_manifest(text);
  answers("parse_app_manifest", [&] {
    for (const auto& r : lightning::package::parse_app_manifest(text, "lightning.json")) {
      LIGHTNING_FUZZ_CHECK(lightning::package::is_valid_component_name(r.name),
                           "app manifest name " + r.name);
    }
  });
  answers("scan_use_lines", [&] {
    for (const auto& r : lightning::package::scan_use_lines(text, "app.cpp")) {
      LIGHTNING_FUZZ_CHECK(lightning::package::is_valid_component_name(r.name),
                           "use line name " + r.name);
      LIGHTNING_FUZZ_CHECK(r.origin.rfind("app.cpp:", 0) == 0, "origin " + r.origin);
      LIGHTNING_FUZZ_CHECK(r.source.empty() || r.source[0] != '-', "source starting with '-'");
    }
  });
  check_versions(text);
  return 0;
}
