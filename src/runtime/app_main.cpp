// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Entry point of every app (LIGHTNING_APP): forks the zygote before anything
// else, parses the command line, then hands over to the composition root
// (AppHost), which runs the controller's loop on the main thread.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <typeinfo>

#include "lightning/app.hpp"
#include "runtime/app_host.hpp"
#include "runtime/zygote.hpp"
#include "util/ids.hpp"

namespace lightning {
namespace {

std::vector<std::string> g_app_args;
std::string g_run_dir;

constexpr const char* kUsage =
    "usage: %s [--run-dir DIR] [--log-level trace|debug|info|warn|error] [--listen ADDR]\n"
    "          [--quiet-works] [-- app args]\n"
    "  --run-dir DIR     where logs/ and state.json go (default .lightning/runs/<time>-<id>)\n"
    "  --log-level LVL   the runtime's log level (default info; env LIGHTNING_LOG_LEVEL)\n"
    "  --listen ADDR     gRPC address for work processes, e.g. 127.0.0.1:0\n"
    "                    (default unix:<run dir>/controller.sock)\n"
    "  --quiet-works     don't echo work output to the terminal (still in logs/)\n";

void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::string default_run_dir() {
  char stamp[32];
  std::time_t t = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&t));
  return ".lightning/runs/" + std::string(stamp) + "-" + util::random_hex(3);
}

}  // namespace

const std::vector<std::string>& app_args() { return g_app_args; }
const std::string& run_dir() { return g_run_dir; }

namespace detail {
void set_process_context(std::string run_dir, std::vector<std::string> app_args) {
  g_run_dir = std::move(run_dir);
  g_app_args = std::move(app_args);
}
}  // namespace detail

int run_app(int argc, char** argv, const RootFactory& make_root) {
  // A replacement work forker started by spawn_zygote() becomes one here,
  // before anything else happens in this process.
  runtime::run_as_zygote_if_asked();
  // Fork the zygote first: the process must still be single-threaded.
  raise_fd_limit();
  Result<runtime::ZygoteHandle> zygote = runtime::start_zygote();
  if (!zygote.ok()) {
    std::fprintf(stderr, "lightning: %s\n", zygote.status().message().c_str());
    return 1;
  }

  runtime::AppHostOptions host_options;
  host_options.listen_address.clear();  // chosen below, once the run directory is known
  runtime::ControllerOptions& options = host_options.controller;
  if (const char* env = std::getenv("LIGHTNING_LOG_LEVEL")) options.log_level = env;
  if (const char* env = std::getenv("LIGHTNING_RUN_DIR")) options.run_dir = env;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (!has_value && (a == "--run-dir" || a == "--log-level" || a == "--listen")) {
      std::fprintf(stderr, "%s: %s needs a value\n", argv[0], a.c_str());
      return 2;
    }
    auto value = [&] { return std::string(argv[++i]); };
    if (a == "--") {
      g_app_args.assign(argv + i + 1, argv + argc);
      break;
    } else if (a == "--run-dir") {
      options.run_dir = value();
    } else if (a == "--log-level") {
      options.log_level = value();
    } else if (a == "--listen") {
      host_options.listen_address = value();
    } else if (a == "--quiet-works") {
      options.echo_logs = false;
    } else if (a == "--help" || a == "-h") {
      std::printf(kUsage, argv[0]);
      return 0;
    } else {
      std::fprintf(stderr, "%s: unknown flag '%s'\n", argv[0], a.c_str());
      std::fprintf(stderr, kUsage, argv[0]);
      return 2;
    }
  }
  auto level = spdlog::level::from_str(options.log_level);
  if (level == spdlog::level::off && options.log_level != "off") {
    std::fprintf(stderr, "%s: unknown log level '%s' (use trace, debug, info, warn, error)\n",
                 argv[0], options.log_level.c_str());
    return 2;
  }
  if (options.run_dir.empty()) options.run_dir = default_run_dir();
  std::error_code ec;
  std::filesystem::create_directories(options.run_dir + "/logs", ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot create run directory '%s': %s\n", argv[0],
                 options.run_dir.c_str(), ec.message().c_str());
    return 2;
  }
  options.run_dir = std::filesystem::absolute(options.run_dir).string();
  g_run_dir = options.run_dir;
  if (host_options.listen_address.empty()) {
    // Local works dial a Unix socket in the run directory (a third cheaper to
    // connect to than loopback TCP); an abstract one if the path is too long.
    std::string sock = options.run_dir + "/controller.sock";
    host_options.listen_address =
        sock.size() < 100 ? "unix:" + sock : "unix-abstract:lightning-" + util::random_hex(8);
  }

  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto file =
      std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.run_dir + "/controller.log");
  auto logger =
      std::make_shared<spdlog::logger>("lightning", spdlog::sinks_init_list{console, file});
  logger->set_level(level);
  logger->set_pattern("%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);

  std::unique_ptr<Flow> root;
  try {
    root = make_root();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lightning: could not construct the root flow: %s\n", e.what());
    return 1;
  }

  int code = runtime::AppHost(std::move(host_options), *zygote, std::move(root)).run();
  spdlog::default_logger()->flush();
  return code;
}

}  // namespace lightning
