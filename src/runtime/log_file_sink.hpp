// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <spdlog/sinks/sink.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace lightning::runtime {

/// The sink of controller.log: spdlog's file sink, which says once, on the
/// console, when the file cannot be written (a full disk, a quota, an I/O
/// error), instead of spdlog's rate-limited "[*** LOG ERROR ***]" lines; the
/// console keeps every line meanwhile. When writes succeed again it marks the
/// gap in the file ("N lines of this log could not be written here: ...") and
/// says so on the console. Thread-safe (spdlog calls sinks from any thread).
class ReportingFileSink final : public spdlog::sinks::sink {
 public:
  /// `inner`: the file sink (throws spdlog::spdlog_ex when a write or flush
  /// fails, as spdlog's basic_file_sink does); `console`: where the notices
  /// go; `path`: the file's name, for the notices.
  ReportingFileSink(std::shared_ptr<spdlog::sinks::sink> inner,
                    std::shared_ptr<spdlog::sinks::sink> console, std::string path);

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

  /// Lines that could not be written since the last failure began (0 while
  /// writes succeed).
  uint64_t lines_missing() const;

 private:
  // Called with mutex_ held.
  void failed(const std::string& why);
  void recovered();
  void notice(spdlog::level::level_enum level, const std::string& text);

  std::shared_ptr<spdlog::sinks::sink> inner_;
  std::shared_ptr<spdlog::sinks::sink> console_;
  std::string path_;
  mutable std::mutex mutex_;
  bool failing_ = false;
  uint64_t missing_ = 0;
  std::string cause_;
};

}  // namespace lightning::runtime
