// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-worker's command line and what it resolves to (docs/cli.md, "lightning-worker").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lightning/v1/cluster.pb.h"
#include "node/gpu_detect.hpp"
#include "rpc/tls.hpp"
#include "scheduler/local_resources.hpp"
#include "util/status.hpp"

namespace lightning::node {

/// The flags as given.
struct WorkerCommandLine {
  bool help = false;
  std::string controller;           ///< --controller HOST:PORT
  std::string token_file;           ///< --token-file FILE
  std::string name;                 ///< --name; empty: SLURMD_NODENAME, else the hostname
  std::string work_dir;             ///< --work-dir; empty: the default cache dir
  std::optional<std::string> gpus;  ///< --gpus LIST|none; unset: detect
  std::optional<double> cpus;       ///< --cpus N (logical CPUs, fractions allowed)
  std::optional<double> memory_gb;  ///< --memory-gb N (GiB)
  std::vector<std::string> labels;  ///< --label K=V, repeatable
  /// --max-processes N: work processes at once; unset: from the node's limits
  /// (runtime::SystemResources::max_work_processes).
  std::optional<int64_t> max_processes;
  std::string log_level = "info";
  double connect_timeout_s = 60;  ///< --connect-timeout SECONDS
  double drain_grace_s = 10;      ///< --drain-grace SECONDS
  /// --app-cache-gb N: keep `<work dir>/apps` under N GiB (least recently
  /// used binaries go first; one in use never does).
  double app_cache_gb = 10;
  /// --tls-ca (TLS on: the controller's certificate must chain to it),
  /// --tls-cert/--tls-key (this worker's certificate, for an app with --tls-ca).
  rpc::TlsFiles tls;
  std::string tls_server_name;  ///< --tls-server-name: the name in the controller's certificate
};

/// Everything the worker runs with, resolved.
struct WorkerAgentOptions {
  std::string controller_address;
  std::string token;       ///< the secret; never logged
  std::string token_file;  ///< where it came from, for messages
  std::string name;
  std::string work_dir;
  v1::RegisterWorker registration;  ///< all but the token
  std::chrono::milliseconds connect_timeout{60000};
  std::chrono::milliseconds drain_grace{10000};
  int64_t app_cache_max_bytes = int64_t{10} << 30;  ///< AppCache::prune()'s limit
  /// How the worker dials the controller (worker_tls()); its works get the
  /// same CA and server name in their LaunchWorkRequest.controller_tls.
  rpc::ClientTls tls;
  std::string tls_ca_file;  ///< --tls-ca, for messages
  /// Called on the loop thread with the id the controller registered this
  /// worker as, when it differs from `name` (a second worker of one name
  /// joins as `name-<pid>`): lightning-worker puts it in its log prefix.
  std::function<void(const std::string& worker_id)> on_renamed;
};

/// lightning-worker's usage text.
std::string worker_usage(const char* program);

/// Parses argv with CLI11. InvalidArgument with a message that names the
/// flag ("--controller is required", "unknown flag '--x'").
Result<WorkerCommandLine> parse_worker_command_line(int argc, const char* const* argv);

/// The token in a token file's text: surrounding whitespace trimmed; one line
/// of printable ASCII, 1 to 4096 characters. InvalidArgument otherwise (the
/// message never quotes the text).
Result<std::string> parse_token_text(std::string_view text);

/// The worker's TLS, read from the files its flags name
/// (rpc::load_tls_files, TlsSide::kClient): disabled without --tls-ca; else
/// the CA, the worker's certificate and key when given, and
/// --tls-server-name. Errors: load_tls_files()'s, naming the flag and file.
Result<rpc::ClientTls> worker_tls(const WorkerCommandLine& cmd);

/// Reads the token from `path`: a regular file that neither its group nor
/// others may read or write (mode & 077 == 0, as ssh asks of keys), else
/// FailedPrecondition saying to chmod 600; NotFound / Internal with errno's text.
Result<std::string> read_token_file(const std::string& path);

/// Whether `name` is a plain worker name: 1 to 253 of [A-Za-z0-9._-], not
/// "." or "..". Empty when it is, else why not.
std::string check_worker_name(std::string_view name);

/// Where the work dir defaults to: $XDG_CACHE_HOME/lightning/worker, else
/// $HOME/.cache/lightning/worker, else /tmp/lightning-worker-<uid>.
std::string default_work_dir(const EnvLookup& env);

/// Fills in WorkerAgentOptions: the name (--name, else SLURMD_NODENAME, else
/// `hostname`), resources (CPUs: --cpus, else SLURM_CPUS_ON_NODE, else
/// `local`; memory: --memory-gb, else SLURM_MEM_PER_NODE in MiB, else
/// `local`; GPUs: --gpus, else `gpus`), labels, the engine's names
/// (SLURM_JOB_ID, SLURM_NODEID, SLURM_STEP_ID) and detected_by for each.
/// The token is not read here. InvalidArgument naming the flag or variable.
Result<WorkerAgentOptions> resolve_worker_options(const WorkerCommandLine& cmd,
                                                  const EnvLookup& env,
                                                  const scheduler::LocalResources& local,
                                                  const GpuDetection& gpus,
                                                  const std::string& hostname);

}  // namespace lightning::node
