// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>

namespace lightning {

/// For a work whose run() does not return for a long time (a model server):
/// applies the changes the flow (or `POST /api/v1/state`) made to this work's
/// State fields since run() began or since the last call, waiting up to
/// `timeout` for one when none has arrived. Returns how many patches were
/// applied (0 when the timeout passed, when the work was asked to stop, or
/// outside a work's process).
///
/// Between calls the runtime applies such changes itself, so a run() that
/// returns never needs this. Call it only from the thread that runs run():
/// State fields are not thread-safe, and this writes them. It returns early
/// (0) when a stop request or any other message arrives, so a serving loop
/// that waits here notices lightning::stop_requested() at once.
///
///   while (!lightning::stop_requested()) {
///     if (lightning::receive_state_changes(std::chrono::milliseconds(100)) > 0 &&
///         model.get() != serving) reload(model.get());
///   }
size_t receive_state_changes(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

}  // namespace lightning
