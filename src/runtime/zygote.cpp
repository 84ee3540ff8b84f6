// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/zygote.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "lightning/v1/launch.pb.h"
#include "runtime/zygote_protocol.hpp"
#include "worker/stop_flag.hpp"
#include "worker/work_process.hpp"

extern char** environ;

namespace lightning::runtime {
namespace {

// Set in the environment of a zygote started by spawn_zygote(): the socket's
// descriptor number, and the pid of the controller it must die with.
constexpr const char* kForkerFdEnv = "LIGHTNING_WORK_FORKER_FD";
constexpr const char* kForkerParentEnv = "LIGHTNING_WORK_FORKER_PARENT";
constexpr int kForkerFd = 3;

void send_message(int sock, const v1::ForkerMessage& m) {
  const std::string s = m.SerializeAsString();
  while (send_datagram(sock, s, nullptr, 0, 0) < 0 && errno == EINTR) {
  }
}

void send_launch_error(int sock, uint64_t process_id, const std::string& error,
                       bool transient = false) {
  v1::ForkerMessage m;
  m.mutable_launched()->set_process_id(process_id);
  m.mutable_launched()->set_error(error);
  m.mutable_launched()->set_transient(transient);
  send_message(sock, m);
}

// SIGKILLs every direct child (the zygote is a child subreaper, so processes
// orphaned by a dead work, even in a session of their own, are its children).
void kill_direct_children(pid_t self) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return;
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE* f = std::fopen(path, "r");
    if (f == nullptr) continue;
    char buf[512];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    const char* close_paren = std::strrchr(buf, ')');  // comm may contain spaces
    long ppid = 0;
    if (close_paren != nullptr && std::sscanf(close_paren + 1, " %*c %ld", &ppid) == 1 &&
        ppid == self) {
      kill(static_cast<pid_t>(pid), SIGKILL);
    }
  }
  closedir(proc);
}

[[noreturn]] void kill_children_and_exit(const std::set<pid_t>& children, int code) {
  for (pid_t p : children) {
    kill(-p, SIGKILL);
    kill(p, SIGKILL);
  }
  // Reap until no child is left; each death may hand us orphans to kill.
  const pid_t self = getpid();
  kill_direct_children(self);
  while (waitpid(-1, nullptr, 0) > 0 || errno == EINTR) kill_direct_children(self);
  _exit(code);
}

[[noreturn]] void become_work(const v1::LaunchWorkRequest& request, int out_fd, int err_fd,
                              pid_t zygote, pid_t controller) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, nullptr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  setpgid(0, 0);  // its own group: Ctrl-C goes to the controller, which stops works in order
  // The launcher's SIGTERM (sent by the controller) only ever sets the stop
  // flag; a second one from anyone else ends the work (worker/stop_flag.hpp).
  worker::StopFlag::of_process().set_launcher_pid(controller);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != zygote) _exit(1);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  close(out_fd);
  close(err_fd);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  setvbuf(stderr, nullptr, _IONBF, 0);
  for (const auto& [name, value] : request.env()) setenv(name.c_str(), value.c_str(), 1);
  prctl(PR_SET_NAME, ("lw:" + request.work_path()).substr(0, 15).c_str());
  int code = 1;
  try {
    code = worker::run_work_process(request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lightning: work process failed: %s\n", e.what());
  }
  std::fflush(stdout);
  std::fflush(stderr);
  // _exit, not exit: this process is a fork of the app, and exit() would run
  // the atexit handlers and static destructors it inherited (gRPC's, spdlog's,
  // CUDA's in a libtorch app), which belong to state this process never set up.
  _exit(code);
}

