// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Process-wide settings of the gRPC runtime, made once at the start of every
// process that speaks gRPC: the app (controller, and through fork its work
// forker and works) and lightning-worker.
#pragma once

namespace lightning::rpc {

/// Turns off Abseil's mutex deadlock detection for this process and the
/// processes it forks. Debian 12 builds Abseil without NDEBUG, so every
/// `absl::Mutex` that gRPC takes also updates a global lock-order graph
/// (`GraphCycles`): 4-5% of the controller's CPU in a 1,000-work fan-out
/// (bench/cluster.sh, perf). Our own locks are std::mutex, checked by TSan
/// in CI instead. Call before any thread starts; safe to call again.
void tune_grpc_runtime();

}  // namespace lightning::rpc
