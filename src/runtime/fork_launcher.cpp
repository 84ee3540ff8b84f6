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
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "lightning/json.hpp"
#include "runtime/zygote_protocol.hpp"

namespace lightning::runtime {

namespace {
// How long to wait for a dead process's pipes to reach EOF (a grandchild may
// hold them open) before reporting the exit anyway.
constexpr auto kDrainGrace = std::chrono::milliseconds(50);
// Longest output line kept whole; longer ones are split.
constexpr size_t kMaxLine = size_t{64} * 1024;
}  // namespace

ForkLauncher::ForkLauncher(boost::asio::io_context& io, ZygoteHandle zygote)
    : io_(io), zygote_(zygote), zygote_sd_(io, zygote.socket_fd) {
  zygote_sd_.non_blocking(true);
  read_zygote();
}

ForkLauncher::~ForkLauncher() { shutdown(); }

ForkLauncher::Proc* ForkLauncher::find(uint64_t id) {
  auto it = procs_.find(id);
  return it == procs_.end() ? nullptr : &it->second;
}

void ForkLauncher::launch(const v1::LaunchWorkRequest& spec) {
  auto fail = [&](const std::string& why) {
    ProcessExit ex;
    ex.error = why;
    uint64_t id = spec.process_id();
    boost::asio::post(io_, [this, id, ex] {
      if (events_.exited) events_.exited(id, ex);
    });
  };
  if (shut_down_) return fail("launcher is shut down");
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return fail(std::string("pipe: ") + std::strerror(errno));
  }
  Json env = Json::object();
  for (const auto& [k, v] : spec.env()) env[k] = v;
  Json req{{"id", spec.process_id()},
           {"path", spec.work_path()},
           {"type", spec.work_type()},
           {"address", spec.controller_address()},
           {"run_id", spec.run_id()},
           {"token", spec.token()},
           {"log_level", spec.log_level()},
           {"env", env},
           {"run_dir", spec.run_dir()},
           {"app_args", std::vector<std::string>(spec.app_args().begin(), spec.app_args().end())}};
  std::string body = req.dump();
  if (body.size() > kZygoteMaxMessage) {
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    return fail("launch request too large");
  }
  outgoing_.push_back(Outgoing{std::move(body), out[1], err[1]});
  write_zygote();
  Proc& p = procs_[spec.process_id()];
  p.id = spec.process_id();
  p.work_path = spec.work_path();
  p.out = std::make_unique<Stream>(io_);
  p.out->sd.assign(out[0]);
  p.err = std::make_unique<Stream>(io_);
  p.err->sd.assign(err[0]);
  read_stream(spec.process_id(), false);
  read_stream(spec.process_id(), true);
}

void ForkLauncher::write_zygote() {
  // Never block: the zygote blocks on its replies while its requests queue up,
  // so the loop must keep reading replies while requests wait to be sent.
  while (!outgoing_.empty()) {
    Outgoing& o = outgoing_.front();
    int fds[2] = {o.out_fd, o.err_fd};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof fds)];
    std::memset(cbuf, 0, sizeof cbuf);
    iovec iov{o.body.data(), o.body.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    ssize_t n = sendmsg(zygote_.socket_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!write_waiting_) {
        write_waiting_ = true;
        zygote_sd_.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                              [this](const boost::system::error_code& ec) {
                                write_waiting_ = false;
                                if (!ec && !shut_down_) write_zygote();
                              });
      }
      return;
    }
    close(o.out_fd);
    close(o.err_fd);
    if (n < 0) spdlog::error("cannot reach the zygote: {}", std::strerror(errno));
    outgoing_.pop_front();
  }
}

void ForkLauncher::stop(uint64_t process_id, std::chrono::milliseconds grace) {
  Proc* p = find(process_id);
  if (p == nullptr || p->exited) return;
  const auto kill_at = std::chrono::steady_clock::now() + std::max(grace, grace.zero());
  if (p->kill_at && *p->kill_at <= kill_at) return;  // never postpone a SIGKILL
  p->kill_at = kill_at;
  p->grace = grace;
  if (p->pid > 0) apply_stop(*p);  // else on "started"
}

void ForkLauncher::apply_stop(Proc& p) {
  const auto signal_group = [&p](int sig) {
    kill(-p.pid, sig);
    kill(p.pid, sig);
  };
  if (std::chrono::steady_clock::now() >= *p.kill_at) {
    if (p.kill_timer) p.kill_timer->cancel();
    signal_group(SIGKILL);
    return;
  }
  if (!p.term_sent) {
    p.term_sent = true;
    signal_group(SIGTERM);
  }
  if (!p.kill_timer) p.kill_timer = std::make_unique<boost::asio::steady_timer>(io_);
  p.kill_timer->expires_at(*p.kill_at);
  const uint64_t id = p.id;
  p.kill_timer->async_wait([this, id](const boost::system::error_code& ec) {
    Proc* p = find(id);
    if (ec || p == nullptr || p->exited) return;
    spdlog::warn("{} did not exit within its grace period of {} ms after SIGTERM; killing it",
                 p->work_path, p->grace.count());
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
  });
}

