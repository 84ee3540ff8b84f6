// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Cluster engines: what starts this run's `lightning-worker`s on a cluster's
// nodes and gives the nodes back (docs/design/cluster.md, "Slurm"). An engine
// only starts workers; they dial the controller and register like any other
// worker, and the controller's scheduler places works on them. Slurm's is
// SlurmEngine (slurm_engine.hpp); Kubernetes' would be another.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "util/status.hpp"

namespace lightning::cluster {

/// What an engine needs to start workers that dial this controller.
struct EngineContext {
  std::string controller_address;  ///< HOST:PORT the workers dial (reachable from the nodes)
  std::string token_file;          ///< the worker token, mode 0600, readable on the nodes
  std::string run_id;              ///< names the allocation (`lightning-<run id>`)
  std::string run_dir;             ///< shared with the nodes; slurm-%j.out goes there
  std::string worker_binary;       ///< absolute path of lightning-worker, the same on the nodes
  /// The workers' --tls-ca / --tls-cert / --tls-key: absolute paths on a file
  /// system the nodes share (empty: not passed). Paths only, never contents.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

/// Starts the cluster's workers for this run and gives the nodes back.
/// Owned by the app host; start() and release() are called on its thread,
/// describe() on the controller's loop (it never blocks on the cluster).
class ClusterEngineInterface {
 public:
  virtual ~ClusterEngineInterface() = default;
  /// Submits/starts; returns once submitted (not once running). Errors: a
  /// Status that says what to fix (a missing binary, a refused submission
  /// with the engine's own message).
  virtual Status start(const EngineContext& ctx) = 0;
  /// Cheap (no command run on the caller's thread): the job's state, id,
  /// node names, a reason while pending ("Resources", "Priority"), and
  /// `info`, one line for people. `{"engine": "slurm", "state": "NOT_SUBMITTED"}`
  /// before start().
  virtual nlohmann::json describe() const = 0;
  /// Gives the allocation back (Slurm: scancel), idempotent; called when the
  /// app ends, fails or is interrupted, and from the destructor. Waits a
  /// bounded time for the engine to confirm; `why` is logged.
  virtual void release(const std::string& why) = 0;
};

/// Where `lightning-worker` is, for EngineContext::worker_binary, in this
/// order:
///  1. $LIGHTNING_WORKER_BIN (lightning-run sets it to the lightning-worker
///     installed next to it, unless already set);
///  2. `lightning-worker` in the directory of the running executable (an
///     app built with CMake into the same bin/ as the library's tools);
///  3. `lightning-worker` on $PATH.
/// Returns an absolute path to an executable file. Errors: kNotFound naming
/// every place looked at, or saying that $LIGHTNING_WORKER_BIN names no
/// executable file (it is not silently skipped).
Result<std::string> find_worker_binary();

/// find_worker_binary() with its inputs given: the value of
/// $LIGHTNING_WORKER_BIN (empty: unset), the running executable's path and
/// $PATH. For tests.
Result<std::string> find_worker_binary(const std::string& env_value, const std::string& self_exe,
                                       const std::string& path_env);

}  // namespace lightning::cluster
