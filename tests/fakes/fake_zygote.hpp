// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>

#include "lightning/json.hpp"
#include "runtime/zygote.hpp"
#include "runtime/zygote_protocol.hpp"

namespace lightning::testing {

/// The work forker's end of a ForkLauncher's socketpair, played by the test's
/// own thread: it reads a launch request when the test says so, forks a real
/// child that only sleeps, replies, and reports the child's exit once the test
/// reaps it. So a test decides when each reply arrives, and observes real
/// signals. Single-threaded; the test process must have no other threads when
/// it forks (true of a unit test binary without gRPC).
class FakeZygote {
 public:
  /// What a forked child does with SIGTERM.
  enum class Child { kDiesOnSigterm, kIgnoresSigterm };
  /// The child's first (and only) stdout line, once its signal set-up is done.
  static constexpr const char* kReadyLine = "ready";

  FakeZygote() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
      launcher_end_ = sv[0];
      sock_ = sv[1];
    }
  }
  ~FakeZygote() {
    if (sock_ >= 0) close(sock_);
  }
  FakeZygote(const FakeZygote&) = delete;
  FakeZygote& operator=(const FakeZygote&) = delete;

  /// For the launcher under test, which takes over the socket.
  runtime::ZygoteHandle handle() const { return runtime::ZygoteHandle{-1, launcher_end_}; }

  /// Reads the next launch request (waiting up to 5 s), forks its child and
  /// replies with its pid. Returns the pid, or -1 if no request came.
  pid_t fork_next(Child how) {
    pollfd p{sock_, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return -1;
    std::string buf(runtime::kZygoteMaxMessage, '\0');
    int fds[2] = {-1, -1};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof fds)];
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    const ssize_t n = recvmsg(sock_, &msg, MSG_CMSG_CLOEXEC);
    if (n <= 0) return -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        std::memcpy(fds, CMSG_DATA(c), sizeof fds);
      }
    }
    const uint64_t id = decode_launch(buf.data(), static_cast<size_t>(n));
    const pid_t pid = fork();
    if (pid == 0) {
      // The child: never returns into the test.
      close(sock_);
      if (how == Child::kIgnoresSigterm) signal(SIGTERM, SIG_IGN);
      setpgid(0, 0);
      dup2(fds[0], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      const std::string line = std::string(kReadyLine) + "\n";
      if (write(STDOUT_FILENO, line.data(), line.size()) < 0) _exit(1);
      for (;;) pause();
    }
    if (pid > 0) {
      setpgid(pid, pid);  // as the child does; whichever runs first
      children_.insert(pid);
      send_text(Json{{"id", id}, {"pid", pid}}.dump());
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
    return pid;
  }

  /// Reaps `pid` if it has exited and reports the exit to the launcher.
  std::optional<int> try_reap(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
    children_.erase(pid);
    Json ev{{"exit_pid", pid}};
    if (WIFEXITED(status)) ev["code"] = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) ev["signal"] = WTERMSIG(status);
    send_text(ev.dump());
    return status;
  }

  const std::set<pid_t>& children() const { return children_; }

  /// Kills and reaps every child still alive (test clean-up).
  void reap_all() {
    for (pid_t pid : children_) {
      kill(pid, SIGKILL);
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    children_.clear();
  }

 private:
  static uint64_t decode_launch(const char* data, size_t n) {
    const Json req = Json::parse(data, data + n, nullptr, false);
    return req.is_object() ? req.value("id", uint64_t{0}) : 0;
  }
  void send_text(const std::string& s) {
    while (send(sock_, s.data(), s.size(), MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
  }

  int sock_ = -1;
  int launcher_end_ = -1;
  std::set<pid_t> children_;
};

}  // namespace lightning::testing
