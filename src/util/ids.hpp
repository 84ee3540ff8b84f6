// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace lightning::util {

/// `bytes` random bytes from the kernel (getrandom), hex-encoded.
std::string random_hex(size_t bytes);
/// Unix time in microseconds.
int64_t now_unix_us();
/// Constant-time comparison, for tokens.
bool equal_secret(const std::string& a, const std::string& b);

}  // namespace lightning::util
