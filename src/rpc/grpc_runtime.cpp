// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "rpc/grpc_runtime.hpp"

#include <absl/synchronization/mutex.h>

#include <cstdlib>

namespace lightning::rpc {

void tune_grpc_runtime() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): called before any thread starts
  ::setenv("GRPC_DNS_RESOLVER", "native", /*overwrite=*/0);
}

}  // namespace lightning::rpc
