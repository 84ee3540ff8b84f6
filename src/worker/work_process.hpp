// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lightning/v1/launch.pb.h"

namespace lightning::worker {

/// Process exit codes of a work process that did not get to run its calls.
inline constexpr int kExitUnknownType = 3;
inline constexpr int kExitRejected = 4;

/// Body of a work process: constructs the work of `request.work_type()`,
/// connects to `request.controller_address()`, says Hello with the request's
/// identity and credentials, and serves calls until the stream ends or the
/// process is asked to stop (StopFlag::of_process(): a StopRequest, or a
/// signal from outside), after its current call. Returns the process's exit
/// code: 0 when the stream ended normally or after a stop.
/// Threads: the caller's thread runs Work::run; one thread reads the stream,
/// one writes it (coalescing state changes that pile up while it writes).
int run_work_process(const v1::LaunchWorkRequest& request);

}  // namespace lightning::worker
