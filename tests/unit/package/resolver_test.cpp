// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The version resolver (src/package/resolver.hpp): choices, the lock, and the
// error messages, which are the product.
#include "package/resolver.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace lightning::package {
namespace {

const Version kLightning = Version::parse("0.1.0");

std::string hex_of(const std::string& seed, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += "0123456789abcdef"[(seed.size() * 7 + i * 3 + seed[i % seed.size()]) % 16];
  return out;
}

Candidate cand(const std::string& name, const std::string& version,
               const std::map<std::string, std::string>& deps = {},
               const std::string& lightning = "*") {
  Candidate c;
  c.name = name;
  c.version = Version::parse(version);
  c.source = "file:///srv/" + name + ".git";
  c.commit = hex_of(name + version, 40);
  c.content_sha256 = hex_of(version + name, 64);
  for (const auto& [d, r] : deps) c.dependencies[d] = VersionRange::parse(r);
  c.lightning = VersionRange::parse(lightning);
  return c;
}

Requirement req(const std::string& name, const std::string& range, const std::string& origin,
                const std::string& source = "") {
  Requirement r;
  r.name = name;
  r.range = VersionRange::parse(range);
  r.origin = origin;
  r.source = source;
  return r;
}

LockedComponent locked(const Candidate& c, const std::map<std::string, std::string>& deps = {}) {
  LockedComponent l;
  l.name = c.name;
  l.version = c.version;
  l.source = c.source;
  l.commit = c.commit;
  l.content_sha256 = c.content_sha256;
  l.dependencies = deps;
  return l;
}

/// "name@version" of each chosen component, in the resolution's order.
std::vector<std::string> chosen(const Resolution& r) {
  std::vector<std::string> out;
  for (const auto& c : r.chosen) out.push_back(c.name + "@" + c.version.str());
  return out;
}

ResolveError error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ResolveError& e) {
    return e;
  }
  ADD_FAILURE() << "no ResolveError";
  return ResolveError("");
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

using Strings = std::vector<std::string>;

TEST(ResolverTest, PicksTheHighestMatchingVersion) {
  const std::vector<Candidate> avail = {cand("acme", "1.0.0"), cand("acme", "1.4.2"),
                                        cand("acme", "2.0.0"), cand("acme", "1.5.0-beta")};
  const Resolution r = resolve({req("acme", "^1", "app.cpp:1")}, avail, nullptr, kLightning);
  EXPECT_EQ(chosen(r), Strings{"acme@1.4.2"});
  EXPECT_FALSE(r.from_lock.at("acme"));
  // The order of `available` does not matter.
  const std::vector<Candidate> reversed(avail.rbegin(), avail.rend());
  EXPECT_EQ(chosen(resolve({req("acme", "^1", "app.cpp:1")}, reversed, nullptr, kLightning)),
            Strings{"acme@1.4.2"});
}

TEST(ResolverTest, KeepsTheLockedVersionWhenANewerOneIsInstalled) {
  const std::vector<Candidate> avail = {cand("acme", "1.0.0"), cand("acme", "1.1.0")};
  LockFile lock;
  lock.upsert(locked(avail[0]));
  const Resolution r = resolve({req("acme", "^1", "app.cpp:1")}, avail, &lock, kLightning);
  EXPECT_EQ(chosen(r), Strings{"acme@1.0.0"});
  EXPECT_TRUE(r.from_lock.at("acme"));
  // A range that rules the locked version out: newly chosen.
  const Resolution moved = resolve({req("acme", ">=1.1", "app.cpp:1")}, avail, &lock, kLightning);
  EXPECT_EQ(chosen(moved), Strings{"acme@1.1.0"});
  EXPECT_FALSE(moved.from_lock.at("acme"));
}

TEST(ResolverTest, LockedEntryNotInstalledIsMissingLocked) {
  const Candidate old = cand("acme", "1.0.0");
  const std::vector<Candidate> avail = {cand("acme", "1.1.0")};
  LockFile lock;
  lock.upsert(locked(old));
  const ResolveError e =
      error_of([&] { resolve({req("acme", "^1", "app.cpp:1")}, avail, &lock, kLightning); });
  ASSERT_EQ(e.missing_locked.size(), 1u);
  EXPECT_EQ(e.missing_locked[0].version.str(), "1.0.0");
  EXPECT_EQ(e.missing_locked[0].commit, old.commit);
  EXPECT_TRUE(e.missing.empty());
  const std::string what = e.what();
  EXPECT_TRUE(contains(what, "lightning.lock pins component 'acme' 1.0.0")) << what;
  EXPECT_TRUE(contains(what, "which is not installed")) << what;
  EXPECT_TRUE(contains(what, "app.cpp:1")) << what;
  EXPECT_TRUE(contains(what, "lightning install component file:///srv/acme.git@" + old.commit))
      << what;
  EXPECT_TRUE(contains(what, "lightning update acme")) << what;
}

