// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The pure parts of ScriptWork's output handling: cutting a byte stream into
// lines, keeping a bounded tail of them, and rate-limiting state updates.
// Single-threaded (the work's run thread); no I/O.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace lightning::components::script {

/// Cuts a byte stream into lines as it arrives in chunks of any size. A line
/// longer than max_line bytes is handed on in pieces of max_line bytes, so the
/// memory held stays bounded whatever the command writes.
class LineSplitter {
 public:
  static constexpr size_t kDefaultMaxLine = size_t{64} * 1024;
  explicit LineSplitter(size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

  /// Calls on_line(line) for each line completed by `bytes` (without its '\n').
  template <class OnLine>
  void feed(std::string_view bytes, OnLine&& on_line) {
    while (!bytes.empty()) {
      const size_t nl = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, nl);
      if (nl != std::string_view::npos && partial_.empty() && piece.size() <= max_line_) {
        on_line(piece);  // the common case: no copy
        bytes.remove_prefix(nl + 1);
        continue;
      }
      const size_t room = max_line_ - partial_.size();
      const size_t take = std::min(piece.size(), room);
      partial_.append(piece.substr(0, take));
      bytes.remove_prefix(take);
      if (take < piece.size()) {  // full: hand on max_line bytes; the rest is a new piece
        on_line(std::string_view(partial_));
        partial_.clear();
        continue;
      }
      if (nl == std::string_view::npos) return;  // the line goes on in the next chunk
      on_line(std::string_view(partial_));
      partial_.clear();
      bytes.remove_prefix(1);
    }
  }

  /// The stream ended: hands on a last line that had no '\n', if any.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    if (partial_.empty()) return;
    on_line(std::string_view(partial_));
    partial_.clear();
  }

  /// Bytes of an unfinished line held now (at most max_line).
  size_t pending() const { return partial_.size(); }

 private:
  size_t max_line_;
  std::string partial_;
};

/// The last lines of a stream, bounded by a number of lines and of bytes (the
/// newlines between lines count). A line longer than max_bytes keeps its end.
class OutputTail {
 public:
  OutputTail(size_t max_lines, size_t max_bytes) : max_lines_(max_lines), max_bytes_(max_bytes) {}

  void add_line(std::string_view line);
  /// The lines kept, joined with '\n' (no trailing newline).
  std::string text() const;
  /// Whether a line was added since the last call of take_changed().
  bool take_changed() {
    const bool c = changed_;
    changed_ = false;
    return c;
  }
  size_t lines() const { return lines_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  size_t max_lines_;
  size_t max_bytes_;
  std::deque<std::string> lines_;
  size_t bytes_ = 0;  ///< of text(): the lines and the '\n' between them
  bool changed_ = false;
};

/// Says when a rate-limited update is due: at most once per `interval`. The
/// caller passes the time, so tests drive it without a clock.
class Throttle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit Throttle(std::chrono::milliseconds interval) : interval_(interval) {}

  /// True (and the interval starts again) when `interval` has passed since the
  /// last time it said true; the first call says true.
  bool due(TimePoint now);
  /// How long from `now` until due() would say true (zero when it would now).
  std::chrono::milliseconds wait(TimePoint now) const;

 private:
  std::chrono::milliseconds interval_;
  TimePoint last_{};
  bool fired_ = false;
};

}  // namespace lightning::components::script
