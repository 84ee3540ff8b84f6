// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/fork_launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "lightning/v1/launch.pb.h"
#include "runtime/zygote_protocol.hpp"
#include "util/exponential_backoff.hpp"
#include "util/signal_name.hpp"

namespace lightning::runtime {

namespace {
// How long to wait for a dead process's pipes to reach EOF (a grandchild may
// hold them open) before reporting the exit anyway.
constexpr auto kDrainGrace = std::chrono::milliseconds(50);
// Longest output line kept whole; longer ones are split.
constexpr size_t kMaxLine = size_t{64} * 1024;
// Waits between launch attempts that met a temporary shortage.
const util::ExponentialBackoff kLaunchBackoff(std::chrono::milliseconds(10),
                                              std::chrono::milliseconds(1000));

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    return "killed by " + util::signal_name(WTERMSIG(status));
  }
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

// A shortage that ends when other processes or descriptors go away.
bool is_temporary_shortage(int err) {
  return err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM;
}

void close_fd(int fd) {
  if (fd >= 0) close(fd);
}
}  // namespace

template <class F>
void ForkLauncher::post(const char* name, F&& fn) {
  loop_.post(name, [alive = std::weak_ptr<bool>(alive_), fn = std::forward<F>(fn)]() mutable {
    if (!alive.expired()) fn();
  });
}

ForkLauncher::ForkLauncher(util::EventLoop& loop, ZygoteHandle zygote, ForkerFactory restart_forker)
    : loop_(loop),
      clock_(loop.clock()),
      zygote_(zygote),
      restart_forker_(std::move(restart_forker)),
      zygote_sd_(loop.io(), zygote.socket_fd) {
  zygote_sd_.non_blocking(true);
  read_zygote();
}

ForkLauncher::~ForkLauncher() {
  shutdown();
  alive_.reset();
}

ForkLauncher::Proc* ForkLauncher::find(uint64_t id) {
  auto it = procs_.find(id);
  return it == procs_.end() ? nullptr : &it->second;
}

void ForkLauncher::launch(const v1::LaunchWorkRequest& spec) {
  const uint64_t id = spec.process_id();
  auto fail = [&](const std::string& why) {
    ProcessExit ex;
    ex.error = why;
    post("ForkLauncher.LaunchFailed", [this, id, ex] {
      if (events_.exited) events_.exited(id, ex);
    });
  };
  if (shut_down_) return fail("launcher is shut down");
  std::string body = spec.SerializeAsString();
  if (body.size() > kZygoteMaxMessage) return fail("launch request too large");
  Proc& p = procs_[id];
  p.id = id;
  p.work_path = spec.work_path();
  p.body = std::move(body);
  p.first_try = clock_.now();
  try_launch(id);
}

bool ForkLauncher::retry_later(Proc& p, const std::string& why) {
  const auto waited = clock_.now() - p.first_try;
  if (waited >= kLaunchRetryFor) return false;
  const auto wait = kLaunchBackoff.nth(p.attempt++);
  if (p.attempt == 1 || p.attempt % 10 == 0) {
    spdlog::warn("{}: {}; retrying the launch in {} ms (attempt {})", p.work_path, why,
                 wait.count(), p.attempt);
  }
  if (!p.retry_timer) p.retry_timer = std::make_unique<util::Timer>(clock_);
  const uint64_t id = p.id;
  p.retry_timer->start(wait, "ForkLauncher.RetryLaunch", [this, id] { try_launch(id); });
  return true;
}

void ForkLauncher::try_launch(uint64_t id) {
  Proc* pp = find(id);
  if (pp == nullptr || pp->exited || shut_down_) return;
  Proc& p = *pp;
  std::string why_not;
  if (!ensure_forker(&why_not)) {
    ProcessExit ex;
    ex.error = why_not;
    return report_unforked(id, ex);
  }
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    for (int fd : {out[0], out[1], err[0], err[1]}) close_fd(fd);
    const std::string why = std::string("pipe: ") + std::strerror(e);
    if (is_temporary_shortage(e) && retry_later(p, why)) return;
    ProcessExit ex;
    ex.error = why;
    if (is_temporary_shortage(e)) ex.error += " (still so after retrying for 30 s)";
    return report_unforked(id, ex);
  }
  p.out = std::make_unique<Stream>(loop_.io());
  p.out->sd.assign(out[0]);
  p.err = std::make_unique<Stream>(loop_.io());
  p.err->sd.assign(err[0]);
  read_stream(id, false);
  read_stream(id, true);
  outgoing_.push_back(Outgoing{id, p.body, out[1], err[1]});
  write_zygote();
}

