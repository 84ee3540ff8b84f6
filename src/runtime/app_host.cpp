// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/app_host.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/json_io.hpp"
#include "http/http_api_service.hpp"
#include "storage/object_service.hpp"
#include "storage/storage_context.hpp"
#include "util/atomic_file.hpp"
#include "util/signal_name.hpp"

namespace lightning::runtime {

namespace {
using util::signal_name;
}  // namespace

AppHost::AppHost(AppHostOptions options, ZygoteHandle zygote, std::unique_ptr<Flow> root)
    : options_(std::move(options)),
      launcher_(loop_, zygote, spawn_zygote),
      root_(std::move(root)) {}

AppHost::~AppHost() {
  http_.reset();
  works_view_.reset();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
}

int AppHost::run() {
  // Paths, Drives and Payloads (docs/design/storage.md): the works learn the
  // shared dir from <run dir>/storage.json; flows get a storage context too.
  const std::string& run_dir = options_.controller.run_dir;
  if (Status st = storage::init_controller(run_dir, options_.shared_dir); !st.ok()) {
    spdlog::error("cannot set up storage: {}", st.message());
    return 1;
  }
  objects_ = std::make_unique<storage::ObjectStoreService>(
      storage::ContentStore(std::filesystem::path(run_dir) / "artifacts"));
  std::string address, why;
  server_ = rpc::start_server(service_, options_.listen_address, &address, &why, {objects_.get()});
  if (!server_) {
    spdlog::error("cannot start the controller's gRPC server: {}", why);
    return 1;
  }
  ControllerOptions controller_options = options_.controller;
  controller_options.work_address = address;
  controller_ = std::make_unique<Controller>(loop_, std::move(controller_options), std::move(root_),
                                             launcher_, &budget_);
  objects_->set_credentials(controller_->run_id(), controller_->token());
  spdlog::debug("controller listening on {} (run {})", address, controller_->run_id());

  // The HTTP API, on this loop: its handlers read the controller directly.
  if (!start_http()) return 1;

  // Next subsystems attach here, all on this loop:
  //  - more of the HTTP API and the dashboard (issue 9): /metrics from loop_.post_stats();
  //  - the journal (issue 10): a StateObserver of the controller, and the
  //    CallTables' save()/restore() on resume;
  //  - the cluster scheduler (issue 11): a WorkLauncherInterface in place of
  //    launcher_ that places works on remote lightning-workers.

  Terminal* terminal = options_.controller.terminal.get();
  if (options_.works_display != WorksDisplay::kOff && terminal != nullptr) {
    works_view_ = std::make_unique<WorksView>(options_.works_display, controller_->root(), clock_,
                                              *terminal, system_unix_now_us);
    controller_->add_observer(works_view_.get());
  }

  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) on_signal(sig);
  });
  controller_->start();
  if (works_view_) works_view_->start();
  io_.run();
  if (terminal != nullptr) terminal->stop_capture();  // the flows' last prints, above it
  if (works_view_) works_view_->finish();             // the last table stays above what follows

  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
  write_state_file();
  const int code = controller_->exit_code();
  std::fflush(stdout);  // the works' echoed lines first (see app_main.cpp)
  if (controller_->failed()) {
    std::fprintf(stderr, "lightning: app failed: %s\n", controller_->final_message().c_str());
  } else if (!controller_->final_message().empty()) {
    // Also a stop by a signal: the user asked for it, nothing failed.
    spdlog::info("app stopped: {}", controller_->final_message());
  }
  return code;
}

bool AppHost::start_http() {
  if (!options_.http) return true;
  http_ = std::make_unique<http::HttpApiService>(io_, *controller_, *options_.http);
  const Status st = http_->start(options_.controller.run_dir);
  if (!st.ok()) {
    spdlog::error("cannot start the HTTP API: {} (or run with --no-http)", st.message());
    http_.reset();
    return false;
  }
  if (http_->server().fell_back()) {
    spdlog::info("port {} is taken (another app?); the HTTP API listens on {} instead",
                 options_.http->port, http_->url());
  }
  spdlog::info("HTTP API at {} (token in {}/api-token)", http_->url(), options_.controller.run_dir);
  return true;
}

void AppHost::write_state_file() {
  // A full disk leaves the previous file (or none) and a warning, never a
  // truncated one.
  const std::string path = options_.controller.run_dir + "/state.json";
  const Status st =
      util::write_file_atomically(path, detail::dump_json(controller_->final_record(), 2) + "\n");
  if (!st.ok()) {
    std::fprintf(stderr, "lightning: warning: %s; the final state is not saved\n",
                 st.message().c_str());
  }
}

void AppHost::on_signal(int sig) {
  const auto now = clock_.now();
  if (!first_signal_at_) {
    first_signal_at_ = now;
    controller_->post_stop(
        sig == SIGINT ? "interrupted by SIGINT (Ctrl-C)" : "stopped by " + signal_name(sig),
        128 + sig);
  } else if (now - *first_signal_at_ >= kRepeatedSignalWindow) {
    // A second signal kills the works at once. One sent together with the
    // first is the same request: `timeout` signals the app's pid and then its
    // process group, so the app may get the same SIGTERM twice.
    controller_->post_kill_now();
  }
  signals_.async_wait([this](const boost::system::error_code& ec, int next) {
    if (!ec) on_signal(next);
  });
}

void AppHost::on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                                 v1::WorkerMessage& msg) {
  controller_->on_session_message(session, msg);
}

void AppHost::on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) {
  controller_->on_session_closed(session);
}

}  // namespace lightning::runtime
