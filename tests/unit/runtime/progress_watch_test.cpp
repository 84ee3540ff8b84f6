// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ProgressWatch on its own: a fake activity and a FakeClock, no controller.
#include "runtime/progress_watch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/fake_clock.hpp"

namespace lightning::runtime {
namespace {

using namespace std::chrono_literals;
using lightning::testing::FakeClock;

class ProgressWatchTest : public ::testing::Test {
 protected:
  ProgressWatch& watch(std::chrono::milliseconds idle_timeout = 0ms) {
    if (!watch_) {
      watch_ = std::make_unique<ProgressWatch>(
          clock_, ProgressWatch::Options{250ms, 500ms, idle_timeout},
          ProgressWatch::Hooks{[this] { return activity_; },
                               [this](const std::string& w) {
                                 warnings_.push_back(w);
                                 warned_at_.push_back(clock_.now() - start_);
                               },
                               [this](const std::string& m) { timeouts_.push_back(m); }});
    }
    return *watch_;
  }

  FakeClock clock_;
  FakeClock::TimePoint start_ = clock_.now();
  Activity activity_;  // nothing going on unless a test says so
  std::unique_ptr<ProgressWatch> watch_;
  std::vector<std::string> warnings_;
  std::vector<FakeClock::Duration> warned_at_;
  std::vector<std::string> timeouts_;
};

TEST_F(ProgressWatchTest, StallIsWarnedAboutOnceWithinASecondNamingCauseAndFix) {
  watch().note_run();
  clock_.AdvanceTime(10s);
  ASSERT_EQ(warnings_.size(), 1u) << "once per stall";
  EXPECT_LE(warned_at_[0], 1s);
  EXPECT_GE(warned_at_[0], 500ms);
  const std::string& w = warnings_[0];
  EXPECT_NE(w.find("the app is stalled"), std::string::npos) << w;
  EXPECT_NE(w.find("plain member instead of a State field"), std::string::npos) << w;
  EXPECT_NE(w.find("schedule_in()"), std::string::npos) << w;
  EXPECT_NE(w.find("stop()"), std::string::npos) << w;
  EXPECT_TRUE(watch().is_stalled());
  EXPECT_TRUE(timeouts_.empty()) << "no idle timeout was set";
}

TEST_F(ProgressWatchTest, AnythingThatCanRunTheFlowAgainIsNoStall) {
  watch().note_run();
  for (auto set : std::vector<void (*)(Activity&)>{
           [](Activity& a) { a.calls = 1; }, [](Activity& a) { a.wakeups = 1; },
           [](Activity& a) { a.processes = 1; }, [](Activity& a) { a.input_sources = 1; },
           [](Activity& a) { a.run_pending = true; }}) {
    activity_ = Activity{};
    set(activity_);
    clock_.AdvanceTime(5s);
    EXPECT_TRUE(warnings_.empty());
    EXPECT_FALSE(watch().is_stalled());
  }
}

TEST_F(ProgressWatchTest, StallAfterALongCallIsStillWarnedAboutWithinASecond) {
  activity_.calls = 1;
  watch().note_run();
  clock_.AdvanceTime(7s + 130ms);  // a call runs, then ends with no run after it
  activity_ = Activity{};
  const auto stalled_at = clock_.now() - start_;
  clock_.AdvanceTime(3s);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_LE(warned_at_[0] - stalled_at, 1s);
}

TEST_F(ProgressWatchTest, ARunEndsTheStallAndANewStallIsWarnedAboutAgain) {
  watch().note_run();
  clock_.AdvanceTime(2s);
  ASSERT_EQ(warnings_.size(), 1u);
  watch().note_run();
  EXPECT_FALSE(watch().is_stalled());
  clock_.AdvanceTime(2s);
  EXPECT_EQ(warnings_.size(), 2u);
}

TEST_F(ProgressWatchTest, IdleTimeoutReportsTheStallOnceAfterThatLong) {
  watch(3s).note_run();
  clock_.AdvanceTime(2500ms);
  EXPECT_TRUE(timeouts_.empty()) << "not before the idle timeout";
  clock_.AdvanceTime(1s);
  ASSERT_EQ(timeouts_.size(), 1u);
  EXPECT_NE(timeouts_[0].find("no progress for 3 s (--idle-timeout)"), std::string::npos)
      << timeouts_[0];
  EXPECT_NE(timeouts_[0].find("State field"), std::string::npos) << timeouts_[0];
  clock_.AdvanceTime(10s);
  EXPECT_EQ(timeouts_.size(), 1u);
  EXPECT_EQ(clock_.pending_timers(), 0u) << "it stops polling";
}

TEST_F(ProgressWatchTest, ActivityBeforeTheIdleTimeoutRestartsTheCount) {
  watch(3s).note_run();
  clock_.AdvanceTime(2s);
  activity_.wakeups = 1;
  clock_.AdvanceTime(1s);
  activity_ = Activity{};
  clock_.AdvanceTime(2500ms);
  EXPECT_TRUE(timeouts_.empty()) << "the stall restarted when the activity ended";
  clock_.AdvanceTime(1s);
  EXPECT_EQ(timeouts_.size(), 1u);
}

TEST_F(ProgressWatchTest, StoppedWatchReportsNothing) {
  watch(1s).note_run();
  watch().stop();
  watch().note_run();
  clock_.AdvanceTime(10s);
  EXPECT_TRUE(warnings_.empty());
  EXPECT_TRUE(timeouts_.empty());
  EXPECT_EQ(clock_.pending_timers(), 0u);
}

}  // namespace
}  // namespace lightning::runtime
