// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "util/status.hpp"

namespace lightning::runtime {

/// The app's terminal: every line the app shows (the works' echoed output,
/// the runtime's log lines) goes through here, so that a footer (the live
/// table of works, WorksView) can stay at the bottom of the screen, redrawn in
/// place below the output and never mixed into it.
///
/// Drawing: the footer's lines are written to `out` (each cut to the terminal's
/// width, so none wraps); before anything else is written, the footer is
/// erased (cursor up over its lines, erase to the end of the screen: ANSI
/// CUU and ED), the output is written, and the footer is drawn again, at once
/// or, when the last draw was less than `min_redraw_interval` ago, at the next
/// set_footer() or redraw_if_pending(). Without a footer (a Terminal whose
/// `out` is not a terminal, or before set_footer) lines are written as they
/// are.
///
/// Thread-safe: the loop thread writes the works' output and the footer;
/// spdlog may log from other threads (gRPC, HTTP). `mutex_` guards the footer
/// and orders the writes to `out` and `err`. Owned (shared) by app_main: the
/// logger's console sink and the controller's WorkLogs hold it.
class Terminal {
 public:
  /// `footer_allowed`: `out` is a terminal that understands ANSI escapes
  /// (app_main checks isatty(1) and TERM); otherwise set_footer() is ignored.
  /// `width`: columns (0: ask the terminal with TIOCGWINSZ at each draw).
  explicit Terminal(bool footer_allowed, std::FILE* out = stdout, std::FILE* err = stderr,
                    std::chrono::milliseconds min_redraw_interval = std::chrono::milliseconds(50),
                    size_t width = 0);
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  bool footer_allowed() const { return footer_allowed_; }

  /// Writes `line` and a newline to `err` (to_stderr) or `out`, below what
  /// was written before and above the footer.
  void write_line(bool to_stderr, std::string_view line);

  /// Runs `write`, which writes to `out` or `err` itself (spdlog's console
  /// sink), with the footer erased; the footer is drawn again after.
  template <typename F>
  void write_around(F&& write) {
    std::lock_guard<std::mutex> lock(mutex_);
    erase_locked();
    write();
    after_write_locked();
  }

  /// Replaces the footer and draws it (with no footer_allowed(): nothing).
  void set_footer(std::vector<std::string> lines);
  /// Draws the footer if a write left it erased.
  void redraw_if_pending();
  /// Leaves the footer on the screen as it is now (drawn) and stops managing
  /// it: what is written next goes below it. At the app's end.
  void release_footer();

  /// Routes what this process itself writes to stdout (a flow's std::cout or
  /// printf) through write_line too, a line at a time, so it also lands above
  /// the footer: fd 1 becomes a pipe (stdout line-buffered, as on a terminal)
  /// that a thread reads. `out` must not write to fd 1 (app_main passes a dup
  /// of it). Processes forked later inherit the pipe, which is why work
  /// processes fork from the zygote, started before. Errors: the pipe or
  /// dup2's errno (nothing changed).
  Status capture_stdout();
  /// Relays what is still in the pipe and gives fd 1 back (what it was).
  /// Before release_footer(), so the last lines land above the last table.
  void stop_capture();

  ~Terminal();

 private:
  void relay_stdout();
  void erase_locked();
  void draw_locked();
  void after_write_locked();
  size_t width_locked() const;

  const bool footer_allowed_;
  std::FILE* const out_;
  std::FILE* const err_;
  const std::chrono::milliseconds min_redraw_interval_;
  const size_t fixed_width_;

  std::mutex mutex_;
  std::vector<std::string> footer_;
  size_t drawn_lines_ = 0;  // footer lines on the screen now
  bool pending_ = false;    // the footer is erased and waits for a redraw
  std::chrono::steady_clock::time_point last_draw_{};

  // capture_stdout(): the pipe's read end, the relay's wake-up pipe, the thread.
  int capture_read_fd_ = -1;
  int saved_stdout_fd_ = -1;  // what fd 1 was
  int stop_fds_[2] = {-1, -1};
  std::thread relay_;
};

}  // namespace lightning::runtime
