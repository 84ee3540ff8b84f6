// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The Slurm allocation of a `--cluster slurm` run: its options (the app's
// command line), their checks, and the batch script that starts one
// lightning-worker per node (docs/design/cluster.md, "Slurm"). Pure functions:
// no I/O, no Slurm; SlurmEngine (slurm_engine.hpp) submits what they build.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/engine.hpp"
#include "util/status.hpp"

namespace CLI {
class App;
}

namespace lightning::cluster {

/// One allocation: `sbatch --nodes N --gres=gpu:G [--partition P --time T --account A]`.
struct SlurmOptions {
  int nodes = 1;          ///< --nodes; one lightning-worker per node; >= 1
  int gpus_per_node = 0;  ///< --gres=gpu:G; 0: no GPUs asked (workers get `--gpus none`)
  /// CPUs for each node's worker (`--cpus-per-task`, to sbatch and to srun, which since
  /// Slurm 22.05 does not inherit it); 0: Slurm's default, often 1 CPU.
  int cpus_per_node = 0;
  std::string partition;  ///< --partition; empty: the cluster's default; `a,b` lists several
  /// --time in Slurm's formats ("30", "1:00:00", "2-0"); empty: the partition's default.
  std::string time;
  std::string account;  ///< --account; empty: the user's default
  /// Further sbatch options, one `#SBATCH` line each ("--constraint=a100", "--exclusive",
  /// "--mem=0"); each must start with '-'.
  std::vector<std::string> sbatch_args;
  /// The workers get SIGTERM this many seconds before the time limit (`--signal=TERM@S`),
  /// so they drain instead of being killed at the limit. Seconds; 0 leaves --signal out.
  int signal_before_s = 120;
  /// Passed to each worker as --log-level when set ("debug", "info", ...).
  std::string worker_log_level;
  /// How many times a run submits a new allocation when its job ends with
  /// its nodes taken away (job_may_requeue: the time limit, a pre-emption)
  /// while the app still runs; its interrupted calls wait for the new
  /// workers. 0: the app fails instead.
  int max_requeues = 3;
};

/// Adds the Slurm flags to `app`, writing into `options` when parsed:
/// `--nodes N --gpus-per-node G [--cpus-per-node C] [--partition P] [--time T]
/// [--account A] [--sbatch-arg=ARG ...]`, checked as they are parsed (a bad value is a
/// CLI11 validation error naming the flag). The app's parser calls it when
/// `--cluster slurm` is given.
void add_slurm_options(CLI::App& app, SlurmOptions& options);

/// A time limit in Slurm's formats (sbatch(1) --time): "M", "M:S", "H:M:S",
/// "D-H", "D-H:M", "D-H:M:S", each field decimal digits; "INFINITE",
/// "UNLIMITED" and "0" mean no limit. Returns seconds, or -1 for no limit.
/// Errors: kInvalidArgument saying which formats are accepted.
Result<int64_t> parse_slurm_time(const std::string& text);

/// The seconds before the time limit at which the job's workers get SIGTERM
/// (`--signal=TERM@S`): SlurmOptions::signal_before_s (120), but a quarter of a
/// `--time` of at most four times that (`--time 2`: 30 s), so that a short job
/// is not drained as soon as it starts.
int signal_lead_s(const SlurmOptions& options);

/// A partition (`allow_list`: or a comma-separated list of them) or account
/// name: letters, digits, '_', '.', '-'; at most 64 characters per name.
/// Errors: kInvalidArgument naming `what` ("partition") and the character
/// refused, e.g. "partition 'gpu;rm' has ';': ...".
Status check_slurm_name(const std::string& what, const std::string& value, bool allow_list);

/// Every field of `options` as add_slurm_options checks them, for options
/// filled in by code. Errors: kInvalidArgument saying which field and why.
Status check_slurm_options(const SlurmOptions& options);

/// `text` as one POSIX shell word: 'text', with each ' written as '\''.
std::string shell_quote(const std::string& text);

/// The batch script for `sbatch --parsable`: `#SBATCH` lines for one
/// allocation of options.nodes nodes, one task per node, `--gres=gpu:G`
/// when G > 0, `--cpus-per-task=C` when C > 0, `--job-name=lightning-<run id>`,
/// `--output=<run dir>/slurm-%j.out`, `--chdir=<run dir>`, `--signal`,
/// partition/time/account and the extra arguments; then
/// `exec srun ... <worker> --controller ADDR --token-file FILE [--gpus none]
/// [--log-level L]`, every value shell-quoted. The token itself never
/// appears. Errors: kInvalidArgument for bad options (check_slurm_options),
/// a run id that is not [A-Za-z0-9_.-]{1,64}, an empty or relative path,
/// a run dir with '%' or '\' (Slurm would read them as a file-name pattern),
/// a value with a control character (a newline would start a new line of
/// the script), an address that is not HOST:PORT.
Result<std::string> make_sbatch_script(const SlurmOptions& options, const EngineContext& ctx);

}  // namespace lightning::cluster
