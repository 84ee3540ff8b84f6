// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The package layer's internal helpers for reading outside text: quoting it in
// messages, trimming, and parsing a JSON document under the layer's limits.
// Not installed; used by semver.cpp, manifest.cpp and lockfile.cpp.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace lightning::package::detail {

/// Manifests and lock files larger than this (bytes) are refused.
inline constexpr std::size_t kMaxDocumentBytes = std::size_t{1} << 20;
/// JSON nesting deeper than this is refused (no format here needs more than 4).
inline constexpr int kMaxJsonDepth = 32;

/// `text` with printable ASCII kept and other bytes as \xNN, cut after
/// `max_shown` bytes with "...": safe to print on one line.
std::string printable(std::string_view text, std::size_t max_shown);

/// `text` between single quotes for an error message: printable ASCII kept,
/// other bytes as \xNN, cut after 80 bytes with "...".
std::string in_quotes(std::string_view text);

bool is_blank(char c);
std::string_view trim_blanks(std::string_view s);

/// Whether `s` holds a control character (below 0x20, or 0x7f).
bool has_control_char(std::string_view s);

/// Parses `text` as one JSON document for `origin` (a file name or a
/// description; it starts every message). Refuses a document over
/// kMaxDocumentBytes, nesting over kMaxJsonDepth and duplicate object keys
/// (the JSON RFC leaves them undefined; here one would hide a typo). Throws
/// PackageError only.
nlohmann::json parse_json_document(std::string_view text, std::string_view origin);

/// The JSON type of `value` for a message ("a number", "an array", ...).
std::string json_type_name(const nlohmann::json& value);

}  // namespace lightning::package::detail
