// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cluster/slurm_job.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <limits>
#include <sstream>

namespace lightning::cluster {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

// A character as people read it in an error message.
std::string printable(char c) {
  if (std::isprint(static_cast<unsigned char>(c)) != 0) return std::string("'") + c + "'";
  std::ostringstream out;
  out << "byte 0x" << std::hex << static_cast<int>(static_cast<unsigned char>(c));
  return out.str();
}

Status check_no_control(const std::string& what, const std::string& value) {
  for (char c : value) {
    if (std::iscntrl(static_cast<unsigned char>(c)) != 0) {
      return InvalidArgument(what + " has a control character (" + printable(c) +
                             "), which cannot go into a batch script");
    }
  }
  return Status::Ok();
}

// A value for an `#SBATCH` line, as sbatch reads them (src/sbatch/opt.c,
// _get_argument): in double quotes, with '\', '"' and '#' (which starts a
// comment even inside quotes) escaped by a backslash.
std::string directive_quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"' || c == '#') out += '\\';
    out += c;
  }
  return out + "\"";
}

Status check_absolute_path(const std::string& what, const std::string& path) {
  if (path.empty()) return InvalidArgument(what + " is empty");
  if (path[0] != '/') return InvalidArgument(what + " '" + path + "' is not an absolute path");
  return check_no_control(what, path);
}

Status check_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("controller address '" + address + "' is not HOST:PORT");
  }
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (!all_digits(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    return InvalidArgument("controller address '" + address + "' has no port in 1-65535");
  }
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  for (size_t i = bracketed ? 1 : 0; i < host.size() - (bracketed ? 1 : 0); ++i) {
    const char c = host[i];
    if (!is_name_char(c) && !(bracketed && c == ':')) {
      return InvalidArgument("controller address '" + address + "' has " + printable(c) +
                             " in its host name");
    }
  }
  return Status::Ok();
}

}  // namespace

int signal_lead_s(const SlurmOptions& options) {
  int lead = options.signal_before_s;
  if (lead <= 0 || options.time.empty()) return lead;
  const Result<int64_t> limit = parse_slurm_time(options.time);
  // A short job would get the signal at once, or before it started work.
  if (limit.ok() && *limit > 0 && *limit <= int64_t{4} * lead) {
    lead = static_cast<int>(std::max<int64_t>(*limit / 4, 1));
  }
  return lead;
}

Result<int64_t> parse_slurm_time(const std::string& text) {
  const auto bad = [&text] {
    return InvalidArgument("time limit '" + text +
                           "' is not in one of Slurm's formats: MINUTES, MINUTES:SECONDS, "
                           "HOURS:MINUTES:SECONDS, DAYS-HOURS, DAYS-HOURS:MINUTES, "
                           "DAYS-HOURS:MINUTES:SECONDS, or INFINITE");
  };
  if (text == "INFINITE" || text == "UNLIMITED" || text == "infinite" || text == "unlimited") {
    return int64_t{-1};
  }
  // Days before a '-', then up to three ':'-separated fields.
  std::string rest = text;
  int64_t days = 0;
  bool has_days = false;
  const auto dash = rest.find('-');
  if (dash != std::string::npos) {
    const std::string d = rest.substr(0, dash);
    if (!all_digits(d) || d.size() > 6) return bad();
    days = std::stoll(d);
    has_days = true;
    rest = rest.substr(dash + 1);
  }
  std::vector<int64_t> fields;
  size_t start = 0;
  for (;;) {
    const auto colon = rest.find(':', start);
    const std::string f = rest.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!all_digits(f) || f.size() > 9) return bad();
    fields.push_back(std::stoll(f));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  int64_t seconds = 0;
  if (has_days) {
    // D-H, D-H:M, D-H:M:S
    if (fields.size() > 3) return bad();
    const int64_t h = fields[0];
    const int64_t m = fields.size() > 1 ? fields[1] : 0;
    const int64_t s = fields.size() > 2 ? fields[2] : 0;
    seconds = ((days * 24 + h) * 60 + m) * 60 + s;
  } else if (fields.size() == 1) {
    seconds = fields[0] * 60;  // M
  } else if (fields.size() == 2) {
    seconds = fields[0] * 60 + fields[1];  // M:S
  } else if (fields.size() == 3) {
    seconds = (fields[0] * 60 + fields[1]) * 60 + fields[2];  // H:M:S
  } else {
    return bad();
  }
  return seconds == 0 ? int64_t{-1} : seconds;  // Slurm: a limit of 0 is no limit
}

