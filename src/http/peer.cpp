// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Written here: Linux exposes a socket's owner only through /proc/net/tcp
// (what identd and `ss -e` read); no Debian library wraps it.
#include "http/peer.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace lightning::http {
namespace {

thread_local Peer g_peer;

std::string hex_word(const unsigned char* bytes) {
  // One 32-bit word as the kernel prints it: its value in host (little-endian) order.
  char out[9];
  std::snprintf(out, sizeof out, "%02X%02X%02X%02X", bytes[3], bytes[2], bytes[1], bytes[0]);
  return out;
}

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

const Peer& current_peer() { return g_peer; }

PeerScope::PeerScope(Peer peer) : previous_(g_peer) { g_peer = peer; }

PeerScope::~PeerScope() { g_peer = previous_; }

std::string proc_net_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  std::string out;
  const boost::asio::ip::address a = endpoint.address();
  if (a.is_v4()) {
    const auto bytes = a.to_v4().to_bytes();
    out = hex_word(bytes.data());
  } else {
    const auto bytes = a.to_v6().to_bytes();
    for (size_t i = 0; i < bytes.size(); i += 4) out += hex_word(bytes.data() + i);
  }
  char port[6];
  std::snprintf(port, sizeof port, "%04X", static_cast<unsigned>(endpoint.port()));
  return out + ":" + port;
}

std::optional<uint32_t> socket_uid_in(std::string_view table, std::string_view local,
                                      std::string_view remote) {
  size_t start = table.find('\n');  // the header line
  while (start != std::string_view::npos && start < table.size()) {
    const size_t end = table.find('\n', start + 1);
    const std::string_view line =
        table.substr(start + 1, (end == std::string_view::npos ? table.size() : end) - start - 1);
    start = end;
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size() && fields.size() < 8) {
      while (i < line.size() && line[i] == ' ') ++i;
      const size_t j = line.find(' ', i);
      if (i >= line.size()) break;
      fields.push_back(line.substr(i, (j == std::string_view::npos ? line.size() : j) - i));
      i = j == std::string_view::npos ? line.size() : j;
    }
    if (fields.size() < 8 || fields[1] != local || fields[2] != remote) continue;
    uint64_t uid = 0;
    if (fields[7].empty() || fields[7].size() > 10) return std::nullopt;
    for (const char c : fields[7]) {
      if (c < '0' || c > '9') return std::nullopt;
      uid = uid * 10 + static_cast<uint64_t>(c - '0');
    }
    if (uid > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(uid);
  }
  return std::nullopt;
}

bool loopback_client_is_user(const boost::asio::ip::tcp::endpoint& client,
                             const boost::asio::ip::tcp::endpoint& server, uid_t uid) {
  if (!client.address().is_loopback() &&
      !(client.address().is_v6() && client.address().to_v6().is_v4_mapped() &&
        boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, client.address().to_v6())
            .is_loopback())) {
    return false;
  }
  const std::string table = read_all(client.address().is_v4() ? "/proc/net/tcp" : "/proc/net/tcp6");
  const std::optional<uint32_t> owner =
      socket_uid_in(table, proc_net_endpoint(client), proc_net_endpoint(server));
  return owner && *owner == static_cast<uint32_t>(uid);
}

}  // namespace lightning::http
