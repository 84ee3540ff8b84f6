// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: the load balancer's readers of outside input
// (components/autoscale/): a client's headers through remove_hop_by_hop (the
// `Connection` field's token list is parsed there), the same bytes as a
// replica URL through parse_http_url, and as JSON through
// LoadBalancerOptions::from_json.
//
// Invariants: after remove_hop_by_hop no hop-by-hop field and no field that a
// Connection field named is left, and every other field is; parse_http_url
// gives a non-empty host and a port 1..65535, or nothing and a reason;
// from_json throws std::invalid_argument or gives options that read back to
// themselves.
#include <boost/beast/http/fields.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "lightning/components/load_balancer.hpp"
#include "load_balancer.hpp"

namespace {

namespace bhttp = boost::beast::http;
namespace lb = lightning::components::lb;
using lightning::Json;
using lightning::components::LoadBalancerOptions;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= 32 || c >= 127 ||
        std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

void check_headers(std::string_view bytes) {
  // "Name: value" lines; names that are not tokens are skipped (Beast's parser refuses them).
  bhttp::fields fields;
  std::vector<std::pair<std::string, std::string>> added;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) nl = bytes.size();
    const std::string_view line = bytes.substr(start, nl - start);
    start = nl + 1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (!is_token(name) || value.find_first_of("\r\n") != std::string::npos) continue;
    fields.insert(name, value);
    added.emplace_back(name, value);
  }
  std::set<std::string> hop{"connection", "proxy-connection",  "keep-alive", "te",
                            "trailer",    "transfer-encoding", "upgrade"};
  for (const auto& [name, value] : added) {
    if (lower(name) != "connection") continue;
    size_t s = 0;
    while (s <= value.size()) {
      const size_t comma = value.find(',', s);
      const std::string token = trim(std::string_view(value).substr(
          s, comma == std::string::npos ? std::string::npos : comma - s));
      if (!token.empty()) hop.insert(lower(token));
      if (comma == std::string::npos) break;
      s = comma + 1;
    }
  }
  lb::remove_hop_by_hop(fields);
  size_t expected = 0;
  for (const auto& [name, value] : added) expected += hop.count(lower(name)) == 0;
  size_t left = 0;
  for (const auto& field : fields) {
    const std::string name(field.name_string());
    LIGHTNING_FUZZ_CHECK(hop.count(lower(name)) == 0, "hop-by-hop field left: " + name);
    ++left;
  }
  LIGHTNING_FUZZ_CHECK(left == expected, "fields lost: " + std::to_string(left) + " of " +
                                             std::to_string(expected) + " left");
}

void check_url(const std::string& text) {
  std::string error;
  const auto hp = lb::parse_http_url(text, &error);
  if (hp) {
    LIGHTNING_FUZZ_CHECK(!hp->host.empty() && hp->port > 0, "accepted a bad URL: " + text);
  } else {
    LIGHTNING_FUZZ_CHECK(!error.empty(), "refused a URL without a reason: " + text);
  }
}

void check_options(const std::string& text) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return;
  try {
    const LoadBalancerOptions o = LoadBalancerOptions::from_json(j);
    const Json again = LoadBalancerOptions::from_json(o.to_json()).to_json();
    LIGHTNING_FUZZ_CHECK(again == o.to_json(), "options do not read back: " + again.dump());
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check_headers(bytes);
  check_url(bytes);
  check_options(bytes);
  return 0;
}
