// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ReportingFileSink: controller.log on a full disk says so once, and marks the
// gap when it can be written again.
#include "runtime/log_file_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/basic_file_sink.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

namespace lightning::runtime {
namespace {

// Keeps the payload of every line; throws as spdlog's file sink does while `broken`.
class FakeSink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& msg) override {
    if (broken) throw spdlog::spdlog_ex("Failed writing to file /run/controller.log", ENOSPC);
    lines.emplace_back(msg.payload.data(), msg.payload.size());
    levels.push_back(msg.level);
  }
  void flush() override {}
  void set_pattern(const std::string& /*pattern*/) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter> /*formatter*/) override {}

  bool broken = false;
  std::vector<std::string> lines;
  std::vector<spdlog::level::level_enum> levels;
};

spdlog::details::log_msg line(const char* text) {
  return spdlog::details::log_msg("lightning", spdlog::level::info, text);
}

TEST(ReportingFileSinkTest, SaysOnceOnTheConsoleThatTheFileCannotBeWrittenAndMarksTheGapAfter) {
  auto file = std::make_shared<FakeSink>();
  auto console = std::make_shared<FakeSink>();
  ReportingFileSink sink(file, console, "/run/controller.log");

  sink.log(line("one"));
  file->broken = true;
  sink.log(line("two"));
  sink.log(line("three"));
  EXPECT_EQ(sink.lines_missing(), 2u);
  ASSERT_EQ(console->lines.size(), 1u) << "one warning, not one per line";
  EXPECT_EQ(console->lines[0],
            "cannot write /run/controller.log: No space left on device; its lines go to this "
            "terminal only until it can");
  EXPECT_EQ(console->levels[0], spdlog::level::warn);

  file->broken = false;
  sink.log(line("four"));
  EXPECT_EQ(sink.lines_missing(), 0u);
  const std::vector<std::string> expected{
      "one", "2 lines of this log could not be written here: No space left on device", "four"};
  EXPECT_EQ(file->lines, expected);
  ASSERT_EQ(console->lines.size(), 2u);
  EXPECT_EQ(console->lines[1],
            "/run/controller.log is written again (2 lines are missing from it)");

  // A second failure is said again.
  file->broken = true;
  sink.log(line("five"));
  EXPECT_EQ(console->lines.size(), 3u);
}

TEST(ReportingFileSinkTest, AFileOnAFullDeviceIsReportedWhenItsBufferIsFlushed) {
  // /dev/full: every write(2) fails with ENOSPC. spdlog's file sink buffers a
  // line and fails at the flush, which the logger asks for after each line
  // at info level and above (flush_on).
  auto console = std::make_shared<FakeSink>();
  ReportingFileSink sink(std::make_shared<spdlog::sinks::basic_file_sink_st>("/dev/full"), console,
                         "/dev/full");
  for (const char* text : {"one", "two", "three"}) {
    sink.log(line(text));
    sink.flush();
  }
  ASSERT_EQ(console->lines.size(), 1u);
  EXPECT_EQ(console->lines[0],
            "cannot write /dev/full: No space left on device; its lines go to this terminal only "
            "until it can");
  EXPECT_EQ(sink.lines_missing(), 3u);
}

}  // namespace
}  // namespace lightning::runtime
