// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The resolver: one version per component name, chosen greedily (the lock's,
// else the highest) and chosen again when a later requirement rules it out;
// no backtracking search over older versions of the components that asked.
// Why, and the algorithm step by step: docs/design/components.md.
#include "package/resolver.hpp"

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "package/text_util.hpp"

namespace lightning::package {
namespace {

using detail::in_quotes;

/// A requirement and the chosen component that made it ("" for the app's).
struct ActiveRequirement {
  Requirement req;
  std::string from;
};

/// Why a name could not be chosen, and what installing would fix it. Kept
/// per name and recomputed whenever the name's requirements change, so the
/// ones left when every name has settled are real; thrown together then.
struct Shortfall {
  std::string message;
  std::vector<Requirement> missing;
  std::vector<LockedComponent> missing_locked;
};

std::string describe(const Requirement& r) {
  return r.range.str() + " (asked by " + r.origin + ")";
}

/// "needed by app.cpp:3 for ^1, component acme 1.2.0 for ^1.4, lightning.json" (no range
/// shown for "*").
std::string requirement_list(const std::vector<ActiveRequirement>& rs) {
  std::string out = "needed by ";
  for (std::size_t i = 0; i < rs.size(); ++i) {
    out += (i == 0 ? "" : ", ") + rs[i].req.origin;
    if (rs[i].req.range.str() != "*") out += " for " + rs[i].req.range.str();
  }
  return out;
}

/// The component named by an origin "component NAME VERSION", or "".
std::string component_of_origin(const std::string& origin) {
  static const std::string kPrefix = "component ";
  if (origin.rfind(kPrefix, 0) != 0) return {};
  const std::string rest = origin.substr(kPrefix.size());
  return rest.substr(0, rest.find(' '));
}

/// What to do about a requirement that cannot be met: loosen it where it is
/// written, or move the component that makes it.
std::string fix_for(const Requirement& r) {
  const std::string dependent = component_of_origin(r.origin);
  if (!dependent.empty()) {
    return "choose another version of " + dependent + " (lightning update " + dependent + ")";
  }
  return "loosen the range in " + r.origin;
}

/// Candidates of one name in the resolver's order: highest version first; at
/// equal versions an installed one before a builtin, then by source and commit.
bool candidate_before(const Candidate* a, const Candidate* b) {
  if (const int c = compare(a->version, b->version); c != 0) return c > 0;
  if (a->builtin != b->builtin) return !a->builtin;
  if (a->source != b->source) return a->source < b->source;
  if (a->commit != b->commit) return a->commit < b->commit;
  return a->content_sha256 < b->content_sha256;
}

/// The distinct versions of `cands` (in the resolver's order), lowest first.
std::string version_list(const std::vector<const Candidate*>& cands) {
  constexpr std::size_t kMaxListed = 20;
  std::vector<std::string> shown;
  for (auto it = cands.rbegin(); it != cands.rend(); ++it) {
    std::string v = (*it)->version.str();
    if ((*it)->builtin) v += " (builtin)";
    if (shown.empty() || shown.back() != v) shown.push_back(std::move(v));
  }
  std::string out;
  for (std::size_t i = 0; i < shown.size() && i < kMaxListed; ++i) {
    out += (i == 0 ? "" : ", ") + shown[i];
  }
  if (shown.size() > kMaxListed) {
    out += ", and " + std::to_string(shown.size() - kMaxListed) + " more";
  }
  return out;
}

std::string short_hash(const std::string& h) { return h.size() > 12 ? h.substr(0, 12) : h; }

std::string install_hint(const std::string& source, const std::string& rev) {
  std::string s = source.empty() ? "SOURCE" : source;
  if (!rev.empty()) s += "@" + rev;
  return "lightning install component " + s;
}

class Resolver {
 public:
  Resolver(const std::vector<Candidate>& available, const LockFile* lock,
           const Version& lightning_version)
      : lock_(lock), lightning_(lightning_version) {
    for (const auto& c : available) by_name_[c.name].push_back(&c);
    for (auto& [name, cands] : by_name_) {
      std::sort(cands.begin(), cands.end(), candidate_before);
    }
    // Enough for every candidate to be chosen and dropped many times over; a
    // run that needs more is oscillating (see settle_error()).
    step_limit_ = 1000 + 50 * available.size();
  }

