// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Readers of what Slurm's commands print: `sbatch --parsable`,
// `squeue -h -o "%i|%T|%r|%N"` and `scontrol show hostnames`. Their output is
// outside input (another program, another version of it, a site's wrapper
// script in front of it): anything unexpected is a kInvalidArgument that
// quotes it, never a crash. Fuzzed by tests/fuzz/fuzz_slurm_output.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.hpp"

namespace lightning::cluster {

/// What `sbatch --parsable` prints: "<job id>" or "<job id>;<cluster>".
struct SlurmJobId {
  std::string id;       ///< decimal digits, at most 19 of them
  std::string cluster;  ///< empty on a single cluster; else pass --clusters to squeue/scancel
};

/// The job id in `sbatch --parsable`'s stdout: its last non-blank line (site
/// wrappers may print notices before it). Errors: kInvalidArgument quoting
/// the output when that line is not "<digits>" or "<digits>;<cluster name>".
Result<SlurmJobId> parse_sbatch_parsable(std::string_view out);

/// The format squeue is asked for, one field per column of SqueueRow.
inline constexpr const char* kSqueueFormat = "%i|%T|%r|%N";

/// One line of `squeue -h -o "%i|%T|%r|%N"`.
struct SqueueRow {
  std::string job_id;     ///< "1234"
  std::string state;      ///< Slurm's long state name: "PENDING", "RUNNING", "COMPLETING", ...
  std::string reason;     ///< "Resources", "Priority", "None" while running, ...
  std::string node_list;  ///< Slurm's compact form, "gpu[01-04]"; empty while pending
};

/// The row of job `job_id` in squeue's output; nullopt when squeue does not
/// list it (it ended long enough ago, or never existed). Lines that are not
/// rows (a "CLUSTER: name" header under --clusters) are skipped. Errors:
/// kInvalidArgument quoting the line when a row of that job is malformed
/// (fields missing, a state that is not upper-case letters and '_', a node
/// list with characters no node list has).
Result<std::optional<SqueueRow>> parse_squeue(std::string_view out, const std::string& job_id);

/// The host names `scontrol show hostnames LIST` prints, one per line, in
/// order. Errors: kInvalidArgument quoting a line that is not a host name
/// (letters, digits, '.', '-', '_'; at most 253 characters), or no names at all.
Result<std::vector<std::string>> parse_hostnames(std::string_view out);

/// True for the states of a job that holds or may still get nodes
/// (PENDING, RUNNING, CONFIGURING, COMPLETING, SUSPENDED, REQUEUED, ...);
/// false for the states a job ends in (COMPLETED, CANCELLED, FAILED,
/// TIMEOUT, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE, OUT_OF_MEMORY,
/// REVOKED). A state this list does not know counts as active, so release()
/// keeps waiting rather than report an allocation gone that is not.
bool is_active_job_state(const std::string& state);

/// True for the ended states after which `--cluster slurm` submits a new
/// allocation for a run that is still going (SlurmOptions::max_requeues):
/// the nodes were taken away, not refused: TIMEOUT (the time limit),
/// PREEMPTED, NODE_FAIL, and COMPLETED (the batch script ends only once its
/// workers have left: drained by Slurm's SIGTERM before the time limit, or
/// pre-empted). Not CANCELLED (scancel by a person), FAILED, OUT_OF_MEMORY,
/// BOOT_FAIL, DEADLINE or REVOKED: the app fails with the state.
bool job_may_requeue(const std::string& state);

}  // namespace lightning::cluster
