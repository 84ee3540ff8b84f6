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

#include "lightning/v1/launch.pb.h"
#include "runtime/zygote.hpp"
#include "runtime/zygote_protocol.hpp"

namespace lightning::testing {

/// The work forker's end of a ForkLauncher's socketpair, played by the test's
/// own thread: it reads a launch request when the test says so, forks a real
/// child that only sleeps, replies, and reports the child's exit once the test
/// reaps it. So a test decides when each reply arrives, and observes real
/// signals. A stand-in "forker process" (a child that sleeps) gives the
/// launcher a pid to reap; die() kills it and closes the socket, as a killed
/// zygote would. Single-threaded; the test process must have no other threads
/// when it forks (true of a unit test binary without gRPC).
class FakeZygote {
 public:
  /// What a forked child does with SIGTERM (one that ignores it ignores SIGPIPE, too).
  enum class Child { kDiesOnSigterm, kIgnoresSigterm };
  /// The child's first (and only) stdout line, once its signal set-up is done.
  static constexpr const char* kReadyLine = "ready";

  FakeZygote() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
      launcher_end_ = sv[0];
      sock_ = sv[1];
    }
    forker_pid_ = fork();
    if (forker_pid_ == 0) {
      close(sock_);
      close(launcher_end_);
      for (;;) pause();
    }
  }
  ~FakeZygote() {
    if (sock_ >= 0) close(sock_);
    end_forker_process();
  }
  FakeZygote(const FakeZygote&) = delete;
  FakeZygote& operator=(const FakeZygote&) = delete;

  /// For the launcher under test, which takes over the socket.
  runtime::ZygoteHandle handle() const { return runtime::ZygoteHandle{forker_pid_, launcher_end_}; }

  /// The forker dies by `sig`: its process is killed, its socket closes, and
  /// the children it had die with it (as PR_SET_PDEATHSIG makes real works do).
  /// The launcher reaps the stand-in process.
  void die(int sig) {
    if (forker_pid_ > 0) kill(forker_pid_, sig);
    forker_pid_ = -1;  // the launcher's to reap now
    for (pid_t pid : children_) kill(pid, SIGKILL);
    if (sock_ >= 0) close(sock_);
    sock_ = -1;
  }

  /// Kills and reaps the stand-in forker process, unless die() handed it to
  /// the launcher. Call before the launcher's shutdown(), which waits for it.
  void end_forker_process() {
    if (forker_pid_ <= 0) return;
    kill(forker_pid_, SIGKILL);
    while (waitpid(forker_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    forker_pid_ = -1;
  }

  /// Reads the next launch request (waiting up to 5 s), forks its child and
  /// replies with its pid. Returns the pid, or -1 if no request came.
  pid_t fork_next(Child how) {
    pollfd p{sock_, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return -1;
    std::string buf;
    int fds[2] = {-1, -1};
    if (runtime::recv_datagram(sock_, &buf, fds) <= 0) return -1;
    v1::LaunchWorkRequest request;
    if (!request.ParseFromString(buf)) return -1;
    const uint64_t id = request.process_id();
    const pid_t pid = fork();
    if (pid == 0) {
      // The child: never returns into the test.
      close(sock_);
      close(launcher_end_);  // the launcher's copy is the only one: EOF works
      if (how == Child::kIgnoresSigterm) {
        // Only SIGKILL ends it: not even a launcher that closed its output.
        signal(SIGTERM, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
      }
      setpgid(0, 0);
      dup2(fds[0], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      const std::string line = std::string(kReadyLine) + "\n";
      if (write(STDOUT_FILENO, line.data(), line.size()) < 0 && how == Child::kDiesOnSigterm) {
        _exit(1);
      }
      for (;;) pause();
    }
    if (pid > 0) {
      setpgid(pid, pid);  // as the child does; whichever runs first
      children_.insert(pid);
      v1::ForkerMessage m;
      m.mutable_launched()->set_process_id(id);
      m.mutable_launched()->set_pid(pid);
      send(m);
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
    return pid;
  }

  /// Reads the next launch request (waiting up to 5 s) and refuses it with
  /// `error`, as a forker whose fork() failed does. False if none came.
  bool refuse_next(const std::string& error, bool transient) {
    pollfd p{sock_, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return false;
    std::string buf;
    int fds[2] = {-1, -1};
    if (runtime::recv_datagram(sock_, &buf, fds) <= 0) return false;
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
    v1::LaunchWorkRequest request;
    if (!request.ParseFromString(buf)) return false;
    v1::ForkerMessage m;
    m.mutable_launched()->set_process_id(request.process_id());
    m.mutable_launched()->set_error(error);
    m.mutable_launched()->set_transient(transient);
    send(m);
    return true;
  }

  /// Reaps `pid` if it has exited and reports the exit to the launcher.
  std::optional<int> try_reap(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
    children_.erase(pid);
    v1::ForkerMessage m;
    m.mutable_exited()->set_pid(pid);
    if (WIFEXITED(status)) m.mutable_exited()->set_exit_code(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) m.mutable_exited()->set_signal(WTERMSIG(status));
    if (sock_ >= 0) send(m);
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
  void send(const v1::ForkerMessage& m) {
    const std::string s = m.SerializeAsString();
    while (runtime::send_datagram(sock_, s, nullptr, 0, 0) < 0 && errno == EINTR) {
    }
  }

  int sock_ = -1;
  int launcher_end_ = -1;
  pid_t forker_pid_ = -1;
  std::set<pid_t> children_;
};

}  // namespace lightning::testing
