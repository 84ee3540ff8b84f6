// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The controller <-> lightning-worker protocol (proto/lightning/v1/cluster.proto):
// shared by the controller's WorkerPool service (src/cluster/) and the worker
// (src/node/).
#pragma once

#include <cstdint>

namespace lightning::rpc {

/// RegisterWorker.protocol_version. Bump it on a change of cluster.proto's
/// meaning that an older peer would misread; the controller refuses another
/// version with FAILED_PRECONDITION.
inline constexpr uint32_t kClusterProtocolVersion = 1;

}  // namespace lightning::rpc
