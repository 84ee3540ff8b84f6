// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the work process calls after a successful run() (src/worker/work_process.cpp).
#pragma once

#include <string>

#include "lightning/json.hpp"
#include "storage/storage_context.hpp"

namespace lightning::storage {

/// Commits the Paths this work made inside a field's value (tree.hpp,
/// commit_paths_in) and returns whether the value changed (manifests added).
/// Does nothing when the process has no storage context. Throws
/// lightning::StorageError naming the field and the cause.
bool commit_paths_of_field(const std::string& field, Json& value);

}  // namespace lightning::storage
