// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SlurmEngine: a `--cluster slurm` run's allocation (issue 11 point 6,
// docs/design/cluster.md, "Slurm"). start() writes the batch script
// (make_sbatch_script) to <run dir>/slurm-job.sh and submits it with
// `sbatch --parsable`; one `srun` task per node execs lightning-worker, which
// dials the controller and registers. A poller thread of its own runs
// `squeue -h -j ID -o "%i|%T|%r|%N"` every few seconds (and
// `scontrol show hostnames` when the node list changes), so describe() on the
// controller's loop only copies what it last saw. release() runs `scancel ID`
// and waits, bounded, until squeue shows the job ended (its processes killed,
// the nodes free) or no longer lists it.
//
// Owned by the app host. start() and release() block for as long as the
// Slurm commands take (tens of ms on a healthy cluster; each bounded by
// Timing::command_timeout); call them off the loop, or before it runs and
// after it stopped. One mutex (mu_) guards what the poller writes and
// describe() reads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/engine.hpp"
#include "cluster/slurm_job.hpp"
#include "cluster/slurm_output.hpp"
#include "util/subprocess.hpp"

namespace lightning::cluster {

class SlurmEngine final : public ClusterEngineInterface {
 public:
  /// How often and how long it asks Slurm.
  struct Timing {
    std::chrono::milliseconds poll_interval{5000};          ///< squeue while the job runs
    std::chrono::milliseconds pending_poll_interval{2000};  ///< squeue while it waits for nodes
    std::chrono::milliseconds command_timeout{30000};       ///< each sbatch/squeue/scancel
    std::chrono::milliseconds release_timeout{30000};       ///< scancel until the job has ended
    std::chrono::milliseconds release_poll_interval{200};   ///< squeue while release() waits
  };

  /// `runner` runs the Slurm commands (the real ones by default; a fake in
  /// unit tests). Timing::poll_interval of 0 starts no poller: refresh() is
  /// then called by hand (tests).
  explicit SlurmEngine(SlurmOptions options,
                       std::shared_ptr<util::CommandRunnerInterface> runner = nullptr);
  SlurmEngine(SlurmOptions options, std::shared_ptr<util::CommandRunnerInterface> runner,
              Timing timing);
  /// release("the app host is shutting down") if start() submitted a job.
  ~SlurmEngine() override;
  SlurmEngine(const SlurmEngine&) = delete;
  SlurmEngine& operator=(const SlurmEngine&) = delete;

  /// Checks the context (an empty worker_binary is looked up with
  /// find_worker_binary(); the binary must be an executable file, the token
  /// file readable by its owner only, the run dir a directory; relative
  /// paths are made absolute), writes <run dir>/slurm-job.sh, submits it.
  /// Returns once sbatch accepted it. Errors: kInvalidArgument (bad options
  /// or context), kNotFound (no worker binary, no sbatch on PATH),
  /// kFailedPrecondition (sbatch refused: its message, e.g. "invalid
  /// partition specified: gpu"; or start() called twice), kDeadlineExceeded.
  Status start(const EngineContext& ctx) override;

  /// {"engine": "slurm", "job_id", "cluster", "state", "reason", "node_list",
  /// "nodes": [...], "requested": {"nodes", "gpus_per_node", "partition", "time",
  /// "account"}, "output": "<run dir>/slurm-<id>.out", "released": bool, "info",
  /// and "error" when the last squeue failed}. `state` is Slurm's
  /// (PENDING, RUNNING, COMPLETING, CANCELLED, ...), or NOT_SUBMITTED before
  /// start(), or GONE once squeue no longer lists the job. Never blocks on Slurm.
  nlohmann::json describe() const override;

  /// Stops the poller, `scancel`s the job and waits (Timing::release_timeout)
  /// until squeue shows it ended or lists it no more. Idempotent; a job that
  /// already ended is only looked at. Logs `why` and the outcome; never throws.
  void release(const std::string& why) override;

  /// Asks squeue (and scontrol show hostnames for a new node list) now and
  /// updates what describe() returns. The poller calls it; tests may.
  Status refresh();

  /// The job id sbatch gave ("" before start()).
  std::string job_id() const;
  /// Where start() wrote the batch script ("" before start()).
  std::string script_path() const;

 private:
  // squeue for our job: the row, nullopt when not listed.
  Result<std::optional<SqueueRow>> query() const;
  std::vector<std::string> cluster_args() const;
  // `scontrol show hostnames list` into `names` when `list` is not the one
  // `nodes_` came from (else `names` is left empty).
  Status expand_nodes(const std::string& list,
                      std::optional<std::vector<std::string>>& names) const;
  void poll_loop();
  void stop_poller();

  const SlurmOptions options_;
  const std::shared_ptr<util::CommandRunnerInterface> runner_;
  const Timing timing_;

  // Set by start() before the poller exists; read-only afterwards.
  SlurmJobId job_;
  std::string script_path_;
  std::string output_path_;
  std::atomic<bool> started_{false};  // set last in start(): then the above may be read

  std::mutex release_mu_;  // one release() at a time
  bool released_ = false;  // guarded by release_mu_ (and mirrored into mu_'s `released`)

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<SqueueRow> row_;
  bool gone_ = false;
  bool released_flag_ = false;
  std::vector<std::string> nodes_;
  std::string expanded_list_;  // the node list `nodes_` was expanded from
  std::string error_;
  std::thread poller_;
};

}  // namespace lightning::cluster
