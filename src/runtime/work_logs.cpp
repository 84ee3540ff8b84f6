// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/work_logs.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lightning::runtime {

WorkLogs::WorkLogs(std::string dir, bool echo, Terminal* terminal)
    : dir_(std::move(dir)), echo_(echo), terminal_(terminal) {}

WorkLogs::~WorkLogs() {
  for (auto& [p, e] : entries_) {
    if (e.file != nullptr) std::fclose(e.file);
  }
}

std::string WorkLogs::file_for(const std::string& work_path) const {
  return dir_ + "/" + work_path + ".log";
}

WorkLogs::Entry& WorkLogs::entry(const std::string& work_path) {
  auto [it, inserted] = entries_.try_emplace(work_path);
  if (inserted) {
    it->second.file = std::fopen(file_for(work_path).c_str(), "a");
    if (it->second.file != nullptr && std::fseek(it->second.file, 0, SEEK_END) == 0) {
      const long size = std::ftell(it->second.file);
      if (size > 0) it->second.size = static_cast<uint64_t>(size);
    }
    if (it->second.file == nullptr) {
      spdlog::warn("cannot open log file {}; output of {} is only echoed", file_for(work_path),
                   work_path);
    }
  }
  return it->second;
}

void WorkLogs::line(const std::string& work_path, std::string_view text, bool is_stderr) {
  Entry& e = entry(work_path);
  if (e.file != nullptr) {
    const bool written = std::fwrite(text.data(), 1, text.size(), e.file) == text.size() &&
                         std::fputc('\n', e.file) != EOF && std::fflush(e.file) == 0;
    if (!written && !e.write_failed) {
      // Once per work until a write succeeds again: a full disk must not
      // flood the controller's log.
      spdlog::warn("cannot write {}: {}; lines of {} are missing from the file until it can",
                   file_for(work_path), std::strerror(errno), work_path);
    } else if (written && e.write_failed) {
      spdlog::info("{} is written again", file_for(work_path));
    }
    if (!written) std::clearerr(e.file);
    e.write_failed = !written;
    if (written) e.size += text.size() + 1;  // offsets into the file as it is
  }
  for (Observer* o : observers_) o->on_log_line(work_path, text, e.size);
  if (echo_ && terminal_ != nullptr) {
    std::string echoed = "[" + work_path + "] ";
    echoed += text;
    terminal_->write_line(is_stderr, echoed);
  } else if (echo_) {
    FILE* out = is_stderr ? stderr : stdout;
    std::fprintf(out, "[%s] %.*s\n", work_path.c_str(), static_cast<int>(text.size()), text.data());
  }
  if (is_stderr) {
    e.tail.emplace_back(text);
    if (e.tail.size() > kTailLines) e.tail.pop_front();
  }
}

void WorkLogs::remove_observer(Observer* observer) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), observer), observers_.end());
}

void WorkLogs::reset_tail(const std::string& work_path) {
  auto it = entries_.find(work_path);  // opening the file waits for the first line
  if (it != entries_.end()) it->second.tail.clear();
}

std::string WorkLogs::stderr_tail(const std::string& work_path) const {
  auto it = entries_.find(work_path);
  if (it == entries_.end()) return "";
  std::string out;
  for (const auto& l : it->second.tail) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

}  // namespace lightning::runtime
