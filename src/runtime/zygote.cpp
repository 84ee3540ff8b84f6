// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/zygote.hpp"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
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

#include "lightning/json.hpp"
#include "runtime/zygote_protocol.hpp"
#include "worker/work_process.hpp"

namespace lightning::runtime {
namespace {

void send_json(int sock, const Json& j) {
  std::string s = j.dump();
  while (send(sock, s.data(), s.size(), MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
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

[[noreturn]] void become_work(const Json& req, int out_fd, int err_fd, pid_t zygote) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, nullptr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  setpgid(0, 0);  // its own group: Ctrl-C goes to the controller, which stops works in order
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != zygote) _exit(1);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  close(out_fd);
  close(err_fd);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  setvbuf(stderr, nullptr, _IONBF, 0);
  worker::WorkProcessSpec spec;
  int code = 1;
  try {
    const Json env = req.value("env", Json::object());  // items() must not outlive it
    for (const auto& [k, v] : env.items()) {
      setenv(k.c_str(), v.get<std::string>().c_str(), 1);
    }
    spec.work_path = req.at("path").get<std::string>();
    spec.work_type = req.at("type").get<std::string>();
    spec.controller_address = req.at("address").get<std::string>();
    spec.run_id = req.at("run_id").get<std::string>();
    spec.token = req.at("token").get<std::string>();
    spec.log_level = req.value("log_level", "info");
    spec.run_dir = req.value("run_dir", "");
    spec.app_args = req.value("app_args", std::vector<std::string>{});
    spec.process_id = req.at("id").get<uint64_t>();
    prctl(PR_SET_NAME, ("lw:" + spec.work_path).substr(0, 15).c_str());
    code = worker::run_work_process(spec);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lightning: work process failed to start: %s\n", e.what());
  }
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

[[noreturn]] void zygote_main(int sock, pid_t controller) {
  // SIGTERM (handled below) rather than SIGKILL: on the controller's death the
  // zygote kills every work's whole process group, children of works included.
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
  std::string buf(kZygoteMaxMessage, '\0');

  for (;;) {
    pollfd fds[2] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      kill_children_and_exit(children, 1);
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo si{};
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGTERM) kill_children_and_exit(children, 0);
        if (si.ssi_signo != SIGCHLD) continue;
        int status = 0;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
          if (children.erase(p) == 0) continue;  // an adopted orphan, not a work
          Json ev{{"exit_pid", p}};
          if (WIFEXITED(status)) ev["code"] = WEXITSTATUS(status);
          if (WIFSIGNALED(status)) ev["signal"] = WTERMSIG(status);
          send_json(sock, ev);
        }
        break;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      int fds_in[2] = {-1, -1};
      alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof fds_in)];
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = cbuf;
      msg.msg_controllen = sizeof cbuf;
      ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) kill_children_and_exit(children, 0);  // controller gone
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
          std::memcpy(fds_in, CMSG_DATA(c), sizeof fds_in);
        }
      }
      Json req = Json::parse(buf.data(), buf.data() + n, nullptr, false);
      uint64_t id = 0;
      if (req.is_object() && req.contains("id") && req["id"].is_number_unsigned()) {
        id = req["id"].get<uint64_t>();
      }
      if (!req.is_object() || id == 0 || fds_in[0] < 0 || fds_in[1] < 0) {
        send_json(sock, Json{{"id", id}, {"error", "malformed launch request"}});
      } else {
        pid_t pid = fork();
        if (pid == 0) {
          close(sock);
          close(sfd);
          become_work(req, fds_in[0], fds_in[1], self);
        }
        if (pid < 0) {
          send_json(sock, Json{{"id", id}, {"error", std::string("fork: ") + std::strerror(errno)}});
        } else {
          children.insert(pid);
          send_json(sock, Json{{"id", id}, {"pid", pid}});
        }
      }
      for (int fd : fds_in) {
        if (fd >= 0) close(fd);
      }
    }
  }
}

}  // namespace

ZygoteHandle start_zygote() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    std::perror("lightning: socketpair");
    std::exit(1);
  }
  const pid_t controller = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("lightning: fork zygote");
    std::exit(1);
  }
  if (pid == 0) {
    close(sv[0]);
    zygote_main(sv[1], controller);
  }
  close(sv[1]);
  return ZygoteHandle{pid, sv[0]};
}

}  // namespace lightning::runtime