  Resolution run(const std::vector<Requirement>& app) {
    for (const auto& r : app) {
      if (!is_valid_component_name(r.name)) {
        throw ResolveError(r.origin + ": " + in_quotes(r.name) +
                           " is not a valid component name (1 to 64 of a-z, 0-9, '_', starting "
                           "with a letter)");
      }
      requirements_[r.name].push_back({r, ""});
      pending_.insert(r.name);
    }
    std::size_t steps = 0;
    while (!pending_.empty()) {
      if (++steps > step_limit_) settle_error();
      const std::string name = *pending_.begin();
      pending_.erase(pending_.begin());
      step(name);
    }
    if (!shortfalls_.empty()) {
      std::string what;
      std::vector<Requirement> missing;
      std::vector<LockedComponent> missing_locked;
      for (const auto& [name, s] : shortfalls_) {
        what += (what.empty() ? "" : "\n") + s.message;
        missing.insert(missing.end(), s.missing.begin(), s.missing.end());
        missing_locked.insert(missing_locked.end(), s.missing_locked.begin(),
                              s.missing_locked.end());
      }
      throw ResolveError(what, std::move(missing), std::move(missing_locked));
    }
    check_cycles();
    return ordered();
  }

 private:
  void step(const std::string& name) {
    shortfalls_.erase(name);
    const auto& rs = requirements_[name];
    if (rs.empty()) {
      drop(name);  // no longer needed by anyone
      requirements_.erase(name);
      return;
    }
    const auto current = chosen_.find(name);
    if (current != chosen_.end() && acceptable(*current->second, rs)) return;
    bool locked = false;
    const Candidate* pick = choose(name, rs, locked);
    if (pick == nullptr) {
      drop(name);
      return;
    }
    if (current != chosen_.end() && current->second == pick) return;
    drop(name);
    chosen_[name] = pick;
    from_lock_[name] = locked;
    const std::string origin = "component " + name + " " + pick->version.str();
    for (const auto& [dep, range] : pick->dependencies) {
      Requirement r;
      r.name = dep;
      r.range = range;
      r.origin = origin;
      requirements_[dep].push_back({std::move(r), name});
      pending_.insert(dep);
    }
  }

  /// Forgets the choice for `name` and the requirements it made.
  void drop(const std::string& name) {
    const auto it = chosen_.find(name);
    if (it == chosen_.end()) return;
    for (const auto& dep : it->second->dependencies) {
      auto& rs = requirements_[dep.first];
      rs.erase(std::remove_if(rs.begin(), rs.end(),
                              [&name](const ActiveRequirement& a) { return a.from == name; }),
               rs.end());
      pending_.insert(dep.first);
    }
    chosen_.erase(it);
    from_lock_.erase(name);
  }

  bool in_range(const Candidate& c, const std::vector<ActiveRequirement>& rs) const {
    return std::all_of(rs.begin(), rs.end(),
                       [&c](const ActiveRequirement& a) { return a.req.range.matches(c.version); });
  }

  bool acceptable(const Candidate& c, const std::vector<ActiveRequirement>& rs) const {
    return in_range(c, rs) && c.lightning.matches(lightning_);
  }

