// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/run_lock.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>

#include "util/atomic_file.hpp"
#include "util/process_usage.hpp"

namespace lightning::runtime {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

/// What the file lists, one Process per well-formed line; others are skipped
/// (a line cut short by a crash mid-write).
std::vector<RunLock::Process> parse(const std::string& text) {
  std::vector<RunLock::Process> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    RunLock::Process p;
    long long pid = 0;
    if (fields >> p.role >> pid >> p.start_time && pid > 0 && pid <= INT32_MAX) {
      p.pid = static_cast<pid_t>(pid);
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  off_t at = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    at += n;
    if (text.size() > (1u << 20)) break;  // not ours: a run records a few lines
  }
  return text;
}

std::string line_of(const std::string& role, pid_t pid) {
  return role + " " + std::to_string(pid) + " " + std::to_string(RunLock::start_time_of(pid)) +
         "\n";
}

/// Waits for `p` to end, up to `timeout`; true once it is gone.
bool wait_gone(const RunLock::Process& p, std::chrono::milliseconds timeout) {
  if (!RunLock::is_running(p)) return true;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, p.pid, 0));
  if (pidfd < 0) return !RunLock::is_running(p);  // ESRCH: gone meanwhile
  // Checked again with the pidfd open: the pid cannot be reused under it now.
  if (!RunLock::is_running(p)) {
    ::close(pidfd);
    return true;
  }
  pollfd pfd{pidfd, POLLIN, 0};
  int rc;
  while ((rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
  }
  ::close(pidfd);
  return rc > 0 || !RunLock::is_running(p);
}

}  // namespace

RunLock::RunLock(int fd, std::string path, std::vector<Process> previous, bool locked)
    : fd_(fd), path_(std::move(path)), previous_(std::move(previous)), locked_(locked) {}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor drops the flock
}

Result<std::unique_ptr<RunLock>> RunLock::acquire(const std::string& run_dir) {
  const std::string path = run_dir + "/" + kFileName;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + errno_text(errno));
  bool locked = true;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    locked = false;
    const int err = errno;
    if (err == EWOULDBLOCK) {
      const std::vector<Process> holders = parse(read_all(fd));
      ::close(fd);
      std::string who;
      for (const Process& p : holders) {
        if (p.role == "controller") who = " (pid " + std::to_string(p.pid) + ")";
      }
      return FailedPrecondition("another app is running in " + run_dir + who +
                                ": a run directory holds one running app at a time; stop that "
                                "one first, or give this one another --run-dir");
    }
    // A file system without locks (some network mounts): the run goes on
    // unguarded rather than not at all.
    spdlog::warn("cannot lock {}: {}; another app could run in this directory at the same time",
                 path, errno_text(err));
  }
  std::vector<Process> previous = parse(read_all(fd));
  const std::string mine = line_of("controller", ::getpid());
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, mine.data(), mine.size(), 0) != static_cast<ssize_t>(mine.size())) {
    const int err = errno;
    ::close(fd);
    return util::io_error_status(err, "cannot write " + path);
  }
  return std::unique_ptr<RunLock>(new RunLock(fd, path, std::move(previous), locked));
}

void RunLock::record(const std::string& role, pid_t pid) {
  const std::string line = line_of(role, pid);
  std::lock_guard<std::mutex> lock(mu_);
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0 ||
      ::pwrite(fd_, line.data(), line.size(), end) != static_cast<ssize_t>(line.size())) {
    spdlog::warn("cannot record {} pid {} in {}: {}; a resume of this run will not wait for it",
                 role, pid, path_, errno_text(errno));
  }
}

Status RunLock::wait_for_previous(std::chrono::milliseconds grace) const {
  // Unlocked (a file system without locks), the processes listed may be a
  // live app's: nothing is waited for or killed.
  if (!locked_) return Status::Ok();
  std::vector<const Process*> left;
  for (const Process& p : previous_) {
    // The lock is ours, so the controller that listed these is gone: its
    // forkers are what may linger.
    if (p.role == "controller" || p.pid == ::getpid() || wait_gone(p, grace)) continue;
    left.push_back(&p);
  }
  if (left.empty()) return Status::Ok();
  std::string names;
  for (const Process* p : left) {
    spdlog::warn(
        "the previous run's {} (pid {}) still runs {} ms after its controller ended; "
        "killing it",
        p->role, p->pid, grace.count());
    ::kill(p->pid, SIGKILL);
  }
  for (const Process* p : left) {
    if (wait_gone(*p, std::chrono::milliseconds(1000))) continue;
    names += (names.empty() ? "" : ", ") + p->role + " pid " + std::to_string(p->pid);
  }
  if (names.empty()) return Status::Ok();
  return Status(StatusCode::kDeadlineExceeded,
                "processes of the previous run in this directory are still running (" + names +
                    ") after SIGKILL");
}

bool RunLock::is_running(const Process& p) {
  const uint64_t now = start_time_of(p.pid);
  return now != 0 && now == p.start_time;
}

uint64_t RunLock::start_time_of(pid_t pid) {
  return util::read_process_start_time(pid).value_or(0);
}

}  // namespace lightning::runtime
