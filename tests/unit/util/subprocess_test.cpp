// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// run_command (src/util/subprocess.*) on /bin/sh: output, exit codes, signals,
// deadlines, a missing program, output larger than the cap.
#include "util/subprocess.hpp"

#include <gtest/gtest.h>
#include <signal.h>

namespace lightning::util {
namespace {

TEST(RunCommandTest, CapturesStdoutStderrAndTheExitCode) {
  auto r = run_command({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->succeeded());
  EXPECT_EQ(r->describe(), "exit code 3: err");
}

TEST(RunCommandTest, LooksTheProgramUpOnPathAndGivesItNoStdin) {
  auto r = run_command({"sh", "-c", "cat; echo done"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->out, "done\n");
}

TEST(RunCommandTest, AMissingProgramIsNotFound) {
  auto r = run_command({"lightning-no-such-program-xyz"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("lightning-no-such-program-xyz"), std::string::npos);
  EXPECT_EQ(run_command({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(RunCommandTest, ASignalIsReported) {
  auto r = run_command({"/bin/sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_EQ(r->describe(), "killed by SIGTERM");
}

TEST(RunCommandTest, ACommandPastItsDeadlineIsKilledWithWhatItStarted) {
  CommandOptions options;
  options.timeout = std::chrono::milliseconds(100);
  const auto t0 = std::chrono::steady_clock::now();
  // The grandchild `sleep` holds the pipe too: the whole group is killed.
  auto r = run_command({"/bin/sh", "-c", "sleep 30 & sleep 30"}, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST(RunCommandTest, OutputPastTheCapIsDroppedAndTheCommandStillFinishes) {
  CommandOptions options;
  options.max_output_bytes = 1000;
  auto r = run_command({"/bin/sh", "-c", "head -c 300000 /dev/zero"}, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->out.size(), 1000u);
}

}  // namespace
}  // namespace lightning::util
