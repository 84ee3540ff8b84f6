// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

namespace lightning::rpc {

/// Version of the lightning.v1 Connect protocol both ends speak (Hello.protocol_version).
inline constexpr uint32_t kProtocolVersion = 1;

}  // namespace lightning::rpc
