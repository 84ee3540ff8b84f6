// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: what the Slurm engine reads from Slurm's commands and from its
// user (src/cluster/slurm_output.*, slurm_job.*): `sbatch --parsable`,
// `squeue -h -o "%i|%T|%r|%N"`, `scontrol show hostnames`, a --time value,
// and the batch script made from fuzzed options and paths.
//
// Input: the first byte picks the reader, the rest is its text (for squeue:
// the job id on the first line, squeue's output after it; for the script:
// partition, account, time, one sbatch argument and the run dir, one per line).
// Invariants: nothing crashes, throws or hangs; a job id is 1-19 digits; a
// row is the asked job's, with an upper-case state, a one-line reason and a
// node list of node-list characters; host names are non-empty and one per
// line; a time limit is -1 or positive; an accepted batch script has only
// `#` lines before its `exec srun` line, and that line and its continuation
// are the last two.
#include <string>
#include <string_view>
#include <vector>

#include "cluster/slurm_job.hpp"
#include "cluster/slurm_output.hpp"
#include "fuzz_check.hpp"

namespace cl = lightning::cluster;

namespace {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool only(const std::string& s, const char* allowed_extra) {
  for (char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view(allowed_extra).find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      if (auto job = cl::parse_sbatch_parsable(text); job.ok()) {
        LIGHTNING_FUZZ_CHECK(!job->id.empty() && job->id.size() <= 19 && only(job->id, ""),
                             "job id '" + job->id + "'");
        LIGHTNING_FUZZ_CHECK(only(job->cluster, "._-"), "cluster '" + job->cluster + "'");
      } else {
        LIGHTNING_FUZZ_CHECK(!job.status().message().empty(), "an error without a message");
      }
      break;
    case 1: {
      const auto nl = text.find('\n');
      const std::string id(text.substr(0, nl == std::string_view::npos ? text.size() : nl));
      const std::string_view out =
          nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      auto row = cl::parse_squeue(out, id);
      if (row.ok() && row->has_value()) {
        const cl::SqueueRow& r = **row;
        LIGHTNING_FUZZ_CHECK(r.job_id == id, "another job's row");
        LIGHTNING_FUZZ_CHECK(
            !r.state.empty() && only(r.state, "_") &&
                r.state.find_first_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos,
            "state '" + r.state + "'");
        LIGHTNING_FUZZ_CHECK(r.reason.find('\n') == std::string::npos, "a reason with a newline");
        LIGHTNING_FUZZ_CHECK(only(r.node_list, "._-,[]"), "node list '" + r.node_list + "'");
      }
      break;
    }
    case 2:
      if (auto names = cl::parse_hostnames(text); names.ok()) {
        LIGHTNING_FUZZ_CHECK(!names->empty(), "no names but ok");
        for (const auto& n : *names) {
          LIGHTNING_FUZZ_CHECK(!n.empty() && n.size() <= 253 && only(n, "._-"), "host '" + n + "'");
        }
      }
      break;
    case 3:
      if (auto t = cl::parse_slurm_time(std::string(text)); t.ok()) {
        LIGHTNING_FUZZ_CHECK(*t == -1 || *t > 0, "time " + std::to_string(*t));
      }
      break;
    default: {
      const auto fields = split_lines(text);
      const auto field = [&fields](size_t i) { return i < fields.size() ? fields[i] : ""; };
      cl::SlurmOptions options;
      options.partition = field(0);
      options.account = field(1);
      options.time = field(2);
      if (!field(3).empty()) options.sbatch_args.push_back(field(3));
      options.gpus_per_node = static_cast<int>(text.size() % 3);
      cl::EngineContext ctx;
      ctx.controller_address = "127.0.0.1:5000";
      ctx.token_file = "/run/token";
      ctx.run_id = "abc";
      ctx.run_dir = field(4).empty() ? "/run" : field(4);
      ctx.worker_binary = "/bin/lightning-worker";
      auto script = cl::make_sbatch_script(options, ctx);
      if (!script.ok()) {
        LIGHTNING_FUZZ_CHECK(!script.status().message().empty(), "an error without a message");
        break;
      }
      const auto lines = split_lines(*script);
      // The script ends with "\n": the last split is empty.
      LIGHTNING_FUZZ_CHECK(lines.size() >= 3 && lines.back().empty(), "script shape");
      const size_t srun = lines.size() - 3;
      LIGHTNING_FUZZ_CHECK(lines[srun].rfind("exec srun ", 0) == 0, "no exec srun line");
      for (size_t i = 0; i < srun; ++i) {
        LIGHTNING_FUZZ_CHECK(!lines[i].empty() && lines[i][0] == '#',
                             "a line that is not a comment or directive: " + lines[i]);
      }
      break;
    }
  }
  return 0;
}
