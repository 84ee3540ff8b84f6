// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

namespace lightning {

/// The JSON value type used for work arguments and state on the wire.
using Json = nlohmann::json;

}  // namespace lightning