Status check_slurm_name(const std::string& what, const std::string& value, bool allow_list) {
  if (value.empty()) return InvalidArgument(what + " is empty");
  size_t name_len = 0;
  for (char c : value) {
    if (allow_list && c == ',') {
      if (name_len == 0)
        return InvalidArgument(what + " '" + value + "' has an empty name in its list");
      name_len = 0;
      continue;
    }
    if (!is_name_char(c)) {
      return InvalidArgument(what + " '" + value + "' has " + printable(c) +
                             ": Slurm names are letters, digits, '_', '.' and '-'" +
                             (allow_list ? " (several separated by ',')" : ""));
    }
    if (++name_len > 64)
      return InvalidArgument(what + " '" + value + "' is longer than 64 characters");
  }
  if (name_len == 0)
    return InvalidArgument(what + " '" + value + "' has an empty name in its list");
  return Status::Ok();
}

Status check_slurm_options(const SlurmOptions& options) {
  if (options.nodes < 1) {
    return InvalidArgument("--nodes is " + std::to_string(options.nodes) +
                           "; it must be at least 1");
  }
  if (options.gpus_per_node < 0) {
    return InvalidArgument("--gpus-per-node is " + std::to_string(options.gpus_per_node) +
                           "; it must be 0 or more");
  }
  if (options.cpus_per_node < 0) {
    return InvalidArgument("--cpus-per-node is " + std::to_string(options.cpus_per_node) +
                           "; it must be 0 (Slurm's default) or more");
  }
  if (options.signal_before_s < 0) return InvalidArgument("signal_before_s is negative");
  if (!options.partition.empty()) {
    if (auto s = check_slurm_name("partition", options.partition, true); !s.ok()) return s;
  }
  if (!options.account.empty()) {
    if (auto s = check_slurm_name("account", options.account, false); !s.ok()) return s;
  }
  if (!options.time.empty()) {
    if (auto t = parse_slurm_time(options.time); !t.ok()) return t.status();
  }
  for (const auto& arg : options.sbatch_args) {
    if (arg.size() < 2 || arg[0] != '-') {
      return InvalidArgument("sbatch argument '" + arg +
                             "' is not an option (it must start with '-')");
    }
    if (auto s = check_no_control("sbatch argument '" + arg + "'", arg); !s.ok()) return s;
  }
  if (!options.worker_log_level.empty()) {
    if (auto s = check_slurm_name("worker log level", options.worker_log_level, false); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

void add_slurm_options(CLI::App& app, SlurmOptions& options) {
  const std::string group = "Slurm (--cluster slurm)";
  app.add_option("--nodes", options.nodes, "nodes to allocate: one lightning-worker on each")
      ->check(CLI::Range(1, 1000000))
      ->group(group);
  app.add_option("--gpus-per-node", options.gpus_per_node, "GPUs per node (--gres=gpu:G)")
      ->check(CLI::Range(0, 1024))
      ->group(group);
  app.add_option("--cpus-per-node", options.cpus_per_node,
                 "CPUs for each node's worker (--cpus-per-task); default: Slurm's, often 1")
      ->check(CLI::Range(0, 1000000))
      ->group(group);
  app.add_option("--partition", options.partition, "Slurm partition (or a,b)")
      ->check(CLI::Validator(
          [](std::string& v) {
            auto s = check_slurm_name("partition", v, true);
            return s.ok() ? std::string() : s.message();
          },
          "PARTITION", "partition"))
      ->group(group);
  app.add_option("--time", options.time, "time limit, in Slurm's formats (30, 4:00:00, 2-0)")
      ->check(CLI::Validator(
          [](std::string& v) {
            auto t = parse_slurm_time(v);
            return t.ok() ? std::string() : t.status().message();
          },
          "TIME", "time"))
      ->group(group);
  app.add_option("--account", options.account, "Slurm account to charge")
      ->check(CLI::Validator(
          [](std::string& v) {
            auto s = check_slurm_name("account", v, false);
            return s.ok() ? std::string() : s.message();
          },
          "ACCOUNT", "account"))
      ->group(group);
  app.add_option("--sbatch-arg", options.sbatch_args,
                 "one more sbatch option, e.g. --sbatch-arg=--constraint=a100 (repeatable)")
      ->allow_extra_args(false)
      ->check(CLI::Validator(
          [](std::string& v) {
            if (v.size() < 2 || v[0] != '-')
              return "'" + v + "' is not an option (it must start with '-')";
            auto s = check_no_control("sbatch argument", v);
            return s.ok() ? std::string() : s.message();
          },
          "ARG", "sbatch argument"))
      ->group(group);
  app.add_option("--max-requeues", options.max_requeues,
                 "new allocations when the job ends with its nodes taken away (its time limit, "
                 "a pre-emption) while the app runs (default 3; 0: the app fails then)")
      ->check(CLI::Range(0, 1000))
      ->group(group);
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Result<std::string> make_sbatch_script(const SlurmOptions& options, const EngineContext& ctx) {
  if (auto s = check_slurm_options(options); !s.ok()) return s;
  if (ctx.run_id.empty() || ctx.run_id.size() > 64) {
    return InvalidArgument("run id '" + ctx.run_id + "' must have 1 to 64 characters");
  }
  for (char c : ctx.run_id) {
    if (!is_name_char(c)) {
      return InvalidArgument("run id '" + ctx.run_id + "' has " + printable(c) +
                             "; a job name takes letters, digits, '_', '.' and '-'");
    }
  }
  if (auto s = check_absolute_path("run dir", ctx.run_dir); !s.ok()) return s;
  for (char c : ctx.run_dir) {
    if (c == '%' || c == '\\') {
      return InvalidArgument("run dir '" + ctx.run_dir + "' has " + printable(c) +
                             ", which Slurm reads as part of a file-name pattern in --output; "
                             "use a run dir without it");
    }
  }
  if (auto s = check_absolute_path("token file", ctx.token_file); !s.ok()) return s;
  if (auto s = check_absolute_path("worker binary", ctx.worker_binary); !s.ok()) return s;
  if (auto s = check_address(ctx.controller_address); !s.ok()) return s;
  const std::pair<const char*, const std::string*> tls_flags[] = {
      {"--tls-ca", &ctx.tls_ca}, {"--tls-cert", &ctx.tls_cert}, {"--tls-key", &ctx.tls_key}};
  for (const auto& [flag, path] : tls_flags) {
    if (path->empty()) continue;
    if (auto s = check_absolute_path(std::string(flag) + " file", *path); !s.ok()) return s;
  }
  if (ctx.tls_cert.empty() != ctx.tls_key.empty() ||
      (!ctx.tls_cert.empty() && ctx.tls_ca.empty())) {
    return InvalidArgument("the workers' --tls-cert and --tls-key go together, and with --tls-ca");
  }

  std::string run_dir = ctx.run_dir;
  while (run_dir.size() > 1 && run_dir.back() == '/') run_dir.pop_back();
  std::ostringstream out;
  out << "#!/bin/bash\n"
      << "# Written by lightning for run " << ctx.run_id
      << ": one lightning-worker per node, which dials the controller\n"
      << "# (docs/guides/slurm.md). Submitted with `sbatch --parsable`.\n";
  const auto directive = [&out](const std::string& flag, const std::string& value) {
    out << "#SBATCH " << directive_quote(value.empty() ? flag : flag + "=" + value) << "\n";
  };
  directive("--job-name", "lightning-" + ctx.run_id);
  directive("--nodes", std::to_string(options.nodes));
  directive("--ntasks-per-node", "1");
  if (options.gpus_per_node > 0)
    directive("--gres", "gpu:" + std::to_string(options.gpus_per_node));
  if (options.cpus_per_node > 0)
    directive("--cpus-per-task", std::to_string(options.cpus_per_node));
  directive("--output", run_dir + "/slurm-%j.out");
  directive("--chdir", run_dir);
  if (options.signal_before_s > 0) {
    directive("--signal", "TERM@" + std::to_string(signal_lead_s(options)));
  }
  if (!options.partition.empty()) directive("--partition", options.partition);
  if (!options.time.empty()) directive("--time", options.time);
  if (!options.account.empty()) directive("--account", options.account);
  for (const auto& arg : options.sbatch_args) directive(arg, "");

  // One task per node; a worker that dies does not take the others down (the
  // controller re-places its works); the step gets the job's GPUs, and its
  // CPUs when asked again (srun does not inherit --cpus-per-task).
  out << "exec srun --nodes=" << options.nodes << " --ntasks=" << options.nodes
      << " --ntasks-per-node=1";
  if (options.cpus_per_node > 0) out << " --cpus-per-task=" << options.cpus_per_node;
  out << " --kill-on-bad-exit=0 \\\n"
      << "  " << shell_quote(ctx.worker_binary) << " --controller "
      << shell_quote(ctx.controller_address) << " --token-file " << shell_quote(ctx.token_file);
  // Without a GPU request the node's CUDA_VISIBLE_DEVICES (or the one sbatch
  // exported from the controller's environment) must not be taken for ours.
  if (options.gpus_per_node == 0) out << " --gpus none";
  if (!options.worker_log_level.empty()) {
    out << " --log-level " << shell_quote(options.worker_log_level);
  }
  // TLS: the files' paths (on the shared file system), never their content.
  for (const auto& [flag, path] : tls_flags) {
    if (!path->empty()) out << " " << flag << " " << shell_quote(*path);
  }
  out << "\n";
  return out.str();
}

}  // namespace lightning::cluster
