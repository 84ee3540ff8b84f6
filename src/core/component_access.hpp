// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <utility>

#include "lightning/work.hpp"

namespace lightning {

/// The core's own access to components' internals, for code in src/core that
/// is not a runtime (Component, Flow and Work befriend it). Runtimes use
/// detail::Runtime's protected helpers instead.
struct ComponentAccess {
  static void set_status(Work& work, WorkStatus status) { work.status_ = std::move(status); }
};

}  // namespace lightning
