// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "util/signal_name.hpp"
#include "util/unique_fd.hpp"

extern char** environ;

namespace lightning::util {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) { return std::strerror(err); }

// Reads what is there from `fd` into `into` (up to `cap`, the rest dropped);
// false at EOF or on an error.
bool drain(int fd, std::string& into, size_t cap) {
  std::array<char, 65536> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const size_t room = into.size() < cap ? cap - into.size() : 0;
  into.append(buf.data(), std::min(room, static_cast<size_t>(n)));
  return true;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

}  // namespace

std::string CommandResult::describe() const {
  std::string how =
      signal != 0 ? "killed by " + signal_name(signal) : "exit code " + std::to_string(exit_code);
  std::string text = err;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto nl = text.rfind('\n');
  if (nl != std::string::npos) text = text.substr(nl + 1);
  return text.empty() ? how : how + ": " + text;
}

Result<CommandResult> run_command(const std::vector<std::string>& argv,
                                  const CommandOptions& options) {
  if (argv.empty() || argv[0].empty()) return InvalidArgument("run_command: no command given");
  const std::string what = "cannot run " + argv[0];
  std::array<int, 2> out_pipe{-1, -1};
  std::array<int, 2> err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0)
    return Internal(what + ": pipe: " + errno_text(errno));
  UniqueFd out_read(out_pipe[0]);
  auto out_write = std::make_unique<UniqueFd>(out_pipe[1]);
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0)
    return Internal(what + ": pipe: " + errno_text(errno));
  UniqueFd err_read(err_pipe[0]);
  auto err_write = std::make_unique<UniqueFd>(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write->get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write->get(), STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  // Only the child holds the write ends now: EOF comes when it (and anything
  // it left running with them) is done.
  out_write.reset();
  err_write.reset();
  if (rc == ENOENT || rc == EACCES || rc == ENOEXEC) {
    return NotFound(what + ": " + errno_text(rc) +
                    (argv[0].find('/') == std::string::npos ? " (looked up on PATH)" : ""));
  }
  if (rc != 0) return Internal(what + ": posix_spawn: " + errno_text(rc));

  const auto deadline = Clock::now() + options.timeout;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  UniqueFd pid_fd(pidfd);
  CommandResult result;
  bool out_open = true;
  bool err_open = true;
  bool exited = false;
  bool timed_out = false;
  // Until both pipes are at EOF and the child has exited (pidfd readable),
  // or the deadline. Without a pidfd (a kernel before 5.3), the exit is
  // waited for after EOF.
  while (out_open || err_open || (!exited && pidfd >= 0)) {
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    if (out_open) fds[n++] = pollfd{out_read.get(), POLLIN, 0};
    if (err_open) fds[n++] = pollfd{err_read.get(), POLLIN, 0};
    if (!exited && pidfd >= 0) fds[n++] = pollfd{pidfd, POLLIN, 0};
    const int ready = ::poll(fds.data(), n, remaining_ms(deadline));
    if (ready < 0 && errno != EINTR) break;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out_read.get()) {
        out_open = drain(out_read.get(), result.out, options.max_output_bytes);
      } else if (fds[i].fd == err_read.get()) {
        err_open = drain(err_read.get(), result.err, options.max_output_bytes);
      } else {
        exited = true;
      }
    }
  }
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status(StatusCode::kDeadlineExceeded, argv[0] + " did not finish within " +
                                                     std::to_string(options.timeout.count()) +
                                                     " ms (killed)");
  }
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace lightning::util
