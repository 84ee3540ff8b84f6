// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lightning::components::script {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool is_executable_file(const std::string& path, bool* exists) {
  struct stat st = {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *exists = true;
  return ::access(path.c_str(), X_OK) == 0;
}

/// Why posix_spawn failed, in words that say what to fix.
std::string spawn_error(const ResolvedCommand& c, int err) {
  std::string what = "cannot start '" + c.program + "'";
  if (!c.cwd.empty()) what += " in cwd '" + c.cwd + "'";
  what += ": " + errno_text(err);
  if (err == ENOEXEC) what += " (not a binary, and a script needs a #! line)";
  if (err == EACCES) what += " (check the file's x permission and the mount's noexec)";
  return what;
}

}  // namespace

std::vector<std::string> merge_environment(const std::vector<std::string>& base,
                                           const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  std::map<std::string, bool> used;
  for (const auto& entry : base) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    auto it = overrides.find(name);
    if (it == overrides.end()) {
      out.push_back(entry);
    } else if (!used[name]) {
      out.push_back(name + "=" + it->second);
    }
    used[name] = true;
  }
  for (const auto& [name, value] : overrides) {
    if (!used[name]) out.push_back(name + "=" + value);
  }
  return out;
}

std::string environment_value(const std::vector<std::string>& envp, const std::string& name,
                              const std::string& fallback) {
  const std::string prefix = name + "=";
  for (const auto& entry : envp) {
    if (entry.compare(0, prefix.size(), prefix) == 0) return entry.substr(prefix.size());
  }
  return fallback;
}

