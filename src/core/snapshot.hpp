// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "lightning/flow.hpp"
#include "lightning/status.hpp"
#include "util/status.hpp"

namespace lightning::detail {

/// A work the journal saw declared (journal::Recovered::works): what
/// load_snapshot() makes a work that a flow created inside run() again from.
struct JournaledWork {
  std::string path;     ///< dotted path, "root.sweep.trial_3"
  std::string type;     ///< registered type name (Work::type_name())
  WorkOptions options;  ///< as given to add_work()
};

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
/// Works that a flow created inside run() are not in a fresh tree: the
/// loader makes them (detail::create_work() of their registered type name)
/// before it checks anything, and takes them out again if the load fails.
/// `journaled` (journal::Recovered::works) lists the works the journal saw
/// created, in creation order, with their type and WorkOptions: a work of the
/// snapshot that `flow`'s tree lacks is made with its entry's options, the
/// missing works of one flow in the order of `journaled`, after the works the
/// flow already has (its members); one that `journaled` lacks (a journal of
/// schema 1) comes after those, in the snapshot's key order (sorted by name),
/// with default options and the snapshot's "type". An entry whose work the
/// snapshot lacks (the run died between the work's creation and the commit of
/// its first state) is made too, with its fields' defaults and a status of
/// not_started. Refused, naming the work's path: a type this binary does not
/// register ("was a work type renamed or removed?"), an entry whose type is
/// not the snapshot's, an entry or a work under a flow the tree does not have
/// (flows cannot be made inside run(): add_flow() throws there).
/// Made works are marked: the first add_work() of their name in run() gives
/// them the code's options (Flow::add_work()).
/// Controller loop thread (or before the app starts).
Status load_snapshot(Flow& flow, const Json& snapshot,
                     const std::vector<JournaledWork>& journaled = {});

/// Parses a status as WorkStatus::to_json() writes it (absent optional keys
/// are empty/unset; unknown keys and wrong types are refused).
Result<WorkStatus> work_status_from_json(const Json& json);

}  // namespace lightning::detail