  /// The lock's entry for `name` that all of `rs` allow: the one a locked
  /// dependent pins, else the highest. nullptr if none.
  const LockedComponent* locked_entry(const std::string& name,
                                      const std::vector<ActiveRequirement>& rs) const {
    if (lock_ == nullptr) return nullptr;
    const LockedComponent* best = nullptr;
    const LockedComponent* pinned = nullptr;
    std::set<std::string> pinned_versions;
    for (const auto& a : rs) {
      if (a.from.empty()) continue;
      const auto lit = from_lock_.find(a.from);
      if (lit == from_lock_.end() || !lit->second) continue;
      const Candidate* dependent = chosen_.at(a.from);
      for (const auto& e : lock_->components) {
        if (e.name != a.from || e.version != dependent->version) continue;
        const auto d = e.dependencies.find(name);
        if (d != e.dependencies.end()) pinned_versions.insert(d->second);
      }
    }
    for (const auto& e : lock_->components) {
      if (e.name != name) continue;
      const bool allowed = std::all_of(rs.begin(), rs.end(), [&e](const ActiveRequirement& a) {
        return a.req.range.matches(e.version);
      });
      if (!allowed) continue;
      if (best == nullptr || e.version > best->version) best = &e;
      if (pinned_versions.count(e.version.str()) != 0 &&
          (pinned == nullptr || e.version > pinned->version)) {
        pinned = &e;
      }
    }
    return pinned != nullptr ? pinned : best;
  }

  const Candidate* choose(const std::string& name, const std::vector<ActiveRequirement>& rs,
                          bool& locked) {
    static const std::vector<const Candidate*> kNone;
    const auto found = by_name_.find(name);
    const auto& cands = found == by_name_.end() ? kNone : found->second;

    if (const LockedComponent* e = locked_entry(name, rs)) {
      const Candidate* exact = nullptr;
      const Candidate* same_version = nullptr;
      for (const Candidate* c : cands) {
        if (c->version != e->version) continue;
        if (same_version == nullptr) same_version = c;
        if (c->commit == e->commit && c->content_sha256 == e->content_sha256) {
          exact = c;
          break;
        }
      }
      if (exact != nullptr) {
        if (exact->lightning.matches(lightning_)) {
          locked = true;
          return exact;
        }
        // Locked, but not for this Lightning: chosen again below.
      } else if (e->source != "builtin") {
        lock_shortfall(name, *e, same_version, rs);
        return nullptr;
      }
      // A builtin follows the Lightning it is part of: a lock entry for
      // another build of it is chosen again, not installed.
    }

    std::vector<const Candidate*> matching;
    for (const Candidate* c : cands) {
      if (in_range(*c, rs)) matching.push_back(c);
    }
    // The highest candidate whose own dependencies can be met (one step of
    // look-ahead), else the highest: its failure then names what is missing.
    const Candidate* fallback = nullptr;
    for (const Candidate* c : matching) {
      if (!c->lightning.matches(lightning_)) continue;
      if (fallback == nullptr) fallback = c;
      if (dependencies_can_be_met(name, *c)) {
        locked = false;
        return c;
      }
    }
    if (fallback != nullptr) {
      locked = false;
      return fallback;
    }
    if (cands.empty()) {
      not_installed(name, rs);
      return nullptr;
    }
    if (matching.empty()) {
      none_in_range(name, rs, cands);
      return nullptr;
    }
    lightning_excludes(name, rs, matching);
    return nullptr;
  }

  /// Whether each dependency of `c` has a candidate that builds with this
  /// Lightning and meets both c's range and what others already ask of it.
  bool dependencies_can_be_met(const std::string& name, const Candidate& c) const {
    for (const auto& entry : c.dependencies) {
      const std::string& dep = entry.first;
      const VersionRange& range = entry.second;
      const auto found = by_name_.find(dep);
      if (found == by_name_.end()) return false;
      const auto asked = requirements_.find(dep);
      const bool any =
          std::any_of(found->second.begin(), found->second.end(), [&](const Candidate* d) {
            if (!range.matches(d->version) || !d->lightning.matches(lightning_)) return false;
            if (asked == requirements_.end()) return true;
            return std::all_of(asked->second.begin(), asked->second.end(),
                               [&](const ActiveRequirement& a) {
                                 return a.from == name || a.req.range.matches(d->version);
                               });
          });
      if (!any) return false;
    }
    return true;
  }