TEST(ResolverTest, InstalledContentDifferentFromTheLockIsMissingLocked) {
  const Candidate installed = cand("acme", "1.0.0");
  LockedComponent pinned = locked(installed);
  pinned.content_sha256 = std::string(64, 'e');
  LockFile lock;
  lock.upsert(pinned);
  const ResolveError e =
      error_of([&] { resolve({req("acme", "^1", "app.cpp:1")}, {installed}, &lock, kLightning); });
  ASSERT_EQ(e.missing_locked.size(), 1u);
  const std::string what = e.what();
  EXPECT_TRUE(contains(what, "is not what lightning.lock pins")) << what;
  EXPECT_TRUE(contains(what, "its source changed since the lock was written")) << what;
  EXPECT_TRUE(contains(what, "eeeeeeeeeeee")) << what;
  EXPECT_TRUE(contains(what, "lightning update acme")) << what;
}

TEST(ResolverTest, ChoosesTransitiveDependenciesFirstInOrder) {
  const std::vector<Candidate> avail = {
      cand("app_lib", "1.0.0", {{"data", "^2"}, {"util", "^1"}}),
      cand("data", "2.3.0", {{"util", "^1.2"}}),
      cand("data", "3.0.0"),
      cand("util", "1.1.0"),
      cand("util", "1.2.5"),
      cand("unused", "1.0.0"),
  };
  const Resolution r = resolve({req("app_lib", "*", "app.cpp:1")}, avail, nullptr, kLightning);
  EXPECT_EQ(chosen(r), (Strings{"util@1.2.5", "data@2.3.0", "app_lib@1.0.0"}));
  EXPECT_EQ(r.from_lock.size(), 3u);
}

TEST(ResolverTest, LockedDependencyVersionsAreKeptTransitively) {
  const std::vector<Candidate> avail = {cand("top", "1.0.0", {{"dep", "^1"}}), cand("dep", "1.0.0"),
                                        cand("dep", "1.3.0")};
  LockFile lock;
  lock.upsert(locked(avail[0], {{"dep", "1.0.0"}}));
  lock.upsert(locked(avail[1]));
  const Resolution r = resolve({req("top", "^1", "app.cpp:1")}, avail, &lock, kLightning);
  EXPECT_EQ(chosen(r), (Strings{"dep@1.0.0", "top@1.0.0"}));
  EXPECT_TRUE(r.from_lock.at("dep"));
  EXPECT_TRUE(r.from_lock.at("top"));
}

TEST(ResolverTest, LockedDependentsPinPicksAmongSeveralLockedVersions) {
  // Two apps of one directory locked dep 1.0.0 and 2.0.0; top's entry says 1.0.0.
  const std::vector<Candidate> avail = {cand("top", "1.0.0", {{"dep", "*"}}), cand("dep", "1.0.0"),
                                        cand("dep", "2.0.0")};
  LockFile lock;
  lock.upsert(locked(avail[0], {{"dep", "1.0.0"}}));
  lock.upsert(locked(avail[1]));
  lock.upsert(locked(avail[2]));
  const Resolution r = resolve({req("top", "^1", "app.cpp:1")}, avail, &lock, kLightning);
  EXPECT_EQ(chosen(r), (Strings{"dep@1.0.0", "top@1.0.0"}));
}

TEST(ResolverTest, ConflictNamesBothRequirementsAndWhoMadeThem) {
  const std::vector<Candidate> avail = {cand("trainer", "1.2.0", {{"data", "^2"}}),
                                        cand("data", "1.4.0"), cand("data", "2.0.1")};
  const ResolveError e = error_of([&] {
    resolve({req("trainer", "^1", "app.cpp:2"), req("data", "^1.0", "app.cpp:3")}, avail, nullptr,
            kLightning);
  });
  const std::string what = e.what();
  EXPECT_TRUE(contains(what, "conflicting requirements on component 'data'")) << what;
  EXPECT_TRUE(contains(what, "^1.0 (asked by app.cpp:3)")) << what;
  EXPECT_TRUE(contains(what, "^2 (asked by component trainer 1.2.0)")) << what;
  EXPECT_TRUE(contains(what, "installed: 1.4.0, 2.0.1")) << what;
  EXPECT_TRUE(contains(what, "loosen the range in app.cpp:3")) << what;
  EXPECT_TRUE(contains(what, "lightning update trainer")) << what;
  EXPECT_TRUE(e.missing.empty());
}

