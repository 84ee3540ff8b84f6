// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// For the tests that need a real Slurm (scripts/slurm-local.sh): find it, or
// skip with a message saying how to start one, or fail when the harness
// promised one (LIGHTNING_REQUIRE_SLURM=1, set by scripts/test.sh).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "util/subprocess.hpp"

namespace lightning::integration {

/// Where scripts/slurm-local.sh writes its config by default.
inline constexpr const char* kLocalSlurmConf = "/var/lib/lightning-slurm/etc/slurm.conf";

/// Points SLURM_CONF at scripts/slurm-local.sh's config when it is unset and
/// that config exists; then asks `sinfo` for a node that takes jobs. Returns
/// "" when Slurm answers, else why not. A missing config is told at once
/// (sinfo without one keeps trying for a long time).
inline std::string find_slurm() {
  const char* conf = std::getenv("SLURM_CONF");
  if (conf == nullptr && std::filesystem::exists(kLocalSlurmConf)) {
    ::setenv("SLURM_CONF", kLocalSlurmConf, 1);
    conf = kLocalSlurmConf;
  }
  const std::string config = conf != nullptr ? conf : "/etc/slurm/slurm.conf";
  if (!std::filesystem::exists(config)) return "no Slurm config at " + config;
  util::CommandOptions options;
  options.timeout = std::chrono::milliseconds(10000);
  auto r = util::run_command({"sinfo", "-h", "-N", "-o", "%N %T"}, options);
  if (!r.ok()) return r.status().message();
  if (!r->succeeded()) return "sinfo failed (" + r->describe() + ")";
  // Up: any node in a state that takes or runs jobs (idle, mixed,
  // allocated, completing, planned, ...), not down, drained or failing.
  bool up = false;
  size_t start = 0;
  while (start < r->out.size()) {
    size_t end = r->out.find('\n', start);
    if (end == std::string::npos) end = r->out.size();
    const std::string line = r->out.substr(start, end - start);
    const std::string state = line.substr(line.find(' ') + 1);
    bool bad = state.empty();
    for (const char* prefix : {"down", "drain", "fail", "future", "inval", "unknown", "not_resp"}) {
      bad = bad || state.rfind(prefix, 0) == 0;
    }
    up = up || !bad;
    start = end + 1;
  }
  if (!up) return "no node takes jobs (sinfo: " + r->out + ")";
  return "";
}

/// find_slurm(), asked once per test binary.
inline const std::string& slurm_unreachable_reason() {
  static const std::string reason = find_slurm();
  return reason;
}

/// In a test body: skips (or fails, under LIGHTNING_REQUIRE_SLURM=1) when
/// no Slurm answers.
#define LIGHTNING_REQUIRE_SLURM_OR_SKIP()                                                   \
  do {                                                                                      \
    const std::string& why_no_slurm = ::lightning::integration::slurm_unreachable_reason(); \
    if (!why_no_slurm.empty()) {                                                            \
      const char* required = std::getenv("LIGHTNING_REQUIRE_SLURM");                        \
      if (required != nullptr && std::string(required) == "1") {                            \
        FAIL() << "LIGHTNING_REQUIRE_SLURM=1 but no Slurm answers: " << why_no_slurm;       \
      }                                                                                     \
      GTEST_SKIP() << "no Slurm here (" << why_no_slurm                                     \
                   << "); start one with `scripts/slurm-local.sh start` (as root)";         \
    }                                                                                       \
  } while (false)

}  // namespace lightning::integration
