// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The one header an app includes.
#pragma once

#include "lightning/app.hpp"
#include "lightning/component.hpp"
#include "lightning/compute.hpp"
#include "lightning/drive.hpp"
#include "lightning/flow.hpp"
#include "lightning/json.hpp"
#include "lightning/layout.hpp"
#include "lightning/path.hpp"
#include "lightning/payload.hpp"
#include "lightning/route.hpp"
#include "lightning/state.hpp"
#include "lightning/status.hpp"
#include "lightning/stop.hpp"
#include "lightning/work.hpp"

namespace lightning {
/// Library version, part of lightning-run's cache key.
inline constexpr const char* kVersion = "0.1.0";
}  // namespace lightning
