// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The `lightning` subcommands that talk to a running app over its HTTP API
// (docs/api.md): status, logs, stop, state. Each returns the process exit
// code (api_client.hpp: 0 ok, 1 the app answered an error, 3 unreachable) and
// throws CliError with that code when it fails, after nothing was printed to
// `out` but complete lines.
#pragma once

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.hpp"
#include "util/works_table.hpp"

namespace lightning::cli {

/// Which app to talk to, as the command line says.
struct AppSelection {
  std::string url;    ///< --app; empty: the most recent app started from `dir`
  std::string token;  ///< --token, else $LIGHTNING_TOKEN; empty: the run dir's
  std::string dir;    ///< where to look for .lightning/runs (the working directory)
};

/// The app chosen, and how to reach it.
struct AppTarget {
  ApiClient client;
  std::string run_dir;  ///< empty when the app is not one started from `dir`
};

/// Resolves `selection`: with no URL, the most recent live app under
/// <dir>/.lightning/runs (CliError kExitUnreachable naming the directory when
/// there is none); with a URL, that URL, and the token of the local run that
/// serves it when there is one and no token was given.
AppTarget select_app(const AppSelection& selection);

/// `lightning status`: the app's URL and run dir, then the table of works.
int status_command(const AppTarget& app, std::FILE* out);
/// `lightning logs PATH [--tail N] [-f]`.
int logs_command(const AppTarget& app, const std::string& work_path, int tail, bool follow,
                 std::FILE* out);
/// `lightning stop [PATH]`: the app, or one work.
int stop_command(const AppTarget& app, const std::string& work_path, std::FILE* out);
/// `lightning state [--watch]`.
int state_command(const AppTarget& app, bool watch, std::FILE* out);

/// `lightning status`'s lines about where the works run, from a GET
/// /api/v1/workers body: "cluster  Slurm job 12 RUNNING on vm (requeued from
/// 11)" with an engine, "workers  2: node1 (3 works) node2 (0 works, draining)",
/// a hint when none has joined; nothing for a local run (one `local` worker).
std::vector<std::string> cluster_lines(const nlohmann::json& body);
/// Rows of the works in a GET /api/v1/components body ({"version", "root":
/// NODE}), flows walked depth first (a flow's works, then its flows).
std::vector<util::WorkRow> rows_from_components(const nlohmann::json& body);
/// Rows from a GET /api/v1/state body (for an app without /api/v1/components):
/// a running work's duration is the time since it started running at
/// `now_us` (Unix µs); others have none.
std::vector<util::WorkRow> rows_from_state(const nlohmann::json& body, int64_t now_us);
/// One line per op of a state stream's `patch` event, e.g.
/// "v43 replace /works/train/vars/loss 0.29".
std::vector<std::string> describe_patch(const std::string& version, const nlohmann::json& patch);
/// "root.train" as a path segment of a URL (percent-encoded but for
/// letters, digits and "._-~"); throws CliError (usage) when empty.
std::string work_path_segment(const std::string& work_path);

}  // namespace lightning::cli