void ForkLauncher::read_zygote() {
  zygote_sd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [this](const boost::system::error_code& ec) {
                          if (ec || shut_down_) return;
                          std::array<char, kZygoteMaxMessage> buf;
                          for (;;) {
                            ssize_t n = recv(zygote_.socket_fd, buf.data(), buf.size(), 0);
                            if (n > 0) {
                              on_zygote_message(buf.data(), static_cast<size_t>(n));
                              if (shut_down_) return;  // an exit event ended the app
                              continue;
                            }
                            if (n < 0 && (errno == EINTR)) continue;
                            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                            spdlog::error("the zygote (work process forker) exited unexpectedly");
                            return;
                          }
                          read_zygote();
                        });
}

void ForkLauncher::on_zygote_message(const char* data, size_t n) {
  Json m = Json::parse(data, data + n, nullptr, false);
  if (!m.is_object()) return;
  try {
    handle_zygote_message(m);
  } catch (const std::exception& e) {  // never let a bad reply escape the loop
    spdlog::error("malformed message from the zygote: {}", e.what());
  }
}

void ForkLauncher::handle_zygote_message(const Json& m) {
  if (m.contains("exit_pid")) {
    int pid = m.at("exit_pid").get<int>();
    auto it = by_pid_.find(pid);
    if (it == by_pid_.end()) return;
    Proc* p = find(it->second);
    if (p == nullptr) return;
    p->exited = true;
    if (m.contains("code")) p->exit.exit_code = m["code"].get<int>();
    if (m.contains("signal")) p->exit.signal = m["signal"].get<int>();
    uint64_t id = p->id;
    p->drain_timer = std::make_unique<boost::asio::steady_timer>(io_, kDrainGrace);
    p->drain_timer->async_wait([this, id](const boost::system::error_code& ec) {
      if (!ec) maybe_finish(id, true);
    });
    maybe_finish(id, false);
    return;
  }
  uint64_t id = m.value("id", uint64_t{0});
  Proc* p = find(id);
  if (p == nullptr) return;
  if (m.contains("error")) {
    p->exited = true;
    p->exit.error = m["error"].get<std::string>();
    maybe_finish(id, true);
    return;
  }
  p->pid = m.value("pid", -1);
  by_pid_[p->pid] = id;
  if (events_.started) events_.started(id, p->pid);
  if (p->kill_at) apply_stop(*p);
}

void ForkLauncher::read_stream(uint64_t id, bool is_stderr) {
  Proc* p = find(id);
  if (p == nullptr) return;
  Stream& s = is_stderr ? *p->err : *p->out;
  s.sd.async_read_some(boost::asio::buffer(s.buf), [this, id, is_stderr](
                                                       const boost::system::error_code& ec,
                                                       size_t n) {
    Proc* p = find(id);
    if (p == nullptr) return;
    Stream& s = is_stderr ? *p->err : *p->out;
    if (n > 0) {
      s.partial.append(s.buf.data(), n);
      size_t start = 0, nl;
      while ((nl = s.partial.find('\n', start)) != std::string::npos) {
        if (events_.output) events_.output(id, std::string_view(s.partial).substr(start, nl - start), is_stderr);
        start = nl + 1;
      }
      s.partial.erase(0, start);
      if (s.partial.size() > kMaxLine) {  // a line without end: pass it on in pieces
        if (events_.output) events_.output(id, s.partial, is_stderr);
        s.partial.clear();
      }
    }
    if (ec) {
      if (!s.partial.empty() && events_.output) events_.output(id, s.partial, is_stderr);
      s.partial.clear();
      s.eof = true;
      maybe_finish(id, false);
      return;
    }
    read_stream(id, is_stderr);
  });
}

void ForkLauncher::maybe_finish(uint64_t id, bool force) {
  Proc* p = find(id);
  if (p == nullptr || !p->exited) return;
  if (!force && !(p->out->eof && p->err->eof)) return;
  ProcessExit ex = p->exit;
  if (p->pid > 0) by_pid_.erase(p->pid);
  // Destroying the descriptors cancels pending reads; their handlers find no Proc.
  procs_.erase(id);
  if (events_.exited) events_.exited(id, ex);
}

void ForkLauncher::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& o : outgoing_) {
    close(o.out_fd);
    close(o.err_fd);
  }
  outgoing_.clear();
  for (auto& [id, p] : procs_) {
    if (p.pid > 0 && !p.exited) {
      kill(-p.pid, SIGKILL);
      kill(p.pid, SIGKILL);
    }
  }
  boost::system::error_code ec;
  zygote_sd_.close(ec);  // EOF: the zygote kills and reaps what is left, then exits
  if (zygote_.pid > 0) {
    int status;
    while (waitpid(zygote_.pid, &status, 0) < 0 && errno == EINTR) {
    }
    zygote_.pid = -1;
  }
  procs_.clear();
}

}  // namespace lightning::runtime
