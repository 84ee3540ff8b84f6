// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lightning::cli {

/// A running app as its run dir describes it (<run dir>/api.json, api-token).
struct LocatedApp {
  std::string url;      ///< "http://127.0.0.1:7501"
  std::string run_dir;  ///< absolute
  std::string token;    ///< from <run dir>/api-token; empty when unreadable
  long pid = 0;
};

/// The apps started from `dir` whose process is still alive: every
/// `<dir>/.lightning/runs/*/api.json` ({"url": ..., "pid": ...}) whose pid
/// exists, newest first (by api.json's modification time, then by run dir
/// name). Run dirs without a readable api.json (an app run with --no-http, a
/// finished one whose pid is gone) are skipped.
std::vector<LocatedApp> find_running_apps(const std::string& dir);

/// The most recent of find_running_apps(dir), or nullopt.
std::optional<LocatedApp> find_latest_app(const std::string& dir);

/// Whether process `pid` exists (kill(pid, 0) succeeds or says EPERM).
bool is_process_alive(long pid);

}  // namespace lightning::cli