[[noreturn]] void zygote_main(int sock, pid_t controller) {
  // SIGTERM (handled below) rather than SIGKILL: on the controller's death the
  // zygote kills every work's whole process group, children of works included.
  // A SIGTERM while the controller lives is someone signalling the app's
  // process group (`kill -- -PGID`, `timeout`, systemd): the controller got it
  // too and stops the works in order, so the zygote waits for that.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, nullptr);  // before PDEATHSIG, so none is lost
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != controller) _exit(0);
  // Orphans of works (a work's child that outlived it) become our children.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_SET_NAME, "lightning-zygote");
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  const pid_t self = getpid();
  std::set<pid_t> children;
  std::string buf;

  for (;;) {
    pollfd fds[2] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      kill_children_and_exit(children, 1);
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo si{};
      while (read(sfd, &si, sizeof si) == sizeof si) {
        // PR_SET_PDEATHSIG fires after the kernel has given the zygote a new
        // parent, so getppid() tells the controller's death from a signal to
        // the group.
        if (si.ssi_signo == SIGTERM && getppid() != controller) {
          kill_children_and_exit(children, 0);
        }
        if (si.ssi_signo != SIGCHLD) break;  // the signalfd blocks: read one at a time
        int status = 0;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
          if (children.erase(p) == 0) continue;  // an adopted orphan, not a work
          v1::ForkerMessage m;
          m.mutable_exited()->set_pid(p);
          if (WIFEXITED(status)) m.mutable_exited()->set_exit_code(WEXITSTATUS(status));
          if (WIFSIGNALED(status)) m.mutable_exited()->set_signal(WTERMSIG(status));
          send_message(sock, m);
        }
        break;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      int fds_in[2] = {-1, -1};
      const ssize_t n = recv_datagram(sock, &buf, fds_in);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) kill_children_and_exit(children, 0);  // controller gone
      v1::LaunchWorkRequest request;
      const bool parsed = request.ParseFromString(buf);
      if (!parsed || request.process_id() == 0 || fds_in[0] < 0 || fds_in[1] < 0) {
        send_launch_error(sock, parsed ? request.process_id() : 0, "malformed launch request");
      } else {
        pid_t pid = fork();
        if (pid == 0) {
          close(sock);
          close(sfd);
          become_work(request, fds_in[0], fds_in[1], self, controller);
        }
        if (pid < 0) {
          const int err = errno;
          // Out of processes or memory for now: the launcher retries later.
          send_launch_error(sock, request.process_id(), std::string("fork: ") + std::strerror(err),
                            err == EAGAIN || err == ENOMEM);
        } else {
          children.insert(pid);
          v1::ForkerMessage m;
          m.mutable_launched()->set_process_id(request.process_id());
          m.mutable_launched()->set_pid(pid);
          send_message(sock, m);
        }
      }
      for (int fd : fds_in) {
        if (fd >= 0) close(fd);
      }
    }
  }
}

}  // namespace

Result<ZygoteHandle> start_zygote() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return Unavailable(std::string("cannot start the work forker: socketpair: ") +
                       std::strerror(errno));
  }
  const pid_t controller = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(sv[0]);
    close(sv[1]);
    return Unavailable(std::string("cannot start the work forker: fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    close(sv[0]);
    zygote_main(sv[1], controller);
  }
  close(sv[1]);
  return ZygoteHandle{pid, sv[0]};
}

Result<ZygoteHandle> spawn_zygote(const char* executable) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return Unavailable(std::string("cannot start a new work forker: socketpair: ") +
                       std::strerror(errno));
  }
  // The child's dup2 onto kForkerFd clears close-on-exec, unless the source
  // already is kForkerFd (then dup2 does nothing): move it out of the way.
  int child_end = sv[1];
  if (child_end == kForkerFd) {
    child_end = fcntl(sv[1], F_DUPFD_CLOEXEC, kForkerFd + 1);
    close(sv[1]);
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind(std::string(kForkerFdEnv) + "=", 0) == 0 ||
        entry.rfind(std::string(kForkerParentEnv) + "=", 0) == 0) {
      continue;
    }
    env_strings.push_back(entry);
  }
  env_strings.push_back(std::string(kForkerFdEnv) + "=" + std::to_string(kForkerFd));
  env_strings.push_back(std::string(kForkerParentEnv) + "=" + std::to_string(getpid()));
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  char name[] = "lightning-zygote";
  char* argv[] = {name, nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_end, kForkerFd);
  // Descriptors the controller has open without close-on-exec stay out of the
  // new forker and its works. Closed before the exec, so that what the app's
  // own static initialisers open after it is left alone.
  posix_spawn_file_actions_addclosefrom_np(&actions, kForkerFd + 1);
  // SIGINT blocked until the zygote ignores it: a Ctrl-C while the new binary
  // starts up is the controller's to handle.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close(child_end);
  if (rc != 0) {
    close(sv[0]);
    return Unavailable(std::string("cannot start a new work forker: posix_spawn ") + executable +
                       ": " + std::strerror(rc));
  }
  return ZygoteHandle{pid, sv[0]};
}

void run_as_zygote_if_asked() {
  const char* fd_text = std::getenv(kForkerFdEnv);
  if (fd_text == nullptr) return;
  const char* parent_text = std::getenv(kForkerParentEnv);
  const pid_t controller = parent_text != nullptr ? std::atoi(parent_text) : 0;
  const int sock = std::atoi(fd_text);
  // Works forked from here must not see them.
  unsetenv(kForkerFdEnv);
  unsetenv(kForkerParentEnv);
  fcntl(sock, F_SETFD, FD_CLOEXEC);
  zygote_main(sock, controller);
}

}  // namespace lightning::runtime
