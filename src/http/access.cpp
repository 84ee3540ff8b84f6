// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/access.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/field.hpp>
#include <cctype>

#include "util/ids.hpp"

namespace lightning::http {

namespace beast_http = boost::beast::http;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// The host part of a Host header ("127.0.0.1:7501", "[::1]:80", "localhost").
std::string host_of(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t end = host.find(']');
    return std::string(host.substr(1, end == std::string_view::npos ? host.size() : end - 1));
  }
  const size_t colon = host.rfind(':');
  return std::string(colon == std::string_view::npos ? host : host.substr(0, colon));
}

bool is_loopback_host(const std::string& host) {
  if (iequals(host, "localhost")) return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

bool has_token(const Request& request, const std::string& token) {
  const auto it = request.find(beast_http::field::authorization);
  if (it == request.end()) return false;
  const std::string_view value(it->value().data(), it->value().size());
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !iequals(value.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  return !token.empty() && util::equal_secret(std::string(value.substr(kScheme.size())), token);
}

}  // namespace

bool is_loopback_request(const Request& request, const AccessPolicy& policy, const Peer& peer) {
  if (!policy.loopback || !peer.same_user) return false;
  const auto host = request.find(beast_http::field::host);
  return host != request.end() &&
         is_loopback_host(host_of({host->value().data(), host->value().size()}));
}

std::optional<Response> check_access(const Request& request, const AccessPolicy& policy,
                                     const Peer& peer) {
  const unsigned version = request.version();
  if (policy.loopback) {
    const auto host = request.find(beast_http::field::host);
    if (host != request.end() &&
        !is_loopback_host(host_of({host->value().data(), host->value().size()}))) {
      return error_response(403,
                            "this API listens on loopback only; use a loopback Host "
                            "(127.0.0.1, localhost)",
                            version, request.keep_alive());
    }
  }
  const bool is_read = request.method() == beast_http::verb::get;
  if (is_read && policy.loopback && peer.same_user) return std::nullopt;
  if (has_token(request, policy.token)) return std::nullopt;
  const std::string send =
      "'Authorization: Bearer <token>' (the token is in " + policy.token_path + ")";
  Response res = error_response(
      401,
      !is_read          ? "a write needs " + send
      : policy.loopback ? "this API lets only the user that started the app read without a "
                          "token; other users of this machine send " +
                              send
                        : "this API listens beyond loopback, so every request needs " + send,
      version, request.keep_alive());
  res.set(beast_http::field::www_authenticate, R"(Bearer realm="lightning")");
  return res;
}

}  // namespace lightning::http
