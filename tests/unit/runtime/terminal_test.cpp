// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Terminal: output lines above a footer that is erased and redrawn in place.
#include "runtime/terminal.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace unit_runtime {
namespace {

using lightning::runtime::Terminal;
using std::chrono::milliseconds;

// What was written to a tmpfile so far.
std::string contents(std::FILE* file) {
  std::fflush(file);
  std::string out;
  std::rewind(file);
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) out.append(buf, n);
  std::fseek(file, 0, SEEK_END);
  return out;
}

class TerminalTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::fclose(out_);
    std::fclose(err_);
  }
  std::FILE* out_ = std::tmpfile();
  std::FILE* err_ = std::tmpfile();
};

TEST_F(TerminalTest, WithoutAFooterLinesAreWrittenAsTheyAre) {
  Terminal terminal(false, out_, err_, milliseconds(0), 80);
  terminal.write_line(false, "[root.a] hello");
  terminal.set_footer({"PATH"});  // not a terminal: ignored
  terminal.write_line(true, "[root.a] oops");
  EXPECT_EQ(contents(out_), "[root.a] hello\n");
  EXPECT_EQ(contents(err_), "[root.a] oops\n");
}

TEST_F(TerminalTest, TheFooterIsErasedBeforeALineAndDrawnAgainBelowIt) {
  Terminal terminal(true, out_, err_, milliseconds(0), 80);
  terminal.set_footer({"PATH  STATUS", "root.a  running"});
  terminal.write_line(false, "[root.a] hello");
  EXPECT_EQ(contents(out_),
            "PATH  STATUS\nroot.a  running\n"
            "\r\x1b[2A\x1b[J"
            "[root.a] hello\n"
            "PATH  STATUS\nroot.a  running\n");
}

TEST_F(TerminalTest, AStderrLineIsWrittenWhileTheFooterIsErased) {
  Terminal terminal(true, out_, err_, milliseconds(0), 80);
  terminal.set_footer({"T"});
  terminal.write_line(true, "warning");
  EXPECT_EQ(contents(out_), "T\n\r\x1b[1A\x1b[JT\n");
  EXPECT_EQ(contents(err_), "warning\n");
}

TEST_F(TerminalTest, FooterLinesAreCutShortOfTheWidthSoNoneWraps) {
  Terminal terminal(true, out_, err_, milliseconds(0), 6);
  terminal.set_footer({"0123456789"});
  EXPECT_EQ(contents(out_), "01234\n");
}

TEST_F(TerminalTest, RedrawsWithinTheIntervalWaitForTheNextFooter) {
  Terminal terminal(true, out_, err_, milliseconds(60000), 80);
  terminal.set_footer({"T"});
  terminal.write_line(false, "a");
  terminal.write_line(false, "b");
  EXPECT_EQ(contents(out_), "T\n\r\x1b[1A\x1b[Ja\nb\n");
  terminal.redraw_if_pending();
  EXPECT_EQ(contents(out_), "T\n\r\x1b[1A\x1b[Ja\nb\nT\n");
}

TEST_F(TerminalTest, AReleasedFooterStaysAndLaterLinesGoBelowIt) {
  Terminal terminal(true, out_, err_, milliseconds(0), 80);
  terminal.set_footer({"T"});
  terminal.release_footer();
  terminal.write_line(false, "after");
  EXPECT_EQ(contents(out_), "T\nafter\n");
}

TEST_F(TerminalTest, WriteAroundErasesTheFooterForAnOutsideWriter) {
  Terminal terminal(true, out_, err_, milliseconds(0), 80);
  terminal.set_footer({"T"});
  terminal.write_around([&] { std::fputs("log line\n", err_); });
  EXPECT_EQ(contents(out_), "T\n\r\x1b[1A\x1b[JT\n");
  EXPECT_EQ(contents(err_), "log line\n");
}

TEST_F(TerminalTest, TheProcesssOwnStdoutIsRelayedAboveTheFooter) {
  Terminal terminal(true, out_, err_, milliseconds(0), 80);
  terminal.set_footer({"T"});
  ASSERT_TRUE(terminal.capture_stdout().ok());
  std::printf("from a flow\npartial");
  std::fflush(stdout);
  terminal.stop_capture();  // relays what is in the pipe, the partial line too
  terminal.release_footer();
  EXPECT_EQ(contents(out_), "T\n\r\x1b[1A\x1b[Jfrom a flow\nT\n\r\x1b[1A\x1b[Jpartial\nT\n");
}

}  // namespace
}  // namespace unit_runtime
