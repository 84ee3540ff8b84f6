// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// http/peer: who owns the client socket of a loopback connection, from
// /proc/net/tcp; a real loopback connection of this test's own.
#include "http/peer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace lightning::http {
namespace {

using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

TEST(PeerTest, EndpointsAreWrittenAsTheKernelWritesThem) {
  EXPECT_EQ(proc_net_endpoint(tcp::endpoint(make_address("127.0.0.1"), 8081)), "0100007F:1F91");
  EXPECT_EQ(proc_net_endpoint(tcp::endpoint(make_address("10.1.2.3"), 1)), "0302010A:0001");
  EXPECT_EQ(proc_net_endpoint(tcp::endpoint(make_address("::1"), 65535)),
            "00000000000000000000000001000000:FFFF");
}

TEST(PeerTest, TheUidIsTheRowWhoseLocalAndRemoteAddressesMatch) {
  const std::string table =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 0100007F:1D4D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
      "0 21473 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:C350 0100007F:1D4D 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 31337 1 0000000000000000 20 4 30 10 -1\n"
      "   2: 0100007F:1D4D 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        "
      "0 31338 1 0000000000000000 20 4 30 10 -1\n";
  EXPECT_EQ(socket_uid_in(table, "0100007F:C350", "0100007F:1D4D"), 1000u);
  EXPECT_EQ(socket_uid_in(table, "0100007F:1D4D", "0100007F:C350"), 0u);
  EXPECT_FALSE(socket_uid_in(table, "0100007F:C351", "0100007F:1D4D").has_value());
  EXPECT_FALSE(socket_uid_in("", "a", "b").has_value());
  EXPECT_FALSE(socket_uid_in("header\n 0: A B 01 x y z notanumber\n", "A", "B").has_value());
  EXPECT_FALSE(socket_uid_in("header\n 0: A B 01 x y z 99999999999\n", "A", "B").has_value());
  EXPECT_FALSE(socket_uid_in("header\n 0: A B\n", "A", "B").has_value()) << "a short row";
}

TEST(PeerTest, ALoopbackConnectionOfThisProcessIsThisUsersAndNoOtherUid) {
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  const tcp::endpoint from = server.remote_endpoint();
  const tcp::endpoint at = server.local_endpoint();
  EXPECT_TRUE(loopback_client_is_user(from, at, ::getuid()));
  EXPECT_FALSE(loopback_client_is_user(from, at, ::getuid() + 1));
  // Not loopback: never, whatever the tables say.
  EXPECT_FALSE(loopback_client_is_user(tcp::endpoint(make_address("10.0.0.9"), from.port()), at,
                                       ::getuid()));
}

TEST(PeerTest, ThePeerOfTheRequestBeingHandledIsSetForItsScopeOnly) {
  EXPECT_FALSE(current_peer().same_user);
  {
    const PeerScope scope(Peer{true});
    EXPECT_TRUE(current_peer().same_user);
  }
  EXPECT_FALSE(current_peer().same_user);
}

}  // namespace
}  // namespace lightning::http