TEST(ResolverTest, ThreeRequirementsThatOnlyConflictTogetherAreAllNamed) {
  const std::vector<Candidate> avail = {cand("x", "1.0.0"), cand("x", "2.0.0"), cand("x", "3.0.0")};
  const ResolveError e = error_of([&] {
    resolve({req("x", "=1.0.0 || =2.0.0", "a.cpp:1"), req("x", "=2.0.0 || =3.0.0", "b.cpp:1"),
             req("x", "=1.0.0 || =3.0.0", "c.cpp:1")},
            avail, nullptr, kLightning);
  });
  const std::string what = e.what();
  EXPECT_TRUE(contains(what,
                       "no version meets them all (needed by a.cpp:1 for =1.0.0 || =2.0.0, "
                       "b.cpp:1 for =2.0.0 || =3.0.0, c.cpp:1 for =1.0.0 || =3.0.0)"))
      << what;
}

TEST(ResolverTest, NotInstalledNamesWhoNeedsItAndTheSourceToInstall) {
  const ResolveError e = error_of([&] {
    resolve(
        {req("acme", "^1", "app.cpp:3", "file:///srv/acme.git"), req("other", "*", "app.cpp:4")},
        {}, nullptr, kLightning);
  });
  const std::string what = e.what();
  EXPECT_TRUE(contains(what, "component 'acme' is not installed (needed by app.cpp:3 for ^1)"))
      << what;
  EXPECT_TRUE(contains(what, "lightning install component file:///srv/acme.git")) << what;
  EXPECT_TRUE(contains(what, "component 'other' is not installed (needed by app.cpp:4);")) << what;
  EXPECT_TRUE(contains(what, "lightning install component SOURCE")) << what;
  ASSERT_EQ(e.missing.size(), 1u);  // only the one with a source is installable
  EXPECT_EQ(e.missing[0].name, "acme");
  EXPECT_EQ(e.missing[0].source, "file:///srv/acme.git");
}

TEST(ResolverTest, NoneInRangeListsTheInstalledVersions) {
  const std::vector<Candidate> avail = {cand("acme", "1.0.0"), cand("acme", "2.1.0")};
  const ResolveError e =
      error_of([&] { resolve({req("acme", "^3.0", "app.cpp:3")}, avail, nullptr, kLightning); });
  const std::string what = e.what();
  EXPECT_TRUE(contains(what,
                       "no installed version of component 'acme' matches ^3.0 (asked by "
                       "app.cpp:3); installed: 1.0.0, 2.1.0"))
      << what;
  EXPECT_TRUE(contains(what, "loosen the range in app.cpp:3")) << what;
  EXPECT_TRUE(e.missing.empty());
  // With a source, installing it may help: it is listed as missing.
  const ResolveError with_source = error_of([&] {
    resolve({req("acme", "^3.0", "app.cpp:3", "/src/acme")}, avail, nullptr, kLightning);
  });
  ASSERT_EQ(with_source.missing.size(), 1u);
  EXPECT_EQ(with_source.missing[0].source, "/src/acme");
}

TEST(ResolverTest, LightningRangeExcludesAVersion) {
  const std::vector<Candidate> avail = {cand("acme", "1.0.0", {}, "^0.1"),
                                        cand("acme", "1.1.0", {}, "^0.2")};
  // 1.1.0 needs Lightning 0.2: 1.0.0 is chosen.
  EXPECT_EQ(chosen(resolve({req("acme", "^1", "app.cpp:1")}, avail, nullptr, kLightning)),
            Strings{"acme@1.0.0"});
  const ResolveError e =
      error_of([&] { resolve({req("acme", ">=1.1", "app.cpp:1")}, avail, nullptr, kLightning); });
  const std::string what = e.what();
  EXPECT_TRUE(contains(what, "component 'acme'")) << what;
  EXPECT_TRUE(contains(what, "this Lightning 0.1.0: 1.1.0 needs Lightning ^0.2")) << what;
  EXPECT_TRUE(contains(what, "needed by app.cpp:1 for >=1.1")) << what;
}

