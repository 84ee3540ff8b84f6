// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace lightning::util {

/// `bytes` random bytes from the kernel (getrandom), hex-encoded.
std::string random_hex(size_t bytes);
/// Unix time in microseconds.
int64_t now_unix_us();
/// Equal bytes, compared in constant time (OpenSSL CRYPTO_memcmp), for
/// tokens: the time taken says nothing about where they differ.
bool equal_secret(const std::string& a, const std::string& b);

}  // namespace lightning::util
