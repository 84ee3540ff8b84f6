// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Entry point of every app (LIGHTNING_APP): forks the zygote before anything
// else, parses the command line, then hands over to the composition root
// (AppHost), which runs the controller's loop on the main thread.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <typeinfo>

#include "journal/resume.hpp"
#include "lightning/app.hpp"
#include "rpc/grpc_runtime.hpp"
#include "runtime/app_host.hpp"
#include "runtime/app_options.hpp"
#include "runtime/log_file_sink.hpp"
#include "runtime/resource_budget.hpp"
#include "runtime/run_lock.hpp"
#include "runtime/terminal.hpp"
#include "runtime/works_view.hpp"
#include "runtime/zygote.hpp"
#include "util/ids.hpp"

namespace lightning {
namespace {

std::vector<std::string> g_app_args;
std::string g_run_dir;

// spdlog's console sink, with the live works table (Terminal's footer) erased
// while it writes a line and drawn again below it.
class TerminalConsoleSink final : public spdlog::sinks::sink {
 public:
  TerminalConsoleSink(std::shared_ptr<runtime::Terminal> terminal,
                      std::shared_ptr<spdlog::sinks::sink> inner)
      : terminal_(std::move(terminal)), inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    if (!should_log(msg.level)) return;
    terminal_->write_around([&] {
      inner_->log(msg);
      inner_->flush();
    });
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<runtime::Terminal> terminal_;
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

// Flushes the echoed work output on stdout before each runtime log line on
// stderr: when stdout is a file or a pipe (CI, Slurm output files) it is
// block-buffered, and a work's last lines would otherwise land after the
// controller's line reporting that work's failure. A first sink of the
// logger; writes nothing itself.
class FlushStdoutFirstSink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& /*msg*/) override { std::fflush(stdout); }
  void flush() override { std::fflush(stdout); }
  void set_pattern(const std::string& /*pattern*/) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter> /*formatter*/) override {}
};

