// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorkLogs on a disk that is full: /dev/full answers every write with ENOSPC.
#include "runtime/work_logs.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <memory>
#include <sstream>

#include "common/temp_dir.hpp"

namespace {

using lightning::runtime::WorkLogs;

/// Sends spdlog's default logger into a string for the test's lifetime.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() const { return out_.str(); }
  size_t count(const std::string& part) const {
    size_t n = 0;
    const std::string t = text();
    for (size_t at = t.find(part); at != std::string::npos; at = t.find(part, at + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(WorkLogFileTest, FullDiskIsWarnedAboutOnceNamingTheFileAndTheTailStillWorks) {
  lightning::testing::TempDir dir;
  ASSERT_EQ(::symlink("/dev/full", (dir.path() + "/root.w.log").c_str()), 0);
  CapturedLog log;
  WorkLogs logs(dir.path(), /*echo=*/false);
  logs.line("root.w", "first", true);
  logs.line("root.w", "second", true);
  logs.line("root.w", "third", false);
  EXPECT_EQ(log.count("cannot write " + dir.path() + "/root.w.log: No space left on device"), 1u)
      << log.text();
  EXPECT_EQ(logs.stderr_tail("root.w"), "first\nsecond");
}

TEST(WorkLogFileTest, WritableLogGetsEveryLineAndNoWarning) {
  lightning::testing::TempDir dir;
  CapturedLog log;
  {
    WorkLogs logs(dir.path(), /*echo=*/false);
    logs.line("root.w", "out", false);
    logs.line("root.w", "err", true);
  }
  EXPECT_EQ(log.text().find("cannot write"), std::string::npos) << log.text();
  std::FILE* f = std::fopen((dir.path() + "/root.w.log").c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[64] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), "out\nerr\n");
}

}  // namespace