TEST(ResolverTest, CycleIsDetectedAndNamed) {
  const std::vector<Candidate> avail = {cand("a", "1.0.0", {{"b", "^2"}}),
                                        cand("b", "2.0.0", {{"a", "^1"}})};
  const ResolveError e =
      error_of([&] { resolve({req("a", "*", "app.cpp:1")}, avail, nullptr, kLightning); });
  EXPECT_TRUE(
      contains(e.what(), "dependency cycle between components: a 1.0.0 -> b 2.0.0 -> a 1.0.0"))
      << e.what();
  // A candidate that names itself is a cycle too.
  const ResolveError self = error_of([&] {
    resolve({req("a", "*", "app.cpp:1")}, {cand("a", "1.0.0", {{"a", "*"}})}, nullptr, kLightning);
  });
  EXPECT_TRUE(contains(self.what(), "a 1.0.0 -> a 1.0.0")) << self.what();
}

TEST(ResolverTest, ChoosesAgainWhenALaterRequirementRulesOutAChoice) {
  // "c" is chosen (3.0.0) before "b" is; b then asks for c ^1: c is chosen again.
  const std::vector<Candidate> avail = {cand("a", "1.0.0", {{"b", "^1"}}),
                                        cand("b", "1.0.0", {{"c", "^1"}}), cand("c", "1.5.0"),
                                        cand("c", "3.0.0")};
  const Resolution r =
      resolve({req("a", "*", "app.cpp:1"), req("c", "*", "app.cpp:2")}, avail, nullptr, kLightning);
  EXPECT_EQ(chosen(r), (Strings{"c@1.5.0", "b@1.0.0", "a@1.0.0"}));
}

TEST(ResolverTest, PassesOverAVersionWhoseDependencyCannotBeMet) {
  // top 2.0.0 needs data ^3, which no installed version meets: top 1.0.0 is chosen.
  const std::vector<Candidate> avail = {cand("top", "2.0.0", {{"data", "^3"}}),
                                        cand("top", "1.0.0", {{"data", "^1"}}),
                                        cand("data", "1.2.0")};
  EXPECT_EQ(chosen(resolve({req("top", "*", "app.cpp:1")}, avail, nullptr, kLightning)),
            (Strings{"data@1.2.0", "top@1.0.0"}));
  // When no version's dependencies can be met, the highest is chosen and the
  // error names what it misses.
  const ResolveError e =
      error_of([&] { resolve({req("top", ">=2", "app.cpp:1")}, avail, nullptr, kLightning); });
  EXPECT_TRUE(contains(e.what(),
                       "no installed version of component 'data' matches ^3 (asked by "
                       "component top 2.0.0)"))
      << e.what();
}

TEST(ResolverTest, DependenciesOfAVersionChosenAgainAreDropped) {
  // x 2.0.0 needs old_dep; once y rules x 2 out, x 1.0.0 needs nothing and
  // old_dep (never installed) is not needed either.
  const std::vector<Candidate> avail = {cand("x", "2.0.0", {{"old_dep", "*"}}), cand("x", "1.0.0"),
                                        cand("y", "1.0.0", {{"x", "^1"}})};
  const Resolution r =
      resolve({req("x", "*", "app.cpp:1"), req("y", "*", "app.cpp:2")}, avail, nullptr, kLightning);
  EXPECT_EQ(chosen(r), (Strings{"x@1.0.0", "y@1.0.0"}));
}

TEST(ResolverTest, RequirementsThatKeepRulingEachOtherOutStopWithAnError) {
  // No pair of versions works: each choice rules out the other's current one.
  const std::vector<Candidate> avail = {
      cand("a", "2.0.0", {{"b", "^1"}}), cand("a", "1.0.0", {{"b", "^2"}}),
      cand("b", "2.0.0", {{"a", "^2"}}), cand("b", "1.0.0", {{"a", "^1"}})};
  const ResolveError e = error_of([&] {
    resolve({req("a", "*", "app.cpp:1"), req("b", "*", "app.cpp:2")}, avail, nullptr, kLightning);
  });
  EXPECT_TRUE(contains(e.what(), "do not settle")) << e.what();
  EXPECT_TRUE(contains(e.what(), "still undecided: a")) << e.what();
}

