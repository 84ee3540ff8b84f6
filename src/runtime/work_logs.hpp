// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/terminal.hpp"

namespace lightning::runtime {

/// Captured output of every work: one file per work under <run_dir>/logs/
/// (<path>.log, stdout and stderr interleaved as they arrive), echoed to the
/// terminal as "[root.counter] line" (through `terminal` when given, so the
/// live table of works stays below the lines), plus the last lines of stderr
/// for failure messages. A work's file lives as long as the run: each new
/// process of the work appends to it. Observers see each line as it is written
/// (the HTTP API's log followers). A write that fails (a full disk: ENOSPC) is
/// warned about once in the controller's log, and again when writes resume;
/// the terminal echo, the observers and the stderr tail go on regardless.
/// Loop thread only.
class WorkLogs {
 public:
  static constexpr size_t kTailLines = 50;

  /// Sees every line written to a work's log file, right after it is written.
  class Observer {
   public:
    virtual ~Observer() = default;
    /// `text` (without its '\n') was appended to the log of `work_path`;
    /// `end_offset`: the file's size in bytes after it (and its '\n').
    virtual void on_log_line(const std::string& work_path, std::string_view text,
                             uint64_t end_offset) = 0;
  };

  WorkLogs(std::string dir, bool echo, Terminal* terminal = nullptr);
  ~WorkLogs();
  WorkLogs(const WorkLogs&) = delete;
  WorkLogs& operator=(const WorkLogs&) = delete;

  void line(const std::string& work_path, std::string_view text, bool is_stderr);
  /// Forgets the stderr tail (a new process of the work starts).
  void reset_tail(const std::string& work_path);
  /// Last kTailLines stderr lines, newline-separated.
  std::string stderr_tail(const std::string& work_path) const;
  std::string file_for(const std::string& work_path) const;
  const std::string& dir() const { return dir_; }

  /// An observer is removed before it is destroyed.
  void add_observer(Observer* observer) { observers_.push_back(observer); }
  void remove_observer(Observer* observer);

 private:
  struct Entry {
    FILE* file = nullptr;
    bool write_failed = false;  ///< the last write failed (warned once)
    uint64_t size = 0;  ///< bytes in the file
    std::deque<std::string> tail;
  };
  Entry& entry(const std::string& work_path);

  std::string dir_;
  bool echo_;
  Terminal* terminal_;
  std::map<std::string, Entry> entries_;
  std::vector<Observer*> observers_;
};

}  // namespace lightning::runtime
