// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "lightning/component.hpp"

namespace lightning::detail {

/// Applies an RFC 6902 patch whose paths start with "/<field name>" to the
/// fields of `component`, without reporting the changes. All or nothing: on a
/// malformed patch, an unknown field, a removed field or a value of the wrong
/// type nothing is assigned and the error says what was wrong. Returns the
/// names of the fields it assigned.
struct PatchResult {
  bool ok = false;
  std::string error;
  std::vector<StateFieldBase*> changed;
};
PatchResult apply_patch(Component& component, const Json& patch);

/// Parses `text` as JSON and applies it as above.
PatchResult apply_patch_text(Component& component, const std::string& text);

/// Builds one replace op for a top-level field.
Json replace_op(const std::string& field, Json value);

}  // namespace lightning::detail