TEST(ResolverTest, BuiltinCandidatesAreChosenLikeOthers) {
  Candidate builtin = cand("training", "0.1.0");
  builtin.builtin = true;
  builtin.source = "builtin";
  builtin.commit.clear();
  Candidate installed = cand("training", "0.1.0");
  const Resolution r =
      resolve({req("training", "^0.1", "app.cpp:1")}, {builtin}, nullptr, kLightning);
  ASSERT_EQ(r.chosen.size(), 1u);
  EXPECT_TRUE(r.chosen[0].builtin);
  // At an equal version an installed one wins; a higher builtin wins over both.
  EXPECT_FALSE(resolve({req("training", "*", "a")}, {builtin, installed}, nullptr, kLightning)
                   .chosen[0]
                   .builtin);
  Candidate newer = builtin;
  newer.version = Version::parse("0.1.1");
  EXPECT_TRUE(resolve({req("training", "^0.1", "a")}, {installed, newer}, nullptr, kLightning)
                  .chosen[0]
                  .builtin);
  // A lock entry for another build of a builtin is chosen again, not reported missing.
  LockFile lock;
  LockedComponent old = locked(builtin);
  old.content_sha256 = std::string(64, 'c');
  lock.upsert(old);
  const Resolution again = resolve({req("training", "^0.1", "a")}, {builtin}, &lock, kLightning);
  EXPECT_EQ(chosen(again), Strings{"training@0.1.0"});
  EXPECT_FALSE(again.from_lock.at("training"));
}

TEST(ResolverTest, IsDeterministicAndSeveralRequirementsOnOneNameAllHold) {
  const std::vector<Candidate> avail = {cand("acme", "1.2.0"), cand("acme", "1.3.0"),
                                        cand("acme", "1.4.0")};
  const std::vector<Requirement> reqs = {req("acme", ">=1.1", "app.cpp:1"),
                                         req("acme", "<1.4", "lightning.json")};
  EXPECT_EQ(chosen(resolve(reqs, avail, nullptr, kLightning)), Strings{"acme@1.3.0"});
  EXPECT_EQ(chosen(resolve(reqs, avail, nullptr, kLightning)), Strings{"acme@1.3.0"});
  EXPECT_TRUE(resolve({}, avail, nullptr, kLightning).chosen.empty());
}

/// Whether the chosen candidates' dependencies form a cycle.
bool has_cycle(const std::map<std::string, const Candidate*>& choice) {
  std::map<std::string, int> state;  // 1: on the path, 2: done
  std::function<bool(const std::string&)> visit = [&](const std::string& n) -> bool {
    const auto it = choice.find(n);
    if (it == choice.end() || it->second == nullptr || state[n] == 2) return false;
    if (state[n] == 1) return true;
    state[n] = 1;
    for (const auto& dep : it->second->dependencies) {
      if (visit(dep.first)) return true;
    }
    state[n] = 2;
    return false;
  };
  for (const auto& entry : choice) {
    if (visit(entry.first)) return true;
  }
  return false;
}

/// Whether some choice of at most one candidate per name meets every
/// requirement, every chosen candidate's dependencies and this Lightning
/// (brute force over all choices: the universes here are small).
bool has_solution(const std::vector<Requirement>& app, const std::vector<Candidate>& avail) {
  std::map<std::string, std::vector<const Candidate*>> by_name;
  for (const auto& c : avail) by_name[c.name].push_back(&c);
  std::vector<std::string> names;
  for (const auto& [n, cs] : by_name) names.push_back(n);
  for (const auto& r : app) {
    if (by_name.count(r.name) == 0) return false;
  }
  std::map<std::string, const Candidate*> choice;
  std::function<bool(std::size_t)> search = [&](std::size_t i) -> bool {
    if (i == names.size()) {
      if (has_cycle(choice)) return false;
      for (const auto& r : app) {
        const Candidate* c = choice[r.name];
        if (c == nullptr || !r.range.matches(c->version)) return false;
      }
      for (const auto& [n, c] : choice) {
        if (c == nullptr) continue;
        if (!c->lightning.matches(kLightning)) return false;
        for (const auto& [dep, range] : c->dependencies) {
          const auto it = choice.find(dep);
          if (it == choice.end() || it->second == nullptr || !range.matches(it->second->version)) {
            return false;
          }
        }
      }
      return true;
    }
    choice[names[i]] = nullptr;
    if (search(i + 1)) return true;
    for (const Candidate* c : by_name[names[i]]) {
      choice[names[i]] = c;
      if (search(i + 1)) return true;
    }
    return false;
  };
  return search(0);
}

