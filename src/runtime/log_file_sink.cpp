// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/log_file_sink.hpp"

#include <spdlog/common.h>
#include <spdlog/details/log_msg.h>

#include <utility>

namespace lightning::runtime {

ReportingFileSink::ReportingFileSink(std::shared_ptr<spdlog::sinks::sink> inner,
                                     std::shared_ptr<spdlog::sinks::sink> console, std::string path)
    : inner_(std::move(inner)), console_(std::move(console)), path_(std::move(path)) {}

void ReportingFileSink::log(const spdlog::details::log_msg& msg) {
  if (!should_log(msg.level)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    if (failing_) {
      // Try the gap's mark first: when it fits, the line after it follows.
      const std::string mark =
          std::to_string(missing_) + " lines of this log could not be written here: " + cause_;
      spdlog::details::log_msg note(msg.time, msg.source, msg.logger_name, spdlog::level::warn,
                                    mark);
      inner_->log(note);
      inner_->flush();
      recovered();
    }
    inner_->log(msg);
  } catch (const spdlog::spdlog_ex& e) {
    ++missing_;
    failed(e.what());
  }
}

void ReportingFileSink::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    inner_->flush();
  } catch (const spdlog::spdlog_ex& e) {
    // A flush that fails loses what the file's buffer held; the count says
    // at least one line.
    if (!failing_) ++missing_;
    failed(e.what());
  }
}

void ReportingFileSink::set_pattern(const std::string& pattern) { inner_->set_pattern(pattern); }

void ReportingFileSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  inner_->set_formatter(std::move(formatter));
}

uint64_t ReportingFileSink::lines_missing() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failing_ ? missing_ : 0;
}

void ReportingFileSink::failed(const std::string& why) {
  if (failing_) return;
  failing_ = true;
  // spdlog's message: "Failed writing to file <path>: <strerror>".
  const auto colon = why.rfind(": ");
  cause_ = colon == std::string::npos ? why : why.substr(colon + 2);
  notice(spdlog::level::warn, "cannot write " + path_ + ": " + cause_ +
                                  "; its lines go to this terminal only until it can");
}

void ReportingFileSink::recovered() {
  notice(spdlog::level::info,
         path_ + " is written again (" + std::to_string(missing_) + " lines are missing from it)");
  failing_ = false;
  missing_ = 0;
  cause_.clear();
}

void ReportingFileSink::notice(spdlog::level::level_enum level, const std::string& text) {
  const spdlog::details::log_msg msg("lightning", level, text);
  try {
    console_->log(msg);
    console_->flush();
  } catch (const spdlog::spdlog_ex&) {  // NOLINT(bugprone-empty-catch): nowhere left to say it
  }
}

}  // namespace lightning::runtime
