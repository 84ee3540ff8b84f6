// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Failure messages that name their cause: an exit described in words, the
// out-of-memory hint from a cgroup's counters (files of the test's own), and
// causes recognised in a work's last lines of stderr.
#include "runtime/failure_causes.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/temp_dir.hpp"

namespace lightning::runtime {
namespace {

using lightning::testing::TempDir;

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(OomWatchTest, AKillAfterTheStartIsNamedFromCgroupV2MemoryEvents) {
  TempDir dir;
  write(dir / "cgroup", "0::/app.slice/run\n");
  const std::string events = dir / "root/app.slice/run/memory.events";
  write(events, "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n");
  OomWatch oom(dir / "cgroup", dir / "root");
  EXPECT_EQ(oom.oom_kills(), 1u);
  EXPECT_TRUE(has(oom.hint(), "not the out-of-memory killer")) << oom.hint();
  write(events, "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n");
  EXPECT_TRUE(has(oom.hint(), "the out-of-memory killer struck")) << oom.hint();
  EXPECT_TRUE(has(oom.hint(), "oom_kill 1 -> 2")) << oom.hint();
}

TEST(OomWatchTest, CgroupV1MemoryOomControlIsReadToo) {
  TempDir dir;
  write(dir / "cgroup", "4:memory:/jobs/42\n0::/\n");
  write(dir / "root/memory/jobs/42/memory.oom_control",
        "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  OomWatch oom(dir / "cgroup", dir / "root");
  EXPECT_EQ(oom.oom_kills(), 0u);
}

TEST(OomWatchTest, WithoutACounterTheHintSaysWhereToLook) {
  TempDir dir;
  write(dir / "cgroup", "0::/\n");
  OomWatch oom(dir / "cgroup", dir / "nothing-here");
  EXPECT_FALSE(oom.oom_kills().has_value());
  EXPECT_TRUE(has(oom.hint(), "check the out-of-memory killer (dmesg")) << oom.hint();
}

TEST(DescribeProcessExitTest, ASigkillFromOutsideSaysSoWithTheHint) {
  TempDir dir;
  OomWatch oom(dir / "none", dir / "none");
  ProcessExit ex;
  ex.signal = SIGKILL;
  const std::string how = describe_process_exit(ex, "", oom);
  EXPECT_TRUE(has(how, "killed by signal 9 (SIGKILL) from outside the runtime; ")) << how;
  EXPECT_TRUE(has(how, "out-of-memory killer")) << how;
}

TEST(DescribeProcessExitTest, ASignalTheRuntimeSentIsNotBlamedOnOthers) {
  TempDir dir;
  OomWatch oom(dir / "none", dir / "none");
  ProcessExit ex;
  ex.signal = SIGKILL;
  ex.signal_from_runtime = true;
  EXPECT_EQ(describe_process_exit(ex, "", oom), "killed by signal 9 (SIGKILL)");
  ex.signal = SIGTERM;
  ex.signal_from_runtime = false;
  EXPECT_EQ(describe_process_exit(ex, "", oom),
            "killed by signal 15 (SIGTERM) from outside the runtime");
  ex.signal = SIGABRT;  // a crash: the process's own doing
  EXPECT_EQ(describe_process_exit(ex, "", oom), "killed by signal 6 (SIGABRT)");
}

TEST(DescribeProcessExitTest, AStartTimeoutComesFirst) {
  TempDir dir;
  OomWatch oom(dir / "none", dir / "none");
  ProcessExit ex;
  ex.signal = SIGKILL;
  ex.signal_from_runtime = true;
  EXPECT_EQ(describe_process_exit(ex, "did not connect within 30 s (start_timeout)", oom),
            "did not connect within 30 s (start_timeout); killed by the runtime with signal 9 "
            "(SIGKILL)");
}

TEST(CauseInOutputTest, AMissingSharedLibraryIsNamed) {
  EXPECT_EQ(cause_in_output("noise\n./tool: error while loading shared libraries: libfoo.so.1: "
                            "cannot open shared object file: No such file or directory\n"),
            "a shared library is missing: libfoo.so.1 (install it, or add its directory to "
            "LD_LIBRARY_PATH)");
}

TEST(CauseInOutputTest, AFullDiskIsNamed) {
  EXPECT_EQ(cause_in_output("write checkpoint.pt: No space left on device"),
            "the disk is full (No space left on device)");
  EXPECT_EQ(cause_in_output("all is well\n"), "");
}

}  // namespace
}  // namespace lightning::runtime
