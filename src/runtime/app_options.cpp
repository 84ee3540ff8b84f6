// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/app_options.hpp"

#include <exception>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

#include "rpc/tls.hpp"
#include "util/command_line.hpp"

namespace lightning::runtime {
namespace {

constexpr double kMaxIdleTimeoutS = 365.0 * 24 * 3600;

// The names spdlog::level::from_str accepts.
std::string check_log_level(const std::string& level) {
  static const std::set<std::string> kLevels = {"trace", "debug", "info",     "warn", "warning",
                                                "err",   "error", "critical", "off"};
  if (kLevels.count(level) != 0) return "";
  return "unknown log level '" + level + "' (use trace, debug, info, warn, error)";
}

std::string check_idle_timeout(const std::string& text) {
  double seconds = 0;
  try {
    size_t used = 0;
    seconds = std::stod(text, &used);
    if (used != text.size()) seconds = -1;
  } catch (const std::exception&) {
    seconds = -1;
  }
  if (seconds > 0 && seconds <= kMaxIdleTimeoutS) return "";
  return "--idle-timeout takes seconds, more than 0 and at most 1 year (e.g. --idle-timeout 60), "
         "not '" +
         text + "'";
}

// "30s", "500ms", "2m", "1.5s", "30" (seconds) -> milliseconds; "" when it is
// not a duration of 1 ms .. 1 hour.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m" || unit == "min") {
    ms = value * 60000;
  } else {
    return std::nullopt;
  }
  if (!(ms >= 1 && ms <= 3600.0 * 1000)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::string check_start_timeout(const std::string& text) {
  if (parse_duration(text)) return "";
  return "'" + text + "' is not a duration of 1 ms to 1 hour (e.g. 30s, 500ms, 2m)";
}

}  // namespace

std::string app_usage(const std::string& program) {
  return "usage: " + program +
         " [--run-dir DIR] [--log-level trace|debug|info|warn|error] [--listen ADDR]\n"
         "          [--quiet] [--quiet-works] [--idle-timeout SECONDS] [--start-timeout DURATION]\n"
         "          [--host HOST] [--port PORT] [--no-http] [--no-journal] [--shared-dir DIR]\n"
         "          [--cluster workers|slurm [--local-worker] [--worker-token-file F]\n"
         "           [--advertise-address HOST] [--worker-heartbeat-timeout S]\n"
         "           [--nodes N] [--gpus-per-node G] [--cpus-per-node C] [--partition P]\n"
         "           [--time T] [--account A] [--sbatch-arg=ARG]\n"
         "           [--tls-cert F --tls-key F [--tls-ca F]]] [-- app args]\n"
         "  --run-dir DIR     where logs/ and state.json go (default .lightning/runs/<time>-<id>;\n"
         "                    env LIGHTNING_RUN_DIR)\n"
         "  --log-level LVL   the runtime's log level (default info; env LIGHTNING_LOG_LEVEL)\n"
         "  --listen ADDR     gRPC address for work processes, e.g. 127.0.0.1:0\n"
         "                    (default unix:<run dir>/controller.sock)\n"
         "  -q, --quiet       no live table of works below their output (on a terminal),\n"
         "                    no line per status change (otherwise)\n"
         "  --quiet-works     don't echo work output to the terminal (still in logs/)\n"
         "  --idle-timeout S  fail (exit 1) once the app has been stalled for S seconds: nothing\n"
         "                    can run the flow again (a stall is warned about after 0.5 s anyway;\n"
         "                    env LIGHTNING_IDLE_TIMEOUT)\n"
         "  --start-timeout D how long a work process may take to connect before it is\n"
         "                    killed and its call fails (default 30s; e.g. 500ms, 2m);\n"
         "                    a work's WorkOptions::start_timeout wins\n"
         "  --host HOST       the HTTP API's address (default 127.0.0.1; beyond loopback every\n"
         "                    request needs the token in <run dir>/api-token; env\n"
         "                    LIGHTNING_HTTP_HOST)\n"
         "  --port PORT       the HTTP API's port (default 7501, a free one if that is taken;\n"
         "                    0 picks a free one; env LIGHTNING_HTTP_PORT); the URL is in\n"
         "                    <run dir>/api.json\n"
         "  --no-http         no HTTP API\n"
         "  --shared-dir DIR  a directory every node mounts: Drives keep their files there\n"
         "                    and nothing is copied (default: the run directory; env\n"
         "                    LIGHTNING_SHARED_DIR)\n"
         "  --no-journal      no journal of state and calls (<run dir>/journal.sqlite)\n"
         "  --resume RUN_DIR  carry on the run in RUN_DIR after its app was killed or crashed:\n"
         "                    its state and calls come back from <RUN_DIR>/journal.sqlite,\n"
         "                    succeeded calls are not run again, calls that were running run\n"
         "                    again; refused when the app binary or its arguments changed\n"
         "  --resume-anyway   with --resume: resume even if the binary or arguments changed\n"
         "  --cluster workers works run on lightning-workers that join this run (lightning-worker\n"
         "                    --controller ADDR --token-file F); --listen defaults to 0.0.0.0:0\n"
         "  --cluster slurm   one Slurm allocation (sbatch) starts a lightning-worker per node\n"
         "                    and is released when the app ends (docs/guides/slurm.md):\n"
         "                    --nodes N (default 1), --gpus-per-node G, --cpus-per-node C,\n"
         "                    --partition P, --time T (Slurm's formats), --account A,\n"
         "                    --sbatch-arg=ARG (repeatable), --max-requeues N (new\n"
         "                    allocations when the time limit or a pre-emption ends the\n"
         "                    job; default 3)\n"
         "  --local-worker    with --cluster: this machine runs works too\n"
         "  --worker-token-file F  the token workers present (default: a new one, written to\n"
         "                    <run dir>/worker-token, mode 0600)\n"
         "  --advertise-address HOST  the address workers' works dial when listening on\n"
         "                    0.0.0.0 (default: this machine's hostname)\n"
         "  --worker-heartbeat-timeout S  a worker silent for S seconds is lost and its works\n"
         "                    run again elsewhere (default 10)\n"
         "  --tls-cert F, --tls-key F  with --cluster: the controller's certificate and private\n"
         "                    key (PEM; the key mode 600): workers and works dial it over TLS\n"
         "  --tls-ca F        with --tls-cert: the CA (PEM) that signs the workers' client\n"
         "                    certificates; a worker without one is refused (mutual TLS)\n";
}

Result<AppCommandLine> parse_app_command_line(int argc, const char* const* argv) {
  AppCommandLine command_line;
  // The flags that take a value (one per line, as clang-format would put them, is 23 lines).
  // clang-format off
  const std::vector<std::string> value_flags = {
      "--run-dir", "--log-level", "--listen", "--idle-timeout", "--start-timeout", "--host",
      "--port", "--resume", "--shared-dir", "--cluster", "--worker-token-file",
      "--advertise-address", "--worker-heartbeat-timeout", "--nodes", "--gpus-per-node",
      "--cpus-per-node", "--partition", "--time", "--account", "--sbatch-arg", "--max-requeues",
      "--tls-cert", "--tls-key", "--tls-ca"};
  // clang-format on
  util::SplitCommandLine split = util::split_command_line(argc, argv, value_flags);
  command_line.app_args = std::move(split.after_double_dash);

  CLI::App app;
  app.set_help_flag();  // -h/--help is an ordinary flag: main prints app_usage()
  app.allow_extras();   // reported below, in our words
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("-h,--help", command_line.help);
  app.add_option("--run-dir", command_line.run_dir)->envname("LIGHTNING_RUN_DIR");
  app.add_option("--log-level", command_line.log_level)
      ->envname("LIGHTNING_LOG_LEVEL")
      ->check(CLI::Validator(check_log_level, "LEVEL", "log level"));
  app.add_option("--listen", command_line.listen_address);
  app.add_flag("--quiet-works", command_line.quiet_works);
  app.add_flag("-q,--quiet", command_line.quiet);
  app.add_option("--idle-timeout", command_line.idle_timeout_s)
      ->envname("LIGHTNING_IDLE_TIMEOUT")
      ->check(CLI::Validator(check_idle_timeout, "SECONDS", "idle timeout"));
  std::string start_timeout;
  app.add_option("--start-timeout", start_timeout)
      ->check(CLI::Validator(check_start_timeout, "DURATION", "duration"));
  app.add_option("--host", command_line.http_host)->envname("LIGHTNING_HTTP_HOST");
  app.add_option("--port", command_line.http_port)
      ->envname("LIGHTNING_HTTP_PORT")
      ->check(CLI::Range(0, 65535));
  app.add_flag("--no-http", command_line.no_http);
  app.add_option("--shared-dir", command_line.shared_dir)->envname("LIGHTNING_SHARED_DIR");
  app.add_flag("--no-journal", command_line.no_journal);
  app.add_option("--resume", command_line.resume);
  app.add_flag("--resume-anyway", command_line.resume_anyway);
  app.add_option("--cluster", command_line.cluster)->check(CLI::IsMember({"workers", "slurm"}));
  cluster::add_slurm_options(app, command_line.slurm);
  app.add_flag("--local-worker", command_line.local_worker);
  app.add_option("--worker-token-file", command_line.worker_token_file);
  app.add_option("--advertise-address", command_line.advertise_address);
  app.add_option("--worker-heartbeat-timeout", command_line.worker_heartbeat_timeout_s)
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--tls-cert", command_line.tls_cert);
  app.add_option("--tls-key", command_line.tls_key);
  app.add_option("--tls-ca", command_line.tls_ca);
  try {
    app.parse(std::move(split.own_args_reversed));
  } catch (const CLI::ParseError& e) {
    return InvalidArgument(util::describe_parse_error(e));
  }
  if (command_line.help) return command_line;
  if (!start_timeout.empty()) command_line.start_timeout = parse_duration(start_timeout);
  if (!command_line.cluster.empty() && command_line.listen_address.rfind("unix", 0) == 0) {
    return InvalidArgument(
        "--cluster workers needs a TCP --listen address that workers can "
        "reach (e.g. 0.0.0.0:0, the default), not " +
        command_line.listen_address);
  }
  if (command_line.cluster.empty()) {
    for (const auto& [given, flag] :
         {std::pair{command_line.local_worker, "--local-worker"},
          std::pair{!command_line.worker_token_file.empty(), "--worker-token-file"},
          std::pair{!command_line.advertise_address.empty(), "--advertise-address"}}) {
      if (given) return InvalidArgument(std::string(flag) + " goes with --cluster workers");
    }
    if (!command_line.tls_cert.empty() || !command_line.tls_key.empty() ||
        !command_line.tls_ca.empty()) {
      return InvalidArgument(
          "--tls-cert, --tls-key and --tls-ca go with --cluster workers|slurm: a local run's "
          "works dial the controller over a Unix socket of the run directory, not TCP");
    }
  }
  if (Status st =
          rpc::check_tls_flags({command_line.tls_cert, command_line.tls_key, command_line.tls_ca},
                               rpc::TlsSide::kServer);
      !st.ok()) {
    return st;
  }
  if (command_line.cluster == "slurm" && !command_line.tls_cert.empty() &&
      command_line.tls_ca.empty()) {
    return InvalidArgument(
        "--cluster slurm with --tls-cert needs --tls-ca: the workers Slurm starts check the "
        "controller's certificate against it (and present the same certificate and key)");
  }
  if (command_line.cluster != "slurm") {
    const cluster::SlurmOptions defaults;
    const cluster::SlurmOptions& given = command_line.slurm;
    if (given.nodes != defaults.nodes || given.gpus_per_node != defaults.gpus_per_node ||
        given.cpus_per_node != defaults.cpus_per_node || given.partition != defaults.partition ||
        given.time != defaults.time || given.account != defaults.account ||
        !given.sbatch_args.empty() || given.max_requeues != defaults.max_requeues) {
      return InvalidArgument(
          "--nodes, --gpus-per-node, --cpus-per-node, --partition, --time, --account, "
          "--sbatch-arg and --max-requeues go with --cluster slurm");
    }
  }
  if (command_line.resume_anyway && command_line.resume.empty()) {
    return InvalidArgument("--resume-anyway goes with --resume RUN_DIR");
  }
  if (!command_line.resume.empty()) {
    if (command_line.no_journal) {
      return InvalidArgument("--resume needs the journal: leave out --no-journal");
    }
    // Only a --run-dir flag conflicts ($LIGHTNING_RUN_DIR is a default, and
    // --resume names the directory).
    bool run_dir_flag = false;
    for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i) {
      const std::string arg = argv[i];
      run_dir_flag = run_dir_flag || arg == "--run-dir" || arg.rfind("--run-dir=", 0) == 0;
    }
    if (run_dir_flag && std::filesystem::weakly_canonical(command_line.run_dir) !=
                            std::filesystem::weakly_canonical(command_line.resume)) {
      return InvalidArgument("--resume " + command_line.resume +
                             " runs in that directory; leave out --run-dir " +
                             command_line.run_dir);
    }
    command_line.run_dir = command_line.resume;
  }
  const std::vector<std::string> extras = app.remaining();
  if (!extras.empty()) {
    const std::string& extra = extras.front();
    if (extra.size() > 1 && extra[0] == '-') return InvalidArgument("unknown flag '" + extra + "'");
    return InvalidArgument("unexpected argument '" + extra +
                           "'; app arguments go after --, e.g. -- " + extra);
  }
  return command_line;
}

}  // namespace lightning::runtime
