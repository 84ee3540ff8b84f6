// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Percent-decoding (RFC 3986) and the query string of a request target
// (application/x-www-form-urlencoded pairs, as the WHATWG URL standard splits
// them). Input from the network: every malformed piece is an error, never a crash.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace lightning::http {

/// `s` with each %XX replaced by its byte; an error for a '%' not followed by
/// two hex digits or for a NUL byte (decoded or not).
Result<std::string> percent_decode(std::string_view s);

/// The parameters of `target`'s query ("/x?tail=5&follow=1" → {tail: "5",
/// follow: "1"}), names and values percent-decoded, '+' read as a space; a
/// name without '=' has the value "". Nothing after a '#'. Errors
/// (kInvalidArgument): a bad escape, an empty or repeated name, more than
/// kMaxQueryParams parameters.
static constexpr size_t kMaxQueryParams = 32;
Result<std::map<std::string, std::string>> parse_query(std::string_view target);

}  // namespace lightning::http
