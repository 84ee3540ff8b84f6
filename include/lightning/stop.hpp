// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

namespace lightning {

/// True once the work process this runs in has been asked to stop: the flow
/// called Work::stop(), the call ran past its timeout, the app is shutting
/// down (stop(), fail(), SIGINT or SIGTERM to the app), or the process got a
/// SIGTERM or SIGINT from outside (`kill`, systemd, Slurm).
///
/// Cheap (two atomic loads), thread-safe, and callable from any thread of the
/// work process, your own threads included. Check it in your loops, save what
/// you need, and return from run(): the call ends as `stopped` (or, for a
/// signal from outside, `failed` with reason `signal`), and the process exits
/// at once, without waiting for the grace period. Once true it stays true:
/// a process that was asked to stop runs no further call (the next call gets a
/// new process, where it is false again). In the controller (in a flow) it is
/// always false.
///
/// Signals: once a work has called stop_requested() (or when it calls it during
/// a call), a SIGTERM or SIGINT that arrives during a call only sets this flag.
/// Until then, and between calls, they end the process at once, as for any
/// program. A second SIGTERM/SIGINT from outside, or the SIGKILL at the end of
/// the work's grace_period (WorkOptions, default 3 s), still ends it. A handler
/// you install yourself is left alone.
///
///   void run(const lightning::Json& args) override {
///     for (int epoch = start; epoch < args.at("epochs").get<int>(); ++epoch) {
///       if (lightning::stop_requested()) {
///         save_checkpoint(epoch);  // must fit in the grace period
///         return;
///       }
///       train_one_epoch();
///     }
///   }
bool stop_requested() noexcept;

}  // namespace lightning
