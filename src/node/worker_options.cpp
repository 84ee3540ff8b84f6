// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/worker_options.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "rpc/cluster_protocol.hpp"
#include "runtime/resource_budget.hpp"
#include "util/command_line.hpp"

namespace lightning::node {
namespace {

constexpr size_t kMaxTokenSize = 4096;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return std::string(s);
}

// A positive decimal integer, at most 12 digits, followed by nothing or by a
// unit letter (Slurm writes SLURM_MEM_PER_NODE as plain MiB, but tolerate "M").
std::optional<int64_t> parse_count(std::string_view s) {
  int64_t v = 0;
  size_t i = 0;
  for (; i < s.size() && i < 12 && s[i] >= '0' && s[i] <= '9'; ++i) v = v * 10 + (s[i] - '0');
  if (i == 0 || (i < s.size() && !(i + 1 == s.size() && (s[i] == 'M' || s[i] == 'm')))) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::string worker_usage(const char* program) {
  return std::string("usage: ") + program +
         " --controller HOST:PORT --token-file FILE [--name NAME] [--work-dir DIR]\n"
         "       [--gpus LIST|none] [--cpus N] [--memory-gb N] [--label K=V ...]\n"
         "       [--log-level trace|debug|info|warn|error] [--connect-timeout SECONDS]\n"
         "       [--drain-grace SECONDS] [--max-processes N] [--app-cache-gb N]\n"
         "       [--tls-ca FILE [--tls-cert FILE --tls-key FILE] [--tls-server-name NAME]]\n"
         "\n"
         "A node's agent for a Lightning app run on a cluster: dials the controller,\n"
         "registers this node's CPUs, memory and GPUs, and runs the works placed on it.\n"
         "With --tls-ca it dials over TLS and checks the controller's certificate against\n"
         "that CA (--tls-server-name: the name in it, when not the host dialled);\n"
         "--tls-cert/--tls-key are this worker's certificate, for an app with --tls-ca.\n"
         "See docs/cli.md and docs/design/worker-node.md.\n";
}

Result<WorkerCommandLine> parse_worker_command_line(int argc, const char* const* argv) {
  WorkerCommandLine cmd;
  CLI::App app;
  app.set_help_flag();
  app.allow_extras();
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("-h,--help", cmd.help);
  app.add_option("--controller", cmd.controller);
  app.add_option("--token-file", cmd.token_file);
  app.add_option("--name", cmd.name);
  app.add_option("--work-dir", cmd.work_dir);
  std::string gpus;
  CLI::Option* gpus_opt = app.add_option("--gpus", gpus);
  double cpus = 0;
  CLI::Option* cpus_opt = app.add_option("--cpus", cpus);
  double memory_gb = 0;
  CLI::Option* memory_opt = app.add_option("--memory-gb", memory_gb);
  app.add_option("--label", cmd.labels)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--log-level", cmd.log_level);
  app.add_option("--connect-timeout", cmd.connect_timeout_s);
  app.add_option("--drain-grace", cmd.drain_grace_s);
  app.add_option("--app-cache-gb", cmd.app_cache_gb);
  int64_t max_processes = 0;
  CLI::Option* max_processes_opt = app.add_option("--max-processes", max_processes);
  app.add_option("--tls-cert", cmd.tls.cert);
  app.add_option("--tls-key", cmd.tls.key);
  app.add_option("--tls-ca", cmd.tls.ca);
  app.add_option("--tls-server-name", cmd.tls_server_name);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return InvalidArgument(util::describe_parse_error(e) + "; see --help");
  }
  if (cmd.help) return cmd;
  const std::vector<std::string> extras = app.remaining();
  if (!extras.empty()) {
    const std::string& extra = extras.front();
    if (extra.size() > 1 && extra[0] == '-') {
      return InvalidArgument("unknown flag '" + extra + "'; see --help");
    }
    return InvalidArgument("unexpected argument '" + extra + "'; see --help");
  }
  if (cmd.controller.empty()) {
    return InvalidArgument("--controller HOST:PORT is required (the address lightning-run prints)");
  }
  if (cmd.token_file.empty()) {
    return InvalidArgument("--token-file FILE is required (the run's worker token, mode 600)");
  }
  if (gpus_opt->count() > 0) cmd.gpus = gpus;
  if (cpus_opt->count() > 0) {
    if (!(cpus > 0) || cpus > 1e6) return InvalidArgument("--cpus must be a positive number");
    cmd.cpus = cpus;
  }
  if (memory_opt->count() > 0) {
    if (!(memory_gb > 0) || memory_gb > 1e7) {
      return InvalidArgument("--memory-gb must be a positive number of GiB");
    }
    cmd.memory_gb = memory_gb;
  }
  if (max_processes_opt->count() > 0) {
    if (max_processes < 1 || max_processes > 1000000) {
      return InvalidArgument("--max-processes must be 1 to 1000000 work processes");
    }
    cmd.max_processes = max_processes;
  }
  if (!(cmd.connect_timeout_s >= 0) || cmd.connect_timeout_s > 86400) {
    return InvalidArgument("--connect-timeout must be 0 to 86400 seconds");
  }
  if (!(cmd.drain_grace_s >= 0) || cmd.drain_grace_s > 86400) {
    return InvalidArgument("--drain-grace must be 0 to 86400 seconds");
  }
  if (!(cmd.app_cache_gb >= 0) || cmd.app_cache_gb > 1e6) {
    return InvalidArgument("--app-cache-gb must be 0 to 1000000 GiB");
  }
  if (Status st = rpc::check_tls_flags(cmd.tls, rpc::TlsSide::kClient); !st.ok()) {
    return InvalidArgument(st.message() + "; see --help");
  }
  if (!cmd.tls_server_name.empty() && cmd.tls.ca.empty()) {
    return InvalidArgument(
        "--tls-server-name goes with --tls-ca (it names the controller's "
        "certificate, which only TLS checks); see --help");
  }
  static const char* const kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool known = false;
  for (const char* l : kLevels) known = known || cmd.log_level == l;
  if (!known) {
    return InvalidArgument("--log-level '" + cmd.log_level +
                           "' is not one of trace, debug, info, warn, error, off");
  }
  return cmd;
}

Result<rpc::ClientTls> worker_tls(const WorkerCommandLine& cmd) {
  rpc::ClientTls tls;
  if (!cmd.tls.any()) return tls;
  Result<rpc::TlsMaterial> material = rpc::load_tls_files(cmd.tls, rpc::TlsSide::kClient);
  if (!material.ok()) return material.status();
  tls.enabled = true;
  tls.ca_pem = std::move(material->ca_pem);
  tls.cert_pem = std::move(material->cert_pem);
  tls.key_pem = std::move(material->key_pem);
  tls.server_name = cmd.tls_server_name;
  return tls;
}

Result<std::string> parse_token_text(std::string_view text) {
  if (text.size() > kMaxTokenSize + 2) {
    return InvalidArgument(
        "the token file holds more than 4096 bytes; it must hold the token only");
  }
  const std::string token = trim(text);
  if (token.empty()) return InvalidArgument("the token file is empty");
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgument(
          "the token file holds more than one printable word (spaces, newlines or control "
          "characters inside); it must hold the token only");
    }
  }
  return token;
}

