// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// StopFlag: the rules of lightning::stop_requested() and of SIGTERM/SIGINT in
// a work process. The signal tests raise real signals at this test process,
// with the flag's handler installed (the default action would end the test).
#include "worker/stop_flag.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "lightning/stop.hpp"

namespace unit_worker {
namespace {

using lightning::worker::StopFlag;
using Action = StopFlag::SignalAction;

/// The disposition of `sig` now.
struct sigaction disposition(int sig) {
  struct sigaction sa = {};
  sigaction(sig, nullptr, &sa);
  return sa;
}

bool is_default(int sig) {
  const struct sigaction sa = disposition(sig);
  return (sa.sa_flags & SA_SIGINFO) == 0 && sa.sa_handler == SIG_DFL;
}

volatile sig_atomic_t g_own_handler_ran = 0;
void own_handler(int) { g_own_handler_ran = 1; }

TEST(StopFlagTest, StopRequestFromTheControllerSetsTheFlagWithNoSignalAsItsCause) {
  StopFlag flag;
  EXPECT_FALSE(flag.requested());
  flag.request();
  EXPECT_TRUE(flag.requested());
  EXPECT_TRUE(flag.cause().requested);
  EXPECT_EQ(flag.cause().outside_signal, 0);
}

TEST(StopFlagTest, LaunchersSignalsOnlySetTheFlagHoweverMany) {
  StopFlag flag;
  flag.set_launcher_pid(100);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(flag.on_signal(SIGTERM, 100), Action::kStopRequested)
        << "the launcher escalates with SIGKILL, never with a second SIGTERM";
  }
  EXPECT_TRUE(flag.requested());
  EXPECT_EQ(flag.cause().outside_signal, 0) << "the runtime's own stop is not from outside";
}

TEST(StopFlagTest, FirstSignalFromOutsideSetsTheFlagAndIsKeptAsTheCause) {
  StopFlag flag;
  flag.set_launcher_pid(100);
  EXPECT_EQ(flag.on_signal(SIGTERM, 4242), Action::kStopRequested);
  EXPECT_TRUE(flag.requested());
  EXPECT_EQ(flag.cause().outside_signal, SIGTERM);
  EXPECT_EQ(flag.cause().outside_sender, 4242);
  // The launcher's stop that follows (the controller heard of it) changes nothing.
  EXPECT_EQ(flag.on_signal(SIGTERM, 100), Action::kStopRequested);
  EXPECT_EQ(flag.cause().outside_sender, 4242);
}

TEST(StopFlagTest, SecondSignalFromOutsideEndsTheProcess) {
  StopFlag flag;
  flag.set_launcher_pid(100);
  EXPECT_EQ(flag.on_signal(SIGINT, 0), Action::kStopRequested);
  EXPECT_EQ(flag.on_signal(SIGTERM, 4242), Action::kEndProcess);
  EXPECT_EQ(flag.cause().outside_signal, SIGINT) << "the first one stays the cause";
}

TEST(StopFlagTest, WithoutAKnownLauncherEverySignalIsFromOutside) {
  StopFlag flag;
  EXPECT_EQ(flag.on_signal(SIGTERM, 0), Action::kStopRequested);
  EXPECT_EQ(flag.on_signal(SIGTERM, 0), Action::kEndProcess);
}

TEST(StopFlagTest, HandlerIsInstalledOnlyDuringACallOfAWorkThatHasAsked) {
  StopFlag flag;
  flag.begin_call();
  EXPECT_FALSE(flag.handler_installed()) << "a work that never asks keeps SIGTERM's default";
  EXPECT_TRUE(is_default(SIGTERM));
  flag.note_asked();
  EXPECT_TRUE(flag.handler_installed()) << "asking during a call installs it at once";
  EXPECT_FALSE(is_default(SIGTERM));
  EXPECT_FALSE(is_default(SIGINT));
  flag.end_call();
  EXPECT_FALSE(flag.handler_installed());
  EXPECT_TRUE(is_default(SIGTERM)) << "between calls SIGTERM ends the process at once";
  EXPECT_TRUE(is_default(SIGINT));
  flag.begin_call();
  EXPECT_TRUE(flag.handler_installed()) << "a work that asked once gets it in every call";
  flag.end_call();
  EXPECT_TRUE(is_default(SIGTERM));
}

TEST(StopFlagTest, SigtermDuringACallOnlySetsTheFlagAndNamesItsSender) {
  StopFlag flag;
  flag.note_asked();
  flag.begin_call();
  ASSERT_TRUE(flag.handler_installed());
  ASSERT_EQ(raise(SIGTERM), 0);  // to this thread: handled before raise() returns
  EXPECT_TRUE(flag.requested()) << "this test process is still alive: the handler ran";
  EXPECT_EQ(flag.cause().outside_signal, SIGTERM);
  EXPECT_EQ(flag.cause().outside_sender, getpid());
  flag.end_call();
  EXPECT_TRUE(is_default(SIGTERM));
}

TEST(StopFlagTest, SigtermFromTheLauncherDuringACallIsNotFromOutside) {
  StopFlag flag;
  flag.set_launcher_pid(getpid());  // here the "launcher" is this process
  flag.note_asked();
  flag.begin_call();
  ASSERT_EQ(raise(SIGTERM), 0);
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_TRUE(flag.requested());
  EXPECT_EQ(flag.cause().outside_signal, 0);
  flag.end_call();
}

TEST(StopFlagTest, HandlerOfTheWorksOwnIsLeftAlone) {
  ASSERT_NE(signal(SIGTERM, own_handler), SIG_ERR);
  StopFlag flag;
  flag.note_asked();
  flag.begin_call();
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_EQ(g_own_handler_ran, 1);
  EXPECT_FALSE(flag.requested()) << "the work's own handler decides";
  flag.end_call();
  EXPECT_EQ(disposition(SIGTERM).sa_handler, own_handler) << "not reset to the default";
  signal(SIGTERM, SIG_DFL);
}

TEST(StopFlagTest, StopRequestedReadsTheProcessFlagFromAnyThread) {
  StopFlag& flag = StopFlag::of_process();
  flag.reset_for_testing();
  bool seen_before = true;
  std::thread user([&] { seen_before = lightning::stop_requested(); });
  user.join();
  EXPECT_FALSE(seen_before);
  flag.request();
  bool seen_after = false;
  std::thread later([&] { seen_after = lightning::stop_requested(); });
  later.join();
  EXPECT_TRUE(seen_after);
  flag.reset_for_testing();
}

}  // namespace
}  // namespace unit_worker
