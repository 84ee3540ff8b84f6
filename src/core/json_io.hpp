// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "lightning/json.hpp"

namespace lightning::detail {

/// Deepest nesting accepted from outside (a peer's delta, call args, state).
/// nlohmann's copy, patch and dump recurse, so deeper input could overflow
/// the stack of whoever touches it.
inline constexpr int kMaxJsonDepth = 128;

/// Parses JSON from a peer; on malformed or too deeply nested input returns a
/// discarded value and sets `error`.
Json parse_untrusted(const std::string& text, std::string* error);

/// Serialises without throwing: invalid UTF-8 in strings (a work's stderr,
/// bytes a user put in a field) becomes U+FFFD instead of an exception.
std::string dump_json(const Json& value, int indent = -1);

}  // namespace lightning::detail