TEST(ResolverTest, RandomUniversesResolveToConsistentChoicesOrAResolveError) {
  // 400 seeded random sets of candidates, requirements and locks: every
  // answer is either a ResolveError or a resolution in which every
  // requirement (the app's and each chosen component's) holds, every chosen
  // component builds with this Lightning and comes after its dependencies.
  std::mt19937 rng(20261130);
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> ranges = {"*",  "^1",     "^2",   ">=1.1",
                                           "<2", "=1.0.0", "~1.1", "^1 || ^3"};
  int resolved = 0;
  int solvable_rounds = 0;
  int missed = 0;
  for (int round = 0; round < 400; ++round) {
    const int names = 1 + pick(6);
    std::vector<Candidate> avail;
    for (int n = 0; n < names; ++n) {
      for (int v = pick(4); v > 0; --v) {
        std::map<std::string, std::string> deps;
        for (int d = 0; d < names; ++d) {
          if (d != n && pick(4) == 0) deps["n" + std::to_string(d)] = ranges[pick(8)];
        }
        const std::string version =
            std::to_string(1 + pick(3)) + "." + std::to_string(pick(3)) + ".0";
        avail.push_back(cand("n" + std::to_string(n), version, deps, pick(8) == 0 ? "^0.2" : "*"));
      }
    }
    std::vector<Requirement> app;
    for (int k = 1 + pick(3); k > 0; --k) {
      app.push_back(
          req("n" + std::to_string(pick(names)), ranges[pick(8)], "app.cpp:" + std::to_string(k)));
    }
    LockFile lock;
    for (const auto& c : avail) {
      if (pick(3) == 0) lock.upsert(locked(c));
    }
    const bool solvable = has_solution(app, avail);
    solvable_rounds += solvable ? 1 : 0;
    Resolution r;
    try {
      r = resolve(app, avail, pick(2) == 0 ? &lock : nullptr, kLightning);
    } catch (const ResolveError& e) {
      EXPECT_NE(std::string(e.what()), "");
      missed += solvable ? 1 : 0;
      continue;
    }
    ++resolved;
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < r.chosen.size(); ++i) {
      EXPECT_EQ(position.count(r.chosen[i].name), 0u) << "chosen twice: " << r.chosen[i].name;
      position[r.chosen[i].name] = i;
      EXPECT_TRUE(r.chosen[i].lightning.matches(kLightning));
    }
    auto version_of = [&](const std::string& name) { return r.chosen[position.at(name)].version; };
    for (const auto& a : app) {
      ASSERT_EQ(position.count(a.name), 1u) << "round " << round << ": " << a.name << " not chosen";
      EXPECT_TRUE(a.range.matches(version_of(a.name))) << "round " << round;
    }
    for (std::size_t i = 0; i < r.chosen.size(); ++i) {
      for (const auto& [dep, range] : r.chosen[i].dependencies) {
        ASSERT_EQ(position.count(dep), 1u) << "round " << round << ": " << dep << " not chosen";
        EXPECT_LT(position.at(dep), i)
            << "round " << round << ": " << dep << " after its dependent";
        EXPECT_TRUE(range.matches(version_of(dep))) << "round " << round;
      }
    }
  }
  // The generator must produce both outcomes for the test to mean anything.
  EXPECT_GT(resolved, 30);
  EXPECT_LT(resolved, 400);
  // Without backtracking some solvable sets fail (docs/design/components.md
  // gives the rate); this seed's figure, so a change in the algorithm shows.
  EXPECT_EQ(solvable_rounds - resolved, missed);
  RecordProperty("solvable", solvable_rounds);
  RecordProperty("resolved", resolved);
  std::printf("random universes: %d solvable of 400, resolver found %d, missed %d\n",
              solvable_rounds, resolved, missed);
}

TEST(ResolverTest, InvalidRequirementNameIsAnError) {
  const ResolveError e =
      error_of([&] { resolve({req("../x", "*", "app.cpp:9")}, {}, nullptr, kLightning); });
  EXPECT_TRUE(contains(e.what(), "app.cpp:9: '../x' is not a valid component name")) << e.what();
}

}  // namespace
}  // namespace lightning::package
