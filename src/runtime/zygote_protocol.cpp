// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/zygote_protocol.hpp"

#include <sys/socket.h>

#include <cstring>

namespace lightning::runtime {

ssize_t send_datagram(int sock, std::string_view body, const int* fds, size_t nfds, int flags) {
  alignas(cmsghdr) char cbuf[CMSG_SPACE(2 * sizeof(int))];
  std::memset(cbuf, 0, sizeof cbuf);
  iovec iov{const_cast<char*>(body.data()), body.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (nfds > 0) {
    nfds = nfds > 2 ? 2 : nfds;
    msg.msg_control = cbuf;
    msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
  }
  return sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
}

ssize_t recv_datagram(int sock, std::string* body, int fds[2]) {
  fds[0] = fds[1] = -1;
  body->resize(kZygoteMaxMessage);
  alignas(cmsghdr) char cbuf[CMSG_SPACE(2 * sizeof(int))];
  iovec iov{body->data(), body->size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  const ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  body->resize(n > 0 ? static_cast<size_t>(n) : 0);
  if (n <= 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      std::memcpy(fds, CMSG_DATA(c), (count > 2 ? 2 : count) * sizeof(int));
    }
  }
  return n;
}

}  // namespace lightning::runtime
