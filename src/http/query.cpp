// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/query.hpp"

namespace lightning::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("a '%' in the target is not followed by two hex digits");
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return InvalidArgument("the target has a NUL byte");
    out += c;
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view target) {
  std::map<std::string, std::string> params;
  const size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return params;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    const size_t eq = pair.find('=');
    std::string name(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    for (std::string* part : {&name, &value}) {
      for (char& c : *part) c = c == '+' ? ' ' : c;
    }
    Result<std::string> decoded_name = percent_decode(name);
    if (!decoded_name.ok()) return decoded_name.status();
    Result<std::string> decoded_value = percent_decode(value);
    if (!decoded_value.ok()) return decoded_value.status();
    if (decoded_name->empty()) return InvalidArgument("the query has a parameter with no name");
    if (params.size() == kMaxQueryParams) {
      return InvalidArgument("the query has more than " + std::to_string(kMaxQueryParams) +
                             " parameters");
    }
    if (!params.emplace(std::move(*decoded_name), std::move(*decoded_value)).second) {
      return InvalidArgument("the query names a parameter twice");
    }
  }
  return params;
}

}  // namespace lightning::http
