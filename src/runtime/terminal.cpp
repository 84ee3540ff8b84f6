// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lightning::runtime {

Terminal::Terminal(bool footer_allowed, std::FILE* out, std::FILE* err,
                   std::chrono::milliseconds min_redraw_interval, size_t width)
    : footer_allowed_(footer_allowed),
      out_(out),
      err_(err),
      min_redraw_interval_(min_redraw_interval),
      fixed_width_(width) {}

Terminal::~Terminal() { stop_capture(); }

Status Terminal::capture_stdout() {
  if (relay_.joinable()) return Status();
  int data[2] = {-1, -1};
  if (::pipe2(data, O_CLOEXEC) != 0 || ::pipe2(stop_fds_, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    for (int fd : {data[0], data[1], stop_fds_[0], stop_fds_[1]}) {
      if (fd >= 0) ::close(fd);
    }
    stop_fds_[0] = stop_fds_[1] = -1;
    return Internal("cannot capture stdout: pipe: " + why);
  }
  std::fflush(stdout);
  saved_stdout_fd_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
  if (saved_stdout_fd_ < 0 || ::dup2(data[1], STDOUT_FILENO) < 0) {
    const std::string why = std::strerror(errno);
    for (int fd : {data[0], data[1], stop_fds_[0], stop_fds_[1], saved_stdout_fd_}) {
      if (fd >= 0) ::close(fd);
    }
    stop_fds_[0] = stop_fds_[1] = saved_stdout_fd_ = -1;
    return Internal("cannot capture stdout: " + why);
  }
  ::close(data[1]);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  capture_read_fd_ = data[0];
  relay_ = std::thread([this] { relay_stdout(); });
  return Status();
}

void Terminal::stop_capture() {
  if (!relay_.joinable()) return;
  std::fflush(stdout);
  ::dup2(saved_stdout_fd_, STDOUT_FILENO);  // the pipe's last write end goes (but in children)
  const char byte = 0;
  while (::write(stop_fds_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  relay_.join();
  for (int* fd : {&capture_read_fd_, &stop_fds_[0], &stop_fds_[1], &saved_stdout_fd_}) {
    ::close(*fd);
    *fd = -1;
  }
}

void Terminal::relay_stdout() {
  std::string pending;
  char buf[4096];
  bool stopping = false;
  for (;;) {
    pollfd fds[2] = {{capture_read_fd_, POLLIN, 0}, {stop_fds_[0], POLLIN, 0}};
    // Once asked to stop, only what is already in the pipe is relayed.
    const int ready = ::poll(fds, stopping ? 1 : 2, stopping ? 0 : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 && stopping) break;
    if (!stopping && (fds[1].revents & POLLIN) != 0) stopping = true;
    if ((fds[0].revents & (POLLIN | POLLHUP)) == 0) continue;
    const ssize_t n = ::read(capture_read_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // every write end is closed
    pending.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      write_line(false, std::string_view(pending).substr(start, nl - start));
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) write_line(false, pending);
}

size_t Terminal::width_locked() const {
  if (fixed_width_ > 0) return fixed_width_;
  winsize size{};
  if (::ioctl(::fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

void Terminal::erase_locked() {
  if (drawn_lines_ == 0) return;
  // Back to the footer's first line, then erase to the end of the screen.
  std::fprintf(out_, "\r\x1b[%zuA\x1b[J", drawn_lines_);
  std::fflush(out_);
  drawn_lines_ = 0;
  pending_ = true;
}

void Terminal::draw_locked() {
  pending_ = false;
  if (footer_.empty()) return;
  // One column short of the width: a line that fills the last column makes
  // some terminals wrap, and a wrapped line would not be erased.
  const size_t width = width_locked();
  const size_t max = width > 1 ? width - 1 : width;
  for (const std::string& line : footer_) {
    std::fwrite(line.data(), 1, std::min(line.size(), max), out_);
    std::fputc('\n', out_);
  }
  std::fflush(out_);
  drawn_lines_ = footer_.size();
  last_draw_ = std::chrono::steady_clock::now();
}

void Terminal::after_write_locked() {
  std::fflush(out_);
  std::fflush(err_);
  if (!pending_) return;
  if (std::chrono::steady_clock::now() - last_draw_ >= min_redraw_interval_) draw_locked();
}

void Terminal::write_line(bool to_stderr, std::string_view line) {
  std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
  std::FILE* stream = to_stderr ? err_ : out_;
  // `line` is only used during the call (cppcheck 2.10 thinks the view onto
  // relay_stdout()'s buffer outlives it).
  // cppcheck-suppress invalidLifetime
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fputc('\n', stream);
  if (footer_.empty() && !pending_) return;  // no footer: the stream buffers as it likes
  after_write_locked();
}

void Terminal::set_footer(std::vector<std::string> lines) {
  if (!footer_allowed_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
  footer_ = std::move(lines);
  draw_locked();
}

void Terminal::redraw_if_pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_) draw_locked();
}

void Terminal::release_footer() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_) draw_locked();
  footer_.clear();
  drawn_lines_ = 0;
  pending_ = false;
}

}  // namespace lightning::runtime
