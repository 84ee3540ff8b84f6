// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// spdlog's default logger into a string, for a test that checks what was logged.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace lightning::testing {

/// Sends spdlog's default logger into a string while it lives, then puts the
/// previous one back. `pattern`: spdlog's (e.g. "%v", the message alone);
/// empty: its default.
class CapturedLog {
 public:
  explicit CapturedLog(const std::string& pattern = "") : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    if (!pattern.empty()) logger->set_pattern(pattern);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  /// What was logged so far.
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace lightning::testing