Result<std::string> read_token_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    const int err = errno;
    const std::string why = "cannot read the token file " + path + ": " + std::strerror(err);
    return err == ENOENT ? NotFound(why) : Internal(why);
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    return Internal("cannot stat the token file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return FailedPrecondition("the token file " + path + " is not a file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return FailedPrecondition("the token file " + path + " has mode " + mode +
                              ": others may read it; refusing to use it (chmod 600 " + path + ")");
  }
  std::string text;
  char buf[1024];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("cannot read the token file " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxTokenSize + 2) break;
  }
  Result<std::string> token = parse_token_text(text);
  if (!token.ok()) return token.status().with_context(path);
  return token;
}

std::string check_worker_name(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 253) return "is longer than 253 characters";
  if (name == "." || name == "..") return "is '.' or '..'";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return "contains a character other than letters, digits, '.', '_' and '-'";
  }
  return "";
}

std::string default_work_dir(const EnvLookup& env) {
  if (std::optional<std::string> xdg = env("XDG_CACHE_HOME");
      xdg && !xdg->empty() && (*xdg)[0] == '/') {
    return *xdg + "/lightning/worker";
  }
  if (std::optional<std::string> home = env("HOME"); home && !home->empty()) {
    return *home + "/.cache/lightning/worker";
  }
  return "/tmp/lightning-worker-" + std::to_string(getuid());
}

