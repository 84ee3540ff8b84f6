// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ScriptWork::run: spawn the command, relay its output line by line to the
// work's stdout/stderr while keeping the tails, follow stop requests, and end
// the call with the command's outcome. All on the work's run thread.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lightning/components/script.hpp"
#include "lightning/stop.hpp"
#include "output.hpp"
#include "process.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in every header

namespace lightning::components {
namespace {

using script::ChildProcess;
using script::LineSplitter;
using script::OutputTail;
using script::Throttle;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// How often the loop looks at lightning::stop_requested() while nothing happens.
constexpr milliseconds kStopCheckInterval{50};
/// After the command exited and its group was killed, how long its pipes may
/// stay open (held by a process that left the group: setsid) before we stop reading.
constexpr milliseconds kDrainLimit{1000};
constexpr size_t kReadChunk = size_t{64} * 1024;

/// write(2) all of `data` to `fd`; gives up quietly when the fd is gone (the
/// log's reader ended: the output is lost, the command must not block on it).
void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

/// One of the command's output streams: relayed to the work's own fd line by
/// line (whole lines per write(2), so the log never mixes half lines of the
/// two streams), with its tail kept for the state.
struct Stream {
  int target_fd;
  LineSplitter splitter;
  OutputTail tail{ScriptWork::kTailLines, ScriptWork::kTailBytes};
  std::string batch;

  explicit Stream(int fd) : target_fd(fd) {}

  void feed(std::string_view bytes) {
    splitter.feed(bytes, [this](std::string_view line) { add(line); });
    flush();
  }
  void finish() {
    splitter.finish([this](std::string_view line) { add(line); });
    flush();
  }

 private:
  void add(std::string_view line) {
    tail.add_line(line);
    batch.append(line);
    batch.push_back('\n');
  }
  void flush() {
    write_all(target_fd, batch);
    batch.clear();
  }
};

/// Reads what is there from `fd` (one chunk); false at end of file or on an error.
bool pump(int fd, Stream& stream, char* buf) {
  const ssize_t n = ::read(fd, buf, kReadChunk);
  if (n > 0) {
    stream.feed(std::string_view(buf, static_cast<size_t>(n)));
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EINTR);
}

std::vector<std::string> environ_entries() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace

ScriptCommand ScriptWork::command(const Json& args) const {
  return ScriptCommand::from_args(args, defaults_);
}

void ScriptWork::run(const Json& args) {
  // Asked first thing: from now on the runtime's SIGTERM only sets the stop
  // flag (lightning/stop.hpp), so the command gets its own orderly stop.
  if (lightning::stop_requested()) return;
  pid = 0;
  exit_code = -1;
  killed_by = "";
  stdout_tail = "";
  stderr_tail = "";
  duration_s = 0.0;

  const ScriptCommand cmd = command(args);
  const script::ResolvedCommand resolved = script::resolve_command(cmd, environ_entries());
  std::fflush(stdout);  // what the work printed before goes first
  std::fflush(stderr);
  const auto started = Clock::now();
  std::unique_ptr<ChildProcess> child = ChildProcess::spawn(resolved);
  pid = static_cast<int64_t>(child->pid());

  Stream out(STDOUT_FILENO);
  Stream err(STDERR_FILENO);
  Throttle tails(kTailInterval);
  auto publish_tails = [&](bool force) {
    const bool out_changed = out.tail.take_changed();  // both: each forgets its change
    const bool err_changed = err.tail.take_changed();
    const bool changed = out_changed || err_changed;
    if (!changed && !force) return;
    stdout_tail = out.tail.text();
    stderr_tail = err.tail.text();
  };
  std::vector<char> buf(kReadChunk);
  bool stopping = false;
  Clock::time_point kill_at{};
  bool killed = false;
  bool exited = false;
  Clock::time_point drain_until{};
  bool pending_tails = false;

  for (;;) {
    const auto now = Clock::now();
    if (!exited && child->has_exited()) {
      exited = true;
      child->signal_group(SIGKILL);  // what the command left behind in its group
      drain_until = now + kDrainLimit;
    }
    if (exited && ((child->stdout_fd() < 0 && child->stderr_fd() < 0) || now >= drain_until)) {
      break;
    }
    if (!stopping && !exited && lightning::stop_requested()) {
      stopping = true;
      child->signal_group(SIGTERM);
      kill_at = now + cmd.grace_period;
    }
    if (stopping && !killed && !exited && now >= kill_at) {
      killed = true;
      child->signal_group(SIGKILL);
    }
    if (pending_tails && tails.due(now)) {
      publish_tails(false);
      pending_tails = false;
    }

    milliseconds timeout = kStopCheckInterval;
    if (pending_tails) timeout = std::min(timeout, tails.wait(now));
    if (stopping && !killed && !exited) {
      timeout = std::min(timeout, std::chrono::ceil<milliseconds>(kill_at - now));
    }
    if (exited) timeout = std::min(timeout, std::chrono::ceil<milliseconds>(drain_until - now));
    pollfd fds[3] = {{child->stdout_fd(), POLLIN, 0},
                     {child->stderr_fd(), POLLIN, 0},
                     {exited ? -1 : child->pidfd(), POLLIN, 0}};
    const int ready = ::poll(fds, 3, static_cast<int>(std::max<int64_t>(timeout.count(), 0)));
    if (ready < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("ScriptWork: poll: ") + std::strerror(errno));
    }
    if (ready <= 0) continue;
    if (fds[0].revents != 0 && !pump(child->stdout_fd(), out, buf.data())) child->close_stdout();
    if (fds[1].revents != 0 && !pump(child->stderr_fd(), err, buf.data())) child->close_stderr();
    pending_tails = pending_tails || fds[0].revents != 0 || fds[1].revents != 0;
  }
  if (child->stdout_fd() >= 0 || child->stderr_fd() >= 0) {
    std::fprintf(stderr,
                 "ScriptWork: the command's output is still held open %lld ms after it exited, "
                 "by a process outside its process group (setsid?); not waiting for it\n",
                 static_cast<long long>(kDrainLimit.count()));
  }
  child->close_stdout();
  child->close_stderr();
  const int status = child->reap();
  child.reset();  // releases the guard
  out.finish();
  err.finish();
  duration_s = std::chrono::duration<double>(Clock::now() - started).count();
  publish_tails(true);

  if (WIFEXITED(status)) exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) killed_by = script::signal_name(WTERMSIG(status));
  if (stopping) return;  // the call ends as stopped, whatever the command made of it
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string message = WIFEXITED(status)
                            ? "command exited with code " + std::to_string(WEXITSTATUS(status))
                            : "command was killed by signal " + killed_by.get();
  message += ": " + script::shell_quote(cmd.argv);
  const std::string tail = err.tail.text();
  message += tail.empty() ? " (its stderr was empty)" : "\nlast lines of its stderr:\n" + tail;
  throw std::runtime_error(message);
}

}  // namespace lightning::components
