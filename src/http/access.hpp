// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "http/http_types.hpp"
#include "http/peer.hpp"

namespace lightning::http {

/// Who may do what (docs/design/http.md, "Security"): the run's bearer token
/// and whether the server listens on loopback only.
struct AccessPolicy {
  std::string token;
  /// Bound to a loopback address: reads need no token, and the Host header
  /// must name this machine (a web page cannot reach the API through a DNS name
  /// it controls: DNS rebinding).
  bool loopback = true;
  /// Where the token is, for the 401's message.
  std::string token_path = "<run dir>/api-token";
};

/// Whether `request` comes to a loopback-only server, names a loopback Host
/// (127.0.0.1, localhost, [::1]) and comes from a process of this user
/// (`peer`): the one case where the dashboard page may carry the token
/// (docs/design/http.md, "The dashboard's token").
bool is_loopback_request(const Request& request, const AccessPolicy& policy, const Peer& peer);

/// Whether `request` may go on: nothing when it may, else the response to send:
///  - 401 (with WWW-Authenticate: Bearer) for a write (any method but GET) without
///    `Authorization: Bearer <token>`, for any request when not on loopback, and
///    for a read from another user of this machine (`peer.same_user` false): on
///    a shared login node every user can reach loopback;
///  - 403 for a loopback server's request whose Host is not a loopback name.
/// Compares the token in constant time (util::equal_secret).
std::optional<Response> check_access(const Request& request, const AccessPolicy& policy,
                                     const Peer& peer);

}  // namespace lightning::http