Result<WorkerAgentOptions> resolve_worker_options(const WorkerCommandLine& cmd,
                                                  const EnvLookup& env,
                                                  const scheduler::LocalResources& local,
                                                  const GpuDetection& gpus,
                                                  const std::string& hostname) {
  WorkerAgentOptions o;
  o.controller_address = cmd.controller;
  o.token_file = cmd.token_file;
  o.tls_ca_file = cmd.tls.ca;
  o.connect_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(std::llround(cmd.connect_timeout_s * 1000)));
  o.drain_grace =
      std::chrono::milliseconds(static_cast<int64_t>(std::llround(cmd.drain_grace_s * 1000)));
  o.app_cache_max_bytes = static_cast<int64_t>(std::llround(cmd.app_cache_gb * 1073741824.0));
  v1::RegisterWorker& r = o.registration;
  auto& by = *r.mutable_detected_by();

  std::string name_from = "--name";
  o.name = cmd.name;
  if (o.name.empty()) {
    if (std::optional<std::string> slurm = env("SLURMD_NODENAME"); slurm && !slurm->empty()) {
      o.name = *slurm;
      name_from = "SLURMD_NODENAME";
    } else {
      o.name = hostname;
      name_from = "the hostname";
    }
  }
  if (std::string why = check_worker_name(o.name); !why.empty()) {
    return InvalidArgument("worker name '" + o.name.substr(0, 64) + "' (from " + name_from + ") " +
                           why + "; give one with --name");
  }
  by["name"] = name_from;
  o.work_dir = cmd.work_dir.empty() ? default_work_dir(env) : cmd.work_dir;

  r.set_protocol_version(rpc::kClusterProtocolVersion);
  r.set_name(o.name);
  r.set_hostname(hostname);
  r.set_pid(getpid());
  v1::WorkerResources& res = *r.mutable_resources();

  if (cmd.cpus) {
    res.set_milli_cpus(std::llround(*cmd.cpus * 1000));
    by["cpus"] = "--cpus";
  } else if (std::optional<std::string> s = env("SLURM_CPUS_ON_NODE")) {
    std::optional<int64_t> n = parse_count(*s);
    if (!n || *n == 0)
      return InvalidArgument("SLURM_CPUS_ON_NODE='" + s->substr(0, 32) + "' is not a CPU count");
    res.set_milli_cpus(*n * 1000);
    by["cpus"] = "SLURM_CPUS_ON_NODE";
  } else {
    res.set_milli_cpus(local.resources.milli_cpus);
    by["cpus"] = local.cpus_source;
  }
  if (cmd.memory_gb) {
    res.set_memory_bytes(std::llround(*cmd.memory_gb * 1024 * 1024 * 1024));
    by["memory"] = "--memory-gb";
  } else if (std::optional<std::string> s = env("SLURM_MEM_PER_NODE")) {
    std::optional<int64_t> mib = parse_count(*s);
    if (!mib || *mib == 0) {
      return InvalidArgument("SLURM_MEM_PER_NODE='" + s->substr(0, 32) + "' is not a size in MiB");
    }
    res.set_memory_bytes(*mib * 1024 * 1024);
    by["memory"] = "SLURM_MEM_PER_NODE";
  } else {
    res.set_memory_bytes(local.resources.memory_bytes);
    by["memory"] = local.memory_source;
  }
  for (const NodeGpu& g : gpus.gpus) {
    v1::GpuInfo* info = res.add_gpus();
    info->set_index(g.index);
    info->set_model(g.model);
    info->set_memory_bytes(g.memory_bytes);
    info->set_uuid(g.uuid);
  }
  by["gpus"] = gpus.detected_by;
  if (cmd.max_processes) {
    res.set_max_processes(*cmd.max_processes);
    by["max_processes"] = "--max-processes";
  } else {
    res.set_max_processes(runtime::SystemResources::max_work_processes(runtime::BudgetCosts{}));
    by["max_processes"] = "the node's process, thread and open-files limits";
  }

  if (std::optional<std::string> p = env("SLURM_JOB_PARTITION"); p && !p->empty()) {
    (*res.mutable_labels())["slurm.partition"] = *p;
  }
  for (const std::string& kv : cmd.labels) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("--label expects K=V, got '" + kv.substr(0, 64) + "'");
    }
    (*res.mutable_labels())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const std::pair<const char*, const char*> engine_vars[] = {
      {"SLURM_JOB_ID", "slurm.job_id"},
      {"SLURM_NODEID", "slurm.node_id"},
      {"SLURM_STEP_ID", "slurm.step_id"},
      {"SLURMD_NODENAME", "slurm.node_name"},
  };
  for (const auto& [var, key] : engine_vars) {
    if (std::optional<std::string> v = env(var); v && !v->empty()) {
      (*r.mutable_engine())[key] = v->substr(0, 256);
    }
  }
  return o;
}

}  // namespace lightning::node