std::string find_program(const std::string& program, const std::string& path_var) {
  if (program.find('/') != std::string::npos) return program;
  std::vector<std::string> not_executable;
  size_t start = 0;
  for (;;) {
    const size_t colon = path_var.find(':', start);
    std::string dir = path_var.substr(start, colon == std::string::npos ? colon : colon - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + program;
    bool exists = false;
    if (is_executable_file(candidate, &exists)) return candidate;
    if (exists) not_executable.push_back(candidate);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (!not_executable.empty()) {
    std::string found;
    for (const auto& f : not_executable) found += (found.empty() ? "" : ", ") + f;
    throw std::runtime_error("command '" + program + "' is not executable: " + found +
                             " (chmod +x, or give its full path)");
  }
  throw std::runtime_error("command not found: '" + program + "' is in no directory of PATH=" +
                           path_var + " (install it, give its full path, or set PATH in \"env\")");
}

ResolvedCommand resolve_command(const ScriptCommand& command,
                                const std::vector<std::string>& environ_entries) {
  ResolvedCommand r;
  r.argv = command.argv;
  r.cwd = command.cwd;
  r.envp = merge_environment(environ_entries, command.env);
  if (!r.cwd.empty()) {
    struct stat st = {};
    if (::stat(r.cwd.c_str(), &st) != 0) {
      throw std::runtime_error("cwd '" + r.cwd +
                               "' of the command cannot be used: " + errno_text(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
      throw std::runtime_error("cwd '" + r.cwd + "' of the command is not a directory");
    }
  }
  // execvp's default PATH when the environment has none.
  r.program = find_program(command.argv.at(0), environment_value(r.envp, "PATH", "/bin:/usr/bin"));
  return r;
}

std::string shell_quote(const std::vector<std::string>& argv, size_t max) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_-+=.,/:@%") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  if (out.size() > max) out.replace(max > 3 ? max - 3 : 0, std::string::npos, "...");
  return out;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  if (abbrev == nullptr) return "signal " + std::to_string(sig);
  return std::string("SIG") + abbrev;
}

std::unique_ptr<ChildProcess> ChildProcess::spawn(const ResolvedCommand& command) {
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("cannot start the command: pipe: " + errno_text(errno));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error("cannot start the command: pipe: " + errno_text(e));
  }
  child->out_fd_ = out[0];
  child->err_fd_ = err[0];
  // The guard first: forking a large (or sanitized) process takes
  // milliseconds, which must not be a window in which the command runs
  // unguarded. It learns the command's group right after the spawn.
  child->start_guard();

  // Built before the spawn: the child runs none of our code.
  std::vector<char*> argv;
  for (const auto& a : command.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : command.envp) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  if (!command.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, command.cwd.c_str());
  }
  // Descriptors the work left without close-on-exec stay with the work.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);  // SIGPIPE ignored by the work is default again
  posix_spawnattr_setpgroup(&attr, 0);         // a group of its own, led by the command
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, command.program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) throw std::runtime_error(spawn_error(command, rc));
  child->pid_ = pid;
  for (int fd : {child->out_fd_, child->err_fd_}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  child->pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  child->arm_guard();
  return child;
}

void ChildProcess::start_guard() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    throw std::runtime_error("cannot start the command's guard: socketpair: " + errno_text(errno));
  }
  const pid_t guard = ::fork();
  if (guard == 0) {
    // The guard: a fork of a multi-threaded process, so only async-signal-safe
    // calls from here on. It waits for a byte on the lifeline: the work
    // releases it with one; end of file means the work died first, and the
    // command's group is killed.
    ::setpgid(0, 0);  // out of the work's group: the runtime's SIGKILL of the work spares it
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGTERM, &dfl, nullptr);
    ::sigaction(SIGINT, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // The work's end first: should close_range be missing (Linux < 5.9), the
    // guard must still see end of file when the work dies.
    ::close(sv[0]);
    if (sv[1] != 3) ::dup2(sv[1], 3);
    ::syscall(SYS_close_range, 4U, ~0U, 0U);  // the work's pipes, sockets and files
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {  // the work's stdout/stderr: its log must see their end when it dies
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
      ::close(devnull);
    }
    ::prctl(PR_SET_NAME, "script-guard");
    // First the command's process group (arm_guard); end of file before it:
    // the spawn failed, or the work died between the spawn and arm_guard().
    pid_t pgid = 0;
    size_t got = 0;
    while (got < sizeof pgid) {
      const ssize_t n = ::read(3, reinterpret_cast<char*>(&pgid) + got, sizeof pgid - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(0);
      got += static_cast<size_t>(n);
    }
    char byte = 0;
    ssize_t n;
    while ((n = ::read(3, &byte, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1 && pgid > 0) ::kill(-pgid, SIGKILL);
    ::_exit(0);
  }
  ::close(sv[1]);
  if (guard < 0) {
    const int e = errno;
    ::close(sv[0]);
    throw std::runtime_error("cannot start the command's guard: fork: " + errno_text(e));
  }
  guard_pid_ = guard;
  guard_fd_ = sv[0];
}

void ChildProcess::arm_guard() {
  if (guard_pid_ <= 0) return;
  const pid_t pgid = pid_;
  (void)::send(guard_fd_, &pgid, sizeof pgid, MSG_NOSIGNAL);
}

void ChildProcess::release_guard() {
  if (guard_pid_ <= 0) return;
  const char byte = 'x';
  (void)::send(guard_fd_, &byte, 1, MSG_NOSIGNAL);
  close_fd(guard_fd_);
  int st = 0;
  while (::waitpid(guard_pid_, &st, 0) < 0 && errno == EINTR) {
  }
  guard_pid_ = -1;
}

bool ChildProcess::has_exited() {
  if (reaped_) return true;
  siginfo_t info = {};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // reaped by someone else (a SIGCHLD handler of the app's): gone
  }
  return info.si_pid == pid_;
}

void ChildProcess::signal_group(int sig) {
  if (reaped_ || pid_ <= 0) return;
  ::kill(-pid_, sig);
}

int ChildProcess::reap() {
  int st = 0;
  if (!reaped_) {
    pid_t r;
    while ((r = ::waitpid(pid_, &st, 0)) < 0 && errno == EINTR) {
    }
    if (r != pid_) st = 0;
    reaped_ = true;
  }
  return st;
}

void ChildProcess::close_stdout() { close_fd(out_fd_); }
void ChildProcess::close_stderr() { close_fd(err_fd_); }

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    signal_group(SIGKILL);
    reap();
  }
  release_guard();
  close_fd(out_fd_);
  close_fd(err_fd_);
  close_fd(pidfd_);
}

}  // namespace lightning::components::script