void ForkLauncher::close_write_ends(uint64_t process_id) {
  auto it = sent_fds_.find(process_id);
  if (it == sent_fds_.end()) return;
  close_fd(it->second.first);
  close_fd(it->second.second);
  sent_fds_.erase(it);
}

void ForkLauncher::close_all_write_ends() {
  for (auto& o : outgoing_) {
    close_fd(o.out_fd);
    close_fd(o.err_fd);
  }
  outgoing_.clear();
  for (auto& [id, fds] : sent_fds_) {
    close_fd(fds.first);
    close_fd(fds.second);
  }
  sent_fds_.clear();
}

void ForkLauncher::write_zygote() {
  // Never block: the zygote blocks on its replies while its requests queue up,
  // so the loop must keep reading replies while requests wait to be sent.
  while (!outgoing_.empty()) {
    Outgoing& o = outgoing_.front();
    const int fds[2] = {o.out_fd, o.err_fd};
    const ssize_t n = send_datagram(zygote_.socket_fd, o.body, fds, 2, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!write_waiting_) {
        write_waiting_ = true;
        zygote_sd_.async_wait(
            boost::asio::posix::stream_descriptor::wait_write,
            [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
              if (ec || alive.expired()) return;  // cancelled: on_forker_lost reset the flag
              write_waiting_ = false;
              if (!shut_down_) write_zygote();
            });
      }
      return;
    }
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)) {
      // The forker is gone. Reported from the loop, not from inside launch():
      // the exits must not reach the controller while it is still launching.
      spdlog::debug("cannot reach the work forker: {}", std::strerror(errno));
      post("ForkLauncher.ForkerLost", [this, generation = forker_generation_] {
        if (generation == forker_generation_) on_forker_lost();  // not a newer forker
      });
      return;
    }
    if (n < 0) {
      // Only this request failed (too big for the socket, out of memory...);
      // the forker is still there for the others.
      ProcessExit ex;
      ex.error =
          "cannot send the launch request to the work forker: " + std::string(std::strerror(errno));
      const uint64_t id = o.process_id;
      close_fd(o.out_fd);
      close_fd(o.err_fd);
      outgoing_.pop_front();
      report_unforked(id, ex);
      continue;
    }
    // Kept until the forker replies: a fork that fails for lack of processes
    // or memory is retried with the same pipes.
    close_write_ends(o.process_id);
    sent_fds_[o.process_id] = {o.out_fd, o.err_fd};
    outgoing_.pop_front();
  }
}

