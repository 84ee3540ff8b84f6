// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "lightning/flow.hpp"
#include "util/status.hpp"

namespace lightning::runtime {

/// A field an app patch assigned.
struct FieldChange {
  Component* owner;
  StateFieldBase* field;
};

/// Applies an RFC 6902 patch addressed like Flow::snapshot() of `root`
/// ("/vars/n", "/flows/child/works/w/vars/x/0") to the state fields of the
/// tree, without reporting the changes (the caller does). All or nothing
/// across components: if any operation fails, every field is left as it was.
/// Only fields under ".../vars/" can be changed; "from" (move, copy) must name
/// the same component as "path". Called on the controller's loop thread.
Result<std::vector<FieldChange>> apply_app_patch(Flow& root, const Json& patch);

}  // namespace lightning::runtime
