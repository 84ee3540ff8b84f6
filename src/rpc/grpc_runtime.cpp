// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "rpc/grpc_runtime.hpp"

#include <absl/synchronization/mutex.h>
#include <grpc/support/log.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>

namespace lightning::rpc {
namespace {

// gRPC's own lines ("E1201 04:45:20.275 ssl_transport_security.cc:1501]
// Handshake failed ...") as the process's log lines, in its format and level.
void log_through_spdlog(gpr_log_func_args* args) {
  const char* file = std::strrchr(args->file, '/');
  file = file == nullptr ? args->file : file + 1;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    // A refused TLS handshake is a client's problem (the worker says why);
    // the rest may be ours.
    if (std::strstr(args->message, "Handshake failed") != nullptr) {
      spdlog::info("gRPC: a client's TLS handshake failed ({}:{}: {}); the client's log says why",
                   file, args->line, args->message);
    } else {
      spdlog::warn("gRPC: {} ({}:{})", args->message, file, args->line);
    }
  } else {
    spdlog::debug("gRPC: {} ({}:{})", args->message, file, args->line);
  }
}

}  // namespace

void tune_grpc_runtime() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  gpr_set_log_function(log_through_spdlog);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): called before any thread starts
  ::setenv("GRPC_DNS_RESOLVER", "native", /*overwrite=*/0);
}

}  // namespace lightning::rpc
