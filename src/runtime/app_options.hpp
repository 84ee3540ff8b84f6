// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The command line of every app (LIGHTNING_APP), parsed with CLI11:
//   app [--run-dir DIR] [--log-level LEVEL] [--listen ADDR] [--quiet] [--quiet-works]
//       [--idle-timeout SECONDS] [--start-timeout DURATION] [--host HOST] [--port PORT]
//       [--no-http] [--no-journal] [--cluster workers [--local-worker]
//       [--worker-token-file F] [--advertise-address HOST]
//       [--worker-heartbeat-timeout S] [--tls-cert F --tls-key F [--tls-ca F]]]
//       [-- app args]
// Parsing never exits the process: main's path prints and picks the exit code
// (0 for --help, 2 for an error).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "cluster/slurm_job.hpp"
#include <vector>

#include "util/status.hpp"

namespace lightning::runtime {

/// What the app's command line (and its environment defaults) asked for.
/// An empty string means "not given": the runtime's default applies.
struct AppCommandLine {
  std::string run_dir;         ///< --run-dir, else $LIGHTNING_RUN_DIR
  std::string log_level;       ///< --log-level, else $LIGHTNING_LOG_LEVEL
  std::string listen_address;  ///< --listen
  bool quiet_works = false;    ///< --quiet-works
  bool quiet = false;          ///< -q / --quiet: no live works table, no status lines
  double idle_timeout_s = 0;   ///< --idle-timeout (s), else $LIGHTNING_IDLE_TIMEOUT; 0: none
  /// --start-timeout (e.g. 30s, 500ms, 2m; a bare number is seconds): how long
  /// a work process may take to connect, for works whose
  /// WorkOptions::start_timeout is 0. 1 ms .. 1 hour.
  std::optional<std::chrono::milliseconds> start_timeout;
  std::string http_host = "127.0.0.1";  ///< --host: the HTTP API's address
  int http_port = 7501;                 ///< --port: the HTTP API's port; 0 picks a free one
  bool no_http = false;                 ///< --no-http: no HTTP API
  /// --shared-dir DIR, else $LIGHTNING_SHARED_DIR: a directory every node
  /// mounts; Drives keep their files there and nothing is copied.
  std::string shared_dir;
  bool no_journal = false;              ///< --no-journal: no <run dir>/journal.sqlite
  /// --resume RUN_DIR: carry on the run in RUN_DIR from its journal (it
  /// becomes the run directory; a --run-dir naming another is refused).
  std::string resume;
  /// --resume-anyway: with --resume, even when the app binary or its
  /// arguments changed since the run started.
  bool resume_anyway = false;
  /// --cluster workers: works run on lightning-workers that join the run
  /// (docs/design/cluster.md); empty: a local run.
  std::string cluster;
  /// --cluster slurm: the allocation (--nodes, --gpus-per-node, ...).
  cluster::SlurmOptions slurm;
  /// --local-worker: with --cluster, this machine runs works too.
  bool local_worker = false;
  /// --worker-token-file F: the worker token is F's content (trailing
  /// whitespace dropped); empty: a new one in <run dir>/worker-token.
  std::string worker_token_file;
  /// --advertise-address HOST: the address works on workers dial, when the
  /// controller listens on 0.0.0.0 (default: this machine's hostname).
  std::string advertise_address;
  /// --worker-heartbeat-timeout SECONDS: a worker silent this long is lost
  /// (0.1 .. 3600; default 10).
  double worker_heartbeat_timeout_s = 10;
  /// --tls-cert F / --tls-key F: the controller's certificate and private key
  /// (PEM; the key mode 0600): its gRPC port serves TLS. With --cluster only.
  std::string tls_cert;
  std::string tls_key;
  /// --tls-ca F: the CA (PEM) that signs the workers' client certificates:
  /// workers must present one (mutual TLS). Needs --tls-cert and --tls-key.
  std::string tls_ca;
  bool help = false;                  ///< -h / --help: print app_usage() and exit 0
  std::vector<std::string> app_args;  ///< everything after the first "--"
};

/// Parses argv (argv[0] is the program). An error is kInvalidArgument with a
/// message for the user ("unknown flag '--bogus'", "--run-dir needs a value",
/// "unknown log level 'loud' ...", "--start-timeout: '5 parsecs' is not a
/// duration ..."); the caller prints it with app_usage().
///
///   Result<AppCommandLine> cl = parse_app_command_line(argc, argv);
///   if (!cl.ok()) { print(cl.status().message(), app_usage(argv[0])); return 2; }
Result<AppCommandLine> parse_app_command_line(int argc, const char* const* argv);

/// The usage text ("usage: <program> [--run-dir DIR] ..."), one flag per line.
std::string app_usage(const std::string& program);

}  // namespace lightning::runtime
