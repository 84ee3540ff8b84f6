// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/run_lock.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "common/temp_dir.hpp"

namespace lightning::runtime {
namespace {

using std::chrono::milliseconds;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A child that sleeps until killed; reaped by the destructor.
struct Sleeper {
  pid_t pid = ::fork();
  Sleeper() {
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~Sleeper() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

TEST(RunLockTest, ASecondAppInTheSameRunDirectoryIsRefusedWithThePidOfTheFirst) {
  testing::TempDir dir;
  auto first = RunLock::acquire(dir.path());
  ASSERT_TRUE(first.ok()) << first.status().message();
  // flock belongs to the open file: a second open in this process conflicts too.
  auto second = RunLock::acquire(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another app is running in " + dir.path() +
                                           " (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << second.status().message();
  first->reset();
  auto third = RunLock::acquire(dir.path());
  EXPECT_TRUE(third.ok()) << "the lock is free once its holder closes it";
}

TEST(RunLockTest, TheNextRunReadsTheProcessesThePreviousOneRecorded) {
  testing::TempDir dir;
  {
    auto lock = RunLock::acquire(dir.path());
    ASSERT_TRUE(lock.ok());
    EXPECT_TRUE((*lock)->previous().empty());
    (*lock)->record("forker", ::getpid());
  }
  auto next = RunLock::acquire(dir.path());
  ASSERT_TRUE(next.ok());
  const auto& previous = (*next)->previous();
  ASSERT_EQ(previous.size(), 2u) << read(dir / "run.lock");
  EXPECT_EQ(previous[0].role, "controller");
  EXPECT_EQ(previous[1].role, "forker");
  EXPECT_EQ(previous[1].pid, ::getpid());
  EXPECT_EQ(previous[1].start_time, RunLock::start_time_of(::getpid()));
  EXPECT_TRUE(RunLock::is_running(previous[1]));
  // The file now lists this run only.
  EXPECT_EQ(read(dir / "run.lock").rfind("controller " + std::to_string(::getpid()) + " ", 0), 0u);
}

TEST(RunLockTest, AReusedPidIsNotTakenForTheRecordedProcess) {
  RunLock::Process p{"forker", ::getpid(), RunLock::start_time_of(::getpid()) + 1};
  EXPECT_FALSE(RunLock::is_running(p));
  EXPECT_EQ(RunLock::start_time_of(0x7ffffff0), 0u);
}

TEST(RunLockTest, WaitForPreviousKillsAProcessThatOutlivesItsGraceAndSaysSoWhenAllAreGone) {
  testing::TempDir dir;
  Sleeper sleeper;
  ASSERT_GT(sleeper.pid, 0);
  {
    auto lock = RunLock::acquire(dir.path());
    ASSERT_TRUE(lock.ok());
    (*lock)->record("forker", sleeper.pid);
  }
  auto next = RunLock::acquire(dir.path());
  ASSERT_TRUE(next.ok());
  const auto t0 = std::chrono::steady_clock::now();
  const Status st = (*next)->wait_for_previous(milliseconds(100));
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(100));
  // Gone means it runs no more code: killed, it may still be in the
  // kernel's exit for a moment (seen under TSan) before it is reapable.
  int status = 0;
  pid_t reaped = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((reaped = ::waitpid(sleeper.pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    ::sched_yield();
  }
  ASSERT_EQ(reaped, sleeper.pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(RunLockTest, AMalformedLineIsSkippedNotTrusted) {
  testing::TempDir dir;
  {
    std::ofstream(dir / "run.lock") << "controller 12 34\nforker x y\nforker -5 1\ngarbage\nfork";
  }
  auto lock = RunLock::acquire(dir.path());
  ASSERT_TRUE(lock.ok());
  ASSERT_EQ((*lock)->previous().size(), 1u);
  EXPECT_EQ((*lock)->previous()[0].pid, 12);
}

TEST(RunLockTest, AnUnwritableRunDirectoryIsAClearError) {
  auto lock = RunLock::acquire("/proc/nonexistent-run-dir");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(lock.status().message().find("cannot open /proc/nonexistent-run-dir/run.lock"),
            std::string::npos)
      << lock.status().message();
}

}  // namespace
}  // namespace lightning::runtime