/// How long a resumed run waits for the previous run's work forkers to end
/// on their own before it kills them (a forker kills its works and exits at
/// once when its controller dies).
constexpr std::chrono::milliseconds kPreviousRunGrace{5000};

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
  rpc::tune_grpc_runtime();  // inherited by the work forker and the works
  // A replacement work forker started by spawn_zygote() becomes one here,
  // before anything else happens in this process.
  runtime::run_as_zygote_if_asked();
  // Fork the zygote first: the process must still be single-threaded. It
  // inherits the raised limit.
  const std::string fd_limit_note = runtime::SystemResources::raise_descriptor_limit();
  Result<runtime::ZygoteHandle> zygote = runtime::start_zygote();
  if (!zygote.ok()) {
    std::fprintf(stderr, "lightning: %s\n", zygote.status().message().c_str());
    return 1;
  }

  // A write to a socket or pipe whose reader is gone must fail with EPIPE,
  // not end the app (and its works' grace) with SIGPIPE, as in any server. The
  // zygote and the works ignore it too (zygote.cpp). Seen once in CI under
  // ASan: an app stopped by SIGTERM to its process group died of SIGPIPE
  // between its works' stop and state.json.
  std::signal(SIGPIPE, SIG_IGN);
  Result<runtime::AppCommandLine> command_line = runtime::parse_app_command_line(argc, argv);
  if (!command_line.ok()) {
    std::fprintf(stderr, "%s: %s\n%s", argv[0], command_line.status().message().c_str(),
                 runtime::app_usage(argv[0]).c_str());
    return 2;
  }
  if (command_line->help) {
    std::fputs(runtime::app_usage(argv[0]).c_str(), stdout);
    return 0;
  }
  runtime::AppHostOptions host_options;
  host_options.listen_address = command_line->listen_address;  // empty: chosen below
  host_options.shared_dir = command_line->shared_dir;
  if (command_line->no_http) {
    host_options.http.reset();
  } else {
    host_options.http->host = command_line->http_host;
    host_options.http->port = static_cast<uint16_t>(command_line->http_port);
  }
  host_options.journal = !command_line->no_journal;
  host_options.cluster.workers =
      command_line->cluster == "workers" || command_line->cluster == "slurm";
  if (command_line->cluster == "slurm") host_options.cluster.slurm = command_line->slurm;
  host_options.cluster.local_worker = command_line->local_worker;
  host_options.cluster.worker_token_file = command_line->worker_token_file;
  host_options.cluster.advertise_address = command_line->advertise_address;
  // Absolute: the Slurm job script hands the same paths to the workers.
  const auto absolute = [](const std::string& path) {
    std::error_code ec;
    return path.empty() ? path : std::filesystem::absolute(path, ec).string();
  };
  host_options.cluster.tls = {absolute(command_line->tls_cert), absolute(command_line->tls_key),
                              absolute(command_line->tls_ca)};
  host_options.cluster.heartbeat_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(command_line->worker_heartbeat_timeout_s * 1000));
  runtime::ControllerOptions& options = host_options.controller;
  options.run_dir = command_line->run_dir;
  if (!command_line->log_level.empty()) options.log_level = command_line->log_level;
  options.echo_logs = !command_line->quiet_works;
  const char* term = std::getenv("TERM");
  host_options.works_display = runtime::choose_works_display(
      command_line->quiet, ::isatty(STDOUT_FILENO) == 1, term == nullptr ? "" : term);
  if (host_options.works_display == runtime::WorksDisplay::kTable) {
    // The table's terminal is a copy of fd 1; fd 1 itself becomes a pipe that
    // the Terminal relays, so a flow's own prints also land above the table.
    std::FILE* tty = ::fdopen(::dup(STDOUT_FILENO), "w");
    if (tty == nullptr) {
      host_options.works_display = runtime::WorksDisplay::kLines;
    } else {
      options.terminal = std::make_shared<runtime::Terminal>(true, tty, stderr);
      if (!options.terminal->capture_stdout().ok()) {
        // No relay: the flow's prints could land under the table, so no table.
        options.terminal = std::make_shared<runtime::Terminal>(false);
        host_options.works_display = runtime::WorksDisplay::kLines;
      }
    }
  }
  if (!options.terminal) options.terminal = std::make_shared<runtime::Terminal>(false);
  options.idle_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(std::ceil(command_line->idle_timeout_s * 1000)));
  if (command_line->start_timeout) options.start_timeout = *command_line->start_timeout;
  g_app_args = command_line->app_args;
  const auto level = spdlog::level::from_str(options.log_level);
  if (options.run_dir.empty()) options.run_dir = default_run_dir();
  if (!command_line->resume.empty() && !std::filesystem::is_directory(options.run_dir)) {
    std::fprintf(stderr, "%s: nothing to resume: there is no run directory '%s'\n", argv[0],
                 options.run_dir.c_str());
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.run_dir + "/logs", ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot create run directory '%s': %s\n", argv[0],
                 options.run_dir.c_str(), ec.message().c_str());
    return 2;
  }
  options.run_dir = std::filesystem::absolute(options.run_dir).string();
  g_run_dir = options.run_dir;

  // One app per run directory, and no process of a previous run in it still
  // running: its forkers (and so its works) are gone before this run starts
  // any (a resumed run would otherwise run a call beside the old one).
  Result<std::unique_ptr<runtime::RunLock>> run_lock = runtime::RunLock::acquire(options.run_dir);
  if (!run_lock.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], run_lock.status().message().c_str());
    return 2;
  }
  host_options.run_lock = std::move(*run_lock);
  host_options.run_lock->record("forker", zygote->pid);
  if (const Status gone = host_options.run_lock->wait_for_previous(kPreviousRunGrace); !gone.ok()) {
    std::fprintf(stderr, "%s: cannot start in %s: %s\n", argv[0], options.run_dir.c_str(),
                 gone.message().c_str());
    return 1;
  }
  if (!command_line->resume.empty()) {
    journal::ResumeRequest request;
    request.run_dir = options.run_dir;
    request.app_args = command_line->app_args;
    request.anyway = command_line->resume_anyway;
    Result<journal::ResumePlan> plan = journal::prepare_resume(request);
    if (!plan.ok()) {
      std::fprintf(stderr, "%s: cannot resume: %s\n", argv[0], plan.status().message().c_str());
      return 2;
    }
    g_app_args = plan->app_args;
    host_options.resume = std::make_shared<journal::ResumePlan>(std::move(*plan));
  }
  if (host_options.listen_address.empty() && host_options.cluster.workers) {
    // Workers on other machines, and the works they start, dial it.
    host_options.listen_address = "0.0.0.0:0";
  }
  if (host_options.listen_address.empty()) {
    // Local works dial a Unix socket in the run directory (a third cheaper to
    // connect to than loopback TCP); an abstract one if the path is too long.
    std::string sock = options.run_dir + "/controller.sock";
    host_options.listen_address =
        sock.size() < 100 ? "unix:" + sock : "unix-abstract:lightning-" + util::random_hex(8);
  }

  std::shared_ptr<spdlog::sinks::sink> console =
      std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (options.terminal->footer_allowed()) {
    console = std::make_shared<TerminalConsoleSink>(options.terminal, console);
  }
  // controller.log on a full disk: one clear warning on the console, and the
  // gap marked in the file once it can be written again.
  const std::string log_path = options.run_dir + "/controller.log";
  auto file = std::make_shared<runtime::ReportingFileSink>(
      std::make_shared<spdlog::sinks::basic_file_sink_st>(log_path), console, log_path);
  auto logger = std::make_shared<spdlog::logger>(
      "lightning",
      spdlog::sinks_init_list{std::make_shared<FlushStdoutFirstSink>(), console, file});
  logger->set_level(level);
  // controller.log is read while the app runs (tail -f, a drill, the HTTP
  // API's readers): info and above reach the file at once, debug lines batch.
  logger->flush_on(spdlog::level::info);
  logger->set_pattern("%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::debug("{}", fd_limit_note);

  std::unique_ptr<Flow> root;
  try {
    root = make_root();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lightning: could not construct the root flow: %s\n", e.what());
    return 1;
  }
  if (root == nullptr) {
    std::fprintf(stderr, "lightning: the root factory given to run_app() returned no flow\n");
    return 1;
  }

  int code = runtime::AppHost(std::move(host_options), *zygote, std::move(root)).run();
  spdlog::default_logger()->flush();
  return code;
}

}  // namespace lightning
