// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "package/text_util.hpp"

#include <set>
#include <vector>

#include "package/errors.hpp"

namespace lightning::package::detail {

std::string printable(std::string_view text, std::size_t max_shown) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max_shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (text.size() > max_shown) out += "...";
  return out;
}

std::string in_quotes(std::string_view text) { return "'" + printable(text, 80) + "'"; }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool has_control_char(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

nlohmann::json parse_json_document(std::string_view text, std::string_view origin) {
  const std::string where(origin);
  if (text.size() > kMaxDocumentBytes) {
    throw PackageError(where + ": " + std::to_string(text.size()) +
                       " bytes is too large (at most 1 MiB); is this the right file?");
  }
  // One set of keys per open object (nullptr-free: arrays push an empty set
  // that is never filled), to catch duplicate keys and nesting depth.
  std::vector<std::set<std::string>> open;
  std::string problem;
  const nlohmann::json::parser_callback_t check =
      [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (!problem.empty()) return false;
        if (depth > kMaxJsonDepth) {
          problem = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
          return false;
        }
        switch (event) {
          case E::object_start:
          case E::array_start:
            open.emplace_back();
            break;
          case E::object_end:
          case E::array_end:
            if (!open.empty()) open.pop_back();
            break;
          case E::key:
            if (!open.empty() && parsed.is_string() &&
                !open.back().insert(parsed.get<std::string>()).second) {
              problem = "the key " + in_quotes(parsed.get<std::string>()) +
                        " appears twice in one object";
              return false;
            }
            break;
          case E::value:
            break;
        }
        return true;
      };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/true,
                                /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    std::string what = e.what();
    if (const auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
    throw PackageError(where + ": not valid JSON: " + printable(what, 300));
  }
  if (!problem.empty()) throw PackageError(where + ": " + problem);
  return doc;
}

std::string json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "a number";
    default:
      return "not JSON data";
  }
}

}  // namespace lightning::package::detail