bool ForkLauncher::ensure_forker(std::string* why_not) {
  if (forker_alive_) return true;
  if (!restart_forker_) {
    *why_not = forker_lost_reason_ + "; no new work forker can be started";
    return false;
  }
  Result<ZygoteHandle> forker = restart_forker_();
  if (!forker.ok()) {
    *why_not = forker_lost_reason_ + "; " + forker.status().message();
    spdlog::error("{}", *why_not);
    return false;
  }
  zygote_ = *forker;
  boost::system::error_code ec;
  zygote_sd_.assign(zygote_.socket_fd, ec);
  if (ec) {
    *why_not = forker_lost_reason_ + "; cannot watch the new work forker: " + ec.message();
    spdlog::error("{}", *why_not);
    // Unusable: it must not outlive this attempt.
    close_fd(zygote_.socket_fd);
    if (zygote_.pid > 0) {
      kill(zygote_.pid, SIGKILL);
      while (waitpid(zygote_.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    zygote_ = ZygoteHandle{-1, -1};
    return false;
  }
  zygote_sd_.non_blocking(true);
  forker_alive_ = true;
  ++forker_generation_;
  spdlog::info("started a new work forker (zygote, pid {}) after the last one died", zygote_.pid);
  read_zygote();
  return true;
}

std::string ForkLauncher::forker_death_reason() {
  std::string how = "died";
  if (zygote_.pid > 0) {
    // EOF on its socket: the forker is exiting, or its socket broke. Make sure
    // it is gone (its works die with it), then reap it.
    int status = 0;
    pid_t r;
    while ((r = waitpid(zygote_.pid, &status, WNOHANG)) < 0 && errno == EINTR) {
    }
    if (r == 0) {
      kill(zygote_.pid, SIGKILL);
      while ((r = waitpid(zygote_.pid, &status, 0)) < 0 && errno == EINTR) {
      }
    }
    if (r == zygote_.pid) how = "died: " + describe_wait_status(status);
  }
  return "the work forker (zygote" +
         (zygote_.pid > 0 ? ", pid " + std::to_string(zygote_.pid) : std::string()) + ") " + how;
}

void ForkLauncher::on_forker_lost() {
  if (!forker_alive_ || shut_down_) return;
  forker_alive_ = false;
  forker_lost_reason_ = forker_death_reason();
  zygote_.pid = -1;
  spdlog::error("{}; the work processes it had forked die with it", forker_lost_reason_);
  boost::system::error_code ec;
  zygote_sd_.close(ec);  // cancels a pending wait for writability, too
  write_waiting_ = false;
  close_all_write_ends();
  given_up_.clear();  // nobody is left to fork them late
  // Every process it had is reported. Those it had forked were killed with it
  // (PR_SET_PDEATHSIG), and nobody is left to report their exits; SIGKILL to
  // their groups ends what they had started themselves.
  std::vector<uint64_t> live;
  for (auto& [id, p] : procs_) {
    if (!p.exited) live.push_back(id);
  }
  for (uint64_t id : live) {
    Proc* p = find(id);
    if (p == nullptr || p->exited) continue;
    if (p->out == nullptr) continue;  // waits to retry its pipes; the retry starts a new forker
    p->exited = true;
    if (p->pid > 0) {
      signal_group(*p, SIGKILL);
      by_pid_.erase(p->pid);
      p->exit.signal = SIGKILL;
      p->exit.signal_from_runtime = true;
      p->exit.error = forker_lost_reason_;
      arm_drain(*p);
      maybe_finish(id, false);
    } else {
      p->exit.error = forker_lost_reason_ + " before it forked this process";
      maybe_finish(id, true);
    }
  }
}

void ForkLauncher::stop(uint64_t process_id, std::chrono::milliseconds grace) {
  Proc* p = find(process_id);
  if (p == nullptr || p->exited) return;
  const auto now = clock_.now();
  const auto kill_at = now + std::max(grace, grace.zero());
  if (p->kill_at && *p->kill_at <= kill_at) return;  // never postpone a SIGKILL
  p->kill_at = kill_at;
  p->grace = grace;
  if (p->pid > 0) {
    apply_stop(*p);
    return;
  }
  // Not forked yet: the stop is applied on "launched". A forker that is alive
  // but stuck (stopped, hung in fork) may never reply, so once the SIGKILL is
  // due the process is given up and reported, keeping the promise of exactly
  // one `exited` per launch. One still waiting to retry its launch is not
  // retried.
  if (p->retry_timer) p->retry_timer->cancel();
  if (now >= *p->kill_at) {
    if (p->kill_timer) p->kill_timer->cancel();
    give_up_unforked(process_id);
    return;
  }
  if (!p->kill_timer) p->kill_timer = std::make_unique<util::Timer>(clock_);
  p->kill_timer->start_at(*p->kill_at, "ForkLauncher.GiveUpUnforked", [this, process_id] {
    Proc* p = find(process_id);
    if (p == nullptr || p->exited || p->pid > 0) return;
    give_up_unforked(process_id);
  });
}

void ForkLauncher::give_up_unforked(uint64_t process_id) {
  Proc* p = find(process_id);
  if (p == nullptr) return;
  ProcessExit ex;
  if (p->out == nullptr) {  // never sent: it was waiting to retry its launch
    ex.error = p->work_path + " was stopped before it could be launched";
  } else {
    ex.error = p->work_path + " was not forked by the work forker (zygote, pid " +
               std::to_string(zygote_.pid) +
               ") before it had to be killed; the forker may be stuck";
    spdlog::error("{}", ex.error);
    given_up_.insert(process_id);  // a late "launched" kills it at once
  }
  report_unforked(process_id, ex);
}

void ForkLauncher::report_unforked(uint64_t process_id, const ProcessExit& ex) {
  procs_.erase(process_id);  // no more events for it
  // Posted: never reported from inside launch() or stop() (see WorkLauncherInterface).
  post("ForkLauncher.ReportUnforked", [this, process_id, ex] {
    if (events_.exited) events_.exited(process_id, ex);
  });
}

void ForkLauncher::signal_group(Proc& p, int sig) {
  // Once per signal: a work that checks lightning::stop_requested() must get
  // exactly one SIGTERM. The pid alone only while the child has no group of
  // its own yet.
  p.signals_sent |= 1u << sig;
  if (kill(-p.pid, sig) != 0) kill(p.pid, sig);
}

void ForkLauncher::apply_stop(Proc& p) {
  if (clock_.now() >= *p.kill_at) {
    if (p.kill_timer) p.kill_timer->cancel();
    signal_group(p, SIGKILL);
    return;
  }
  if (!p.term_sent) {
    p.term_sent = true;
    signal_group(p, SIGTERM);
  }
  if (!p.kill_timer) p.kill_timer = std::make_unique<util::Timer>(clock_);
  const uint64_t id = p.id;
  p.kill_timer->start_at(*p.kill_at, "ForkLauncher.KillAfterGrace", [this, id] {
    Proc* p = find(id);
    if (p == nullptr || p->exited) return;
    spdlog::warn("{} did not exit within its grace period of {} ms after SIGTERM; killing it",
                 p->work_path, p->grace.count());
    signal_group(*p, SIGKILL);
  });
}

void ForkLauncher::read_zygote() {
  zygote_sd_.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || shut_down_ || !forker_alive_) return;
        std::string buf;
        int fds[2];
        for (;;) {
          const ssize_t n = recv_datagram(zygote_.socket_fd, &buf, fds);
          for (int fd : fds) close_fd(fd);  // the forker sends none
          if (n > 0) {
            on_zygote_message(buf);
            if (shut_down_ || !forker_alive_) return;  // an exit event ended the app
            continue;
          }
          if (n < 0 && errno == EINTR) continue;
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          on_forker_lost();  // EOF or an error: the forker is gone
          return;
        }
        read_zygote();
      });
}

