// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lightning/flow.hpp"
#include "lightning/status.hpp"
#include "util/status.hpp"

namespace lightning::detail {

/// The inverse of Flow::snapshot(): assigns every state field and every
/// work's status of `flow`'s subtree from `snapshot`, all or nothing.
///
/// The whole tree is checked before anything is assigned: `snapshot` must
/// have exactly the shape snapshot() writes for this tree (the same flows,
/// works with the same types, every field and no unknown one), each value
/// must fit its field (the field's own check_json) and each status must be a
/// status. On any error nothing changes and the InvalidArgument status names
/// the JSON pointer of the problem:
///   snapshot of 'root' at /works/w/vars/n: field 'root.w.n' cannot take "x": ...
/// So snapshot() -> load_snapshot() -> snapshot() gives the same JSON.
///
/// Work statuses are restored as data: Work::status() returns what was saved,
/// `pending` and `running` included; no call is queued, re-run or cancelled
/// (calls and their records are the controller's call table's to save and
/// restore; resuming decides what a restored `running` means).
///
/// Nothing is reported to the runtime: the loaded values are not changes the
/// flow made, so they cause no state version, no patch to work processes and
/// no flow run. Load before the controller starts (its first Welcome then
/// carries the loaded state to each work process) and restore the state
/// version with StatePublisher::restore_version().
///
/// Works that a flow creates inside run() are not in a fresh tree: a snapshot
/// that has them is refused ("unknown work") until the loader creates them.
/// Controller loop thread (or before the app starts).
Status load_snapshot(Flow& flow, const Json& snapshot);

/// Parses a status as WorkStatus::to_json() writes it (absent optional keys
/// are empty/unset; unknown keys and wrong types are refused).
Result<WorkStatus> work_status_from_json(const Json& json);

}  // namespace lightning::detail