  void lock_shortfall(const std::string& name, const LockedComponent& e,
                      const Candidate* same_version, const std::vector<ActiveRequirement>& rs) {
    const std::string rev = e.commit.empty() ? std::string() : e.commit;
    std::string msg;
    if (same_version != nullptr) {
      msg = "the installed component '" + name + "' " + e.version.str() + " (commit " +
            (same_version->commit.empty() ? "none" : short_hash(same_version->commit)) +
            ", content sha256 " + short_hash(same_version->content_sha256) + ") is not what " +
            kLockFile + " pins (commit " + (e.commit.empty() ? "none" : short_hash(e.commit)) +
            ", content sha256 " + short_hash(e.content_sha256) + ", from " + e.source +
            "): its source changed since the lock was written; install the pinned revision "
            "with: " +
            install_hint(e.source, rev) + ", or accept the new content with: lightning update " +
            name;
    } else {
      msg = std::string(kLockFile) + " pins component '" + name + "' " + e.version.str() +
            (e.commit.empty() ? "" : " (commit " + short_hash(e.commit) + ")") + " from " +
            e.source + ", which is not installed (" + requirement_list(rs) +
            "); install it with: " + install_hint(e.source, rev) +
            ", or move the lock with: lightning update " + name;
    }
    shortfalls_[name] = {msg, {}, {e}};
  }

  void not_installed(const std::string& name, const std::vector<ActiveRequirement>& rs) {
    std::string source;
    std::vector<Requirement> missing;
    for (const auto& a : rs) {
      if (!a.req.source.empty()) {
        missing.push_back(a.req);
        if (source.empty()) source = a.req.source;
      }
    }
    shortfalls_[name] = {"component '" + name + "' is not installed (" + requirement_list(rs) +
                             "); install it with: " + install_hint(source, ""),
                         std::move(missing),
                         {}};
  }

  void none_in_range(const std::string& name, const std::vector<ActiveRequirement>& rs,
                     const std::vector<const Candidate*>& cands) {
    const std::string installed = "installed: " + version_list(cands);
    // One requirement that no installed version meets on its own.
    for (const auto& a : rs) {
      const bool any = std::any_of(cands.begin(), cands.end(), [&a](const Candidate* c) {
        return a.req.range.matches(c->version);
      });
      if (any) continue;
      std::string msg = "no installed version of component '" + name + "' matches " +
                        describe(a.req) + "; " + installed +
                        ". Install a matching version with: " + install_hint(a.req.source, "REV") +
                        ", or " + fix_for(a.req);
      shortfalls_[name] = {msg, {}, {}};
      if (!a.req.source.empty()) shortfalls_[name].missing.push_back(a.req);
      return;
    }
    // Each is met alone: two of them exclude each other.
    for (std::size_t i = 0; i < rs.size(); ++i) {
      for (std::size_t j = i + 1; j < rs.size(); ++j) {
        const bool both = std::any_of(cands.begin(), cands.end(), [&](const Candidate* c) {
          return rs[i].req.range.matches(c->version) && rs[j].req.range.matches(c->version);
        });
        if (both) continue;
        shortfalls_[name] = {"conflicting requirements on component '" + name +
                                 "': no installed version matches both " + describe(rs[i].req) +
                                 " and " + describe(rs[j].req) + "; " + installed + ". Either " +
                                 fix_for(rs[i].req) + ", or " + fix_for(rs[j].req),
                             {},
                             {}};
        return;
      }
    }
    shortfalls_[name] = {"conflicting requirements on component '" + name +
                             "': each two of its requirements are met by some installed version, "
                             "but no version meets them all (" +
                             requirement_list(rs) + "); " + installed +
                             ". Loosen one of the ranges",
                         {},
                         {}};
  }

