// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "core/json_io.hpp"

namespace lightning::detail {
namespace {
struct TooDeep {};
}  // namespace

Json parse_untrusted(const std::string& text, std::string* error) {
  try {
    Json::parser_callback_t limit = [](int depth, Json::parse_event_t, Json&) {
      if (depth > kMaxJsonDepth) throw TooDeep{};
      return true;
    };
    Json j = Json::parse(text, limit, /*allow_exceptions=*/false);
    if (j.is_discarded() && error != nullptr) *error = "not valid JSON";
    return j;
  } catch (const TooDeep&) {
    if (error != nullptr) {
      *error = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    }
    return Json(Json::value_t::discarded);
  }
}

std::string dump_json(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace lightning::detail
