// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Who is at the other end of an HTTP connection, as far as the API's access
// rules care: on loopback, whether the client process runs as this user
// (docs/design/http.md, "Other users of this machine").
#pragma once

#include <sys/types.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lightning::http {

/// The client of the request being handled.
struct Peer {
  /// A loopback connection whose client socket belongs to this process's
  /// user (getuid()): it may read without the token and get the dashboard
  /// with the token in it. False for anything else, also when the owner
  /// cannot be found.
  bool same_user = false;
};

/// The peer of the request the current thread is handling (HttpServer sets
/// it around each call of its handler, PeerScope); a default Peer (not the
/// same user) outside of one.
const Peer& current_peer();

/// Sets current_peer() for this thread while it lives.
class PeerScope {
 public:
  explicit PeerScope(Peer peer);
  ~PeerScope();
  PeerScope(const PeerScope&) = delete;
  PeerScope& operator=(const PeerScope&) = delete;

 private:
  Peer previous_;
};

/// Whether the TCP connection from `client` to `server` (this process's
/// end) comes from a socket owned by `uid` on this machine: looked up in
/// /proc/net/tcp or /proc/net/tcp6 (the client socket's entry, whose local
/// address is `client` and remote `server`). False unless `client` is a
/// loopback address, or when no entry matches.
bool loopback_client_is_user(const boost::asio::ip::tcp::endpoint& client,
                             const boost::asio::ip::tcp::endpoint& server, uid_t uid);

/// An endpoint as /proc/net/tcp{,6} writes it: the address's 32-bit words in
/// the kernel's (little-endian) byte order as upper-case hex, ':', the port
/// as 4 hex digits ("0100007F:1F91" for 127.0.0.1:8081).
std::string proc_net_endpoint(const boost::asio::ip::tcp::endpoint& endpoint);

/// The uid column of the row of a /proc/net/tcp{,6} `table` whose local and
/// remote addresses are `local` and `remote` (proc_net_endpoint's form), or
/// nullopt when there is none or the row is malformed.
std::optional<uint32_t> socket_uid_in(std::string_view table, std::string_view local,
                                      std::string_view remote);

}  // namespace lightning::http