void ForkLauncher::arm_drain(Proc& p) {
  const uint64_t id = p.id;
  p.drain_timer = std::make_unique<util::Timer>(clock_);
  p.drain_timer->start(kDrainGrace, "ForkLauncher.Drain", [this, id] { drain_now(id); });
}

void ForkLauncher::on_zygote_message(const std::string& data) {
  v1::ForkerMessage m;
  if (!m.ParseFromString(data)) {
    spdlog::error("malformed message from the work forker ({} bytes)", data.size());
    return;
  }
  if (m.has_exited()) {
    const auto& e = m.exited();
    auto it = by_pid_.find(static_cast<int>(e.pid()));
    if (it == by_pid_.end()) return;
    Proc* p = find(it->second);
    if (p == nullptr) return;
    p->exited = true;
    if (e.how_case() == v1::ProcessExited::kExitCode) p->exit.exit_code = e.exit_code();
    if (e.how_case() == v1::ProcessExited::kSignal) {
      p->exit.signal = e.signal();
      p->exit.signal_from_runtime =
          e.signal() >= 0 && e.signal() < 32 && (p->signals_sent & (1u << e.signal())) != 0;
    }
    arm_drain(*p);
    maybe_finish(p->id, false);
    return;
  }
  if (!m.has_launched()) return;
  const auto& r = m.launched();
  const uint64_t id = r.process_id();
  Proc* p = find(id);
  if (p == nullptr) {
    close_write_ends(id);
    if (given_up_.erase(id) == 1 && r.error().empty() && r.pid() > 0) {
      spdlog::warn("the work forker forked process {} (pid {}) after it was given up; killing it",
                   id, r.pid());
      kill(-static_cast<pid_t>(r.pid()), SIGKILL);
      kill(static_cast<pid_t>(r.pid()), SIGKILL);
    }
    return;
  }
  if (!r.error().empty() || r.pid() <= 0) {
    if (r.transient() && !p->kill_at && sent_fds_.count(id) == 1) {
      // fork met EAGAIN/ENOMEM: resend the same request and pipes later.
      const auto fds = sent_fds_[id];
      if (retry_later(*p, r.error())) {
        sent_fds_.erase(id);
        p->retry_timer->start(kLaunchBackoff.nth(p->attempt - 1), "ForkLauncher.RetryFork",
                              [this, id, fds] {
                                Proc* p = find(id);
                                if (p == nullptr || p->exited || shut_down_) {
                                  close_fd(fds.first);
                                  close_fd(fds.second);
                                  return;
                                }
                                outgoing_.push_back(Outgoing{id, p->body, fds.first, fds.second});
                                write_zygote();
                              });
        return;
      }
    }
    close_write_ends(id);
    p->exited = true;
    p->exit.error = r.error().empty() ? "the work forker forked nothing" : r.error();
    if (r.transient()) p->exit.error += " (still so after retrying for 30 s)";
    maybe_finish(id, true);
    return;
  }
  close_write_ends(id);  // the child has its own copies: EOF comes when it is done
  p->pid = static_cast<int>(r.pid());
  by_pid_[p->pid] = id;
  if (events_.started) events_.started(id, p->pid);
  p = find(id);  // the handler may have stopped or shut down
  if (p != nullptr && p->kill_at && !p->exited) apply_stop(*p);
}