  void lightning_excludes(const std::string& name, const std::vector<ActiveRequirement>& rs,
                          const std::vector<const Candidate*>& matching) {
    std::string versions;
    for (const Candidate* c : matching) {
      versions += (versions.empty() ? "" : ", ") + c->version.str() + " needs Lightning " +
                  c->lightning.str();
    }
    shortfalls_[name] = {"no version of component '" + name +
                             "' in range builds with this Lightning " + lightning_.str() + ": " +
                             versions + " (" + requirement_list(rs) + "); install a version of " +
                             name + " made for Lightning " + lightning_.str() + " (" +
                             install_hint("", "REV") + "), or use a Lightning it supports",
                         {},
                         {}};
  }

  [[noreturn]] void settle_error() const {
    std::string names;
    for (const auto& n : pending_) names += (names.empty() ? "" : ", ") + n;
    throw ResolveError(
        "the component versions do not settle: choosing one keeps ruling out "
        "another (still undecided: " +
        names + "); pin versions with '=' in the app's requirements");
  }

  void check_cycles() const {
    // 0: not visited, 1: on the current path, 2: done.
    std::map<std::string, int> state;
    std::vector<std::string> path;
    for (const auto& [name, c] : chosen_) visit(name, state, path);
  }

  void visit(const std::string& name, std::map<std::string, int>& state,
             std::vector<std::string>& path) const {
    int& s = state[name];
    if (s == 2) return;
    if (s == 1) {
      const auto from = std::find(path.begin(), path.end(), name);
      std::string cycle;
      for (auto it = from; it != path.end(); ++it) {
        cycle += *it + " " + chosen_.at(*it)->version.str() + " -> ";
      }
      cycle += name + " " + chosen_.at(name)->version.str();
      throw ResolveError("a dependency cycle between components: " + cycle +
                         "; a component cannot need itself, even through others: remove one "
                         "of these dependencies from its lightning-component.json");
    }
    s = 1;
    path.push_back(name);
    for (const auto& dep : chosen_.at(name)->dependencies) visit(dep.first, state, path);
    path.pop_back();
    state[name] = 2;
  }

  /// Dependencies before the components that need them; among the ready ones,
  /// by name (Kahn's algorithm with an ordered ready set).
  Resolution ordered() const {
    std::map<std::string, std::size_t> waiting;  // name -> dependencies not yet placed
    std::map<std::string, std::vector<std::string>> dependents;
    for (const auto& [name, c] : chosen_) {
      waiting[name] = c->dependencies.size();
      for (const auto& dep : c->dependencies) dependents[dep.first].push_back(name);
    }
    std::set<std::string> ready;
    for (const auto& [name, n] : waiting) {
      if (n == 0) ready.insert(name);
    }
    Resolution out;
    while (!ready.empty()) {
      const std::string name = *ready.begin();
      ready.erase(ready.begin());
      out.chosen.push_back(*chosen_.at(name));
      out.from_lock[name] = from_lock_.at(name);
      for (const auto& d : dependents[name]) {
        if (--waiting[d] == 0) ready.insert(d);
      }
    }
    return out;
  }

  const LockFile* lock_;
  Version lightning_;
  std::size_t step_limit_ = 0;
  std::map<std::string, std::vector<const Candidate*>> by_name_;
  std::map<std::string, std::vector<ActiveRequirement>> requirements_;
  std::map<std::string, const Candidate*> chosen_;
  std::map<std::string, bool> from_lock_;
  std::set<std::string> pending_;
  std::map<std::string, Shortfall> shortfalls_;
};

}  // namespace

Resolution resolve(const std::vector<Requirement>& app, const std::vector<Candidate>& available,
                   const LockFile* lock, const Version& lightning_version) {
  return Resolver(available, lock, lightning_version).run(app);
}

}  // namespace lightning::package
