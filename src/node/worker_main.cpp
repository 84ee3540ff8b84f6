// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-worker: a node's agent for a Lightning app run on a cluster
// (docs/cli.md, docs/design/worker-node.md).
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "node/gpu_detect.hpp"
#include "node/worker_agent.hpp"
#include "node/worker_options.hpp"
#include "rpc/grpc_runtime.hpp"
#include "runtime/resource_budget.hpp"
#include "scheduler/local_resources.hpp"
#include "util/event_loop.hpp"

namespace {

std::optional<std::string> env_lookup(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded here
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lightning;  // NOLINT(google-build-using-namespace)
  // A write to a socket or pipe whose reader is gone fails with EPIPE (as in the app).
  std::signal(SIGPIPE, SIG_IGN);
  rpc::tune_grpc_runtime();
  Result<node::WorkerCommandLine> cmd = node::parse_worker_command_line(argc, argv);
  if (!cmd.ok()) {
    std::fprintf(stderr, "lightning-worker: %s\n%s", cmd.status().message().c_str(),
                 node::worker_usage(argv[0]).c_str());
    return node::kExitFailed;
  }
  if (cmd->help) {
    std::fputs(node::worker_usage(argv[0]).c_str(), stdout);
    return node::kExitOk;
  }
  Result<std::string> token = node::read_token_file(cmd->token_file);
  if (!token.ok()) {
    std::fprintf(stderr, "lightning-worker: %s\n", token.status().message().c_str());
    return node::kExitFailed;
  }
  // The TLS files are checked here, before anything dials: a missing,
  // unreadable or non-PEM file, or a key that others may read or that does
  // not match the certificate, is an error naming the flag and the file.
  Result<rpc::ClientTls> tls = node::worker_tls(*cmd);
  if (!tls.ok()) {
    std::fprintf(stderr, "lightning-worker: %s\n", tls.status().message().c_str());
    return node::kExitFailed;
  }
  node::GpuDetection gpus;
  if (cmd->gpus) {
    Result<node::GpuDetection> flagged = node::gpus_from_flag(*cmd->gpus);
    if (!flagged.ok()) {
      std::fprintf(stderr, "lightning-worker: %s\n", flagged.status().message().c_str());
      return node::kExitFailed;
    }
    gpus = *flagged;
  } else {
    gpus = node::detect_gpus();
  }
  // Each work costs this process its pipes' read ends: the open-files limit
  // (raised to the hard limit here) bounds --max-processes' default.
  const std::string fd_limit_note = runtime::SystemResources::raise_descriptor_limit();
  Result<node::WorkerAgentOptions> options = node::resolve_worker_options(
      *cmd, env_lookup, scheduler::detect_local_resources(), gpus, host_name());
  if (!options.ok()) {
    std::fprintf(stderr, "lightning-worker: %s\n", options.status().message().c_str());
    return node::kExitFailed;
  }
  options->token = *token;
  options->tls = std::move(*tls);

  auto logger = spdlog::stderr_logger_mt("lightning-worker");
  spdlog::set_default_logger(logger);
  const auto log_as = [](const std::string& id) {
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e lightning-worker[" + id + "] %l: %v");
  };
  log_as(options->name);
  // Registered under another id (a second worker of this name): its lines say so.
  options->on_renamed = log_as;
  spdlog::set_level(spdlog::level::from_str(cmd->log_level));
  spdlog::info("GPUs: {}", gpus.note);
  spdlog::debug("{}; at most {} work processes at once ({})", fd_limit_note,
                options->registration.resources().max_processes(),
                options->registration.detected_by().at("max_processes"));

  boost::asio::io_context io;
  util::AsioClock clock(io);
  util::EventLoop loop(io, clock);
  int code = node::kExitFailed;
  {
    node::WorkerAgent agent(loop, std::move(*options));
    code = agent.run();
  }
  spdlog::shutdown();
  return code;
}