void ForkLauncher::read_stream(uint64_t id, bool is_stderr) {
  Proc* p = find(id);
  if (p == nullptr) return;
  Stream* stream = p->stream(is_stderr);
  stream->sd.async_read_some(
      boost::asio::buffer(stream->buf), [this, alive = std::weak_ptr<bool>(alive_), id, is_stderr,
                                         stream](const boost::system::error_code& ec, size_t n) {
        if (alive.expired()) return;
        Proc* p = find(id);
        // Gone, or a cancelled read of a stream since replaced.
        if (p == nullptr || stream != p->stream(is_stderr)) return;
        Stream& s = *stream;
        if (n > 0) consume(id, s, s.buf.data(), n, is_stderr);
        if (ec) {
          flush_partial(id, s, is_stderr);
          s.eof = true;
          maybe_finish(id, false);
          return;
        }
        read_stream(id, is_stderr);
      });
}

void ForkLauncher::consume(uint64_t id, Stream& s, const char* data, size_t n, bool is_stderr) {
  s.partial.append(data, n);
  size_t start = 0, nl;
  while ((nl = s.partial.find('\n', start)) != std::string::npos) {
    if (events_.output)
      events_.output(id, std::string_view(s.partial).substr(start, nl - start), is_stderr);
    start = nl + 1;
  }
  s.partial.erase(0, start);
  if (s.partial.size() > kMaxLine) {  // a line without end: pass it on in pieces
    if (events_.output) events_.output(id, s.partial, is_stderr);
    s.partial.clear();
  }
}

void ForkLauncher::flush_partial(uint64_t id, Stream& s, bool is_stderr) {
  if (!s.partial.empty() && events_.output) events_.output(id, s.partial, is_stderr);
  s.partial.clear();
}

void ForkLauncher::drain_now(uint64_t id) {
  // EOF may never come (a grandchild can hold a write end), but what the
  // process wrote before it died is in the pipe: read it now, without
  // blocking, into a buffer of our own (a pending async read owns Stream::buf).
  // Then finish from a post, so that a read which already completed (its
  // handler queued behind this timer's on a busy loop) still passes its bytes
  // on first. Seen under TSan: a crashed work's last stderr line was lost.
  std::array<char, 8192> buf{};
  for (bool is_stderr : {false, true}) {
    for (;;) {
      Proc* p = find(id);  // an output handler may have stopped or shut down
      if (p == nullptr) return;
      Stream* s = p->stream(is_stderr);
      if (s == nullptr || s->eof) break;
      const int fd = s->sd.native_handle();
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || ((flags & O_NONBLOCK) == 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)) {
        break;  // never a blocking read on the loop
      }
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n > 0) {
        consume(id, *s, buf.data(), static_cast<size_t>(n), is_stderr);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;  // empty (EAGAIN), EOF, or an error: nothing more to read now
    }
  }
  post("ForkLauncher.DrainDone", [this, id] { maybe_finish(id, true); });
}

void ForkLauncher::maybe_finish(uint64_t id, bool force) {
  Proc* p = find(id);
  if (p == nullptr || !p->exited) return;
  const auto done = [](const std::unique_ptr<Stream>& s) { return s == nullptr || s->eof; };
  if (!force && !(done(p->out) && done(p->err))) return;
  for (bool is_stderr : {false, true}) {
    Stream* s = p->stream(is_stderr);
    if (s != nullptr && !s->eof) flush_partial(id, *s, is_stderr);
  }
  p = find(id);  // an output handler may have stopped or shut down
  if (p == nullptr) return;
  ProcessExit ex = p->exit;
  if (p->pid > 0) by_pid_.erase(p->pid);
  close_write_ends(id);
  // Destroying the descriptors cancels pending reads; their handlers find no Proc.
  procs_.erase(id);
  if (events_.exited) events_.exited(id, ex);
}

void ForkLauncher::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  close_all_write_ends();
  for (auto& [id, p] : procs_) {
    if (p.pid > 0 && !p.exited) signal_group(p, SIGKILL);
  }
  boost::system::error_code ec;
  zygote_sd_.close(ec);  // EOF: the zygote kills and reaps what is left, then exits
  if (forker_alive_ && zygote_.pid > 0) {
    int status;
    while (waitpid(zygote_.pid, &status, 0) < 0 && errno == EINTR) {
    }
    zygote_.pid = -1;
  }
  procs_.clear();
}

}  // namespace lightning::runtime
