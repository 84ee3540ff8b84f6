// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "rpc/grpc_runtime.hpp"

#include <absl/synchronization/mutex.h>

namespace lightning::rpc {

void tune_grpc_runtime() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace lightning::rpc
