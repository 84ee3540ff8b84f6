// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorksView: the live works table (on a fake terminal, a fake clock) and the
// line per status change.
#include "runtime/works_view.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/captured_log.hpp"
#include "core/runtime.hpp"
#include "fakes/fake_clock.hpp"
#include "lightning/flow.hpp"
#include "lightning/work.hpp"

namespace unit_runtime {
namespace {

using lightning::Json;
using lightning::WorkStage;
using lightning::WorkStatus;
using lightning::runtime::StateBatch;
using lightning::runtime::Terminal;
using lightning::runtime::WorksDisplay;
using lightning::runtime::WorksView;

struct ViewWork : lightning::Work {
  void run(const Json&) override {}
};
struct ViewSub : lightning::Flow {
  ViewWork& trial = add_work<ViewWork>("trial");
  void run() override {}
};
struct ViewRoot : lightning::Flow {
  ViewWork& train = add_work<ViewWork>("train");
  ViewSub& sweep = add_flow<ViewSub>("sweep");
  void run() override {}
};

// Attaches the tree (paths) and sets statuses as the controller would.
class StatusSetter final : public lightning::detail::Runtime {
 public:
  void attach(lightning::Component& root) { attach_tree(root, this); }
  void on_field_changed(lightning::Component&, const lightning::StateFieldBase&, Json) override {}
  void on_work_added(lightning::Work&) override {}
  static void set(lightning::Work& work, WorkStage stage, int64_t at_us, uint64_t call = 1,
                  int attempt = 1) {
    WorkStatus s;
    s.stage = stage;
    s.timestamp_us = at_us;
    s.call_id = call;
    s.attempt = attempt;
    set_status(work, s);
  }
  static void set_pending(lightning::Work& work, const std::string& message, int64_t at_us) {
    WorkStatus s;
    s.stage = WorkStage::kPending;
    s.timestamp_us = at_us;
    s.call_id = 1;
    s.attempt = 1;
    s.reason = lightning::reason::kWaitingForResources;
    s.message = message;
    set_status(work, s);
  }
};

StateBatch status_batch(const std::string& pointer) {
  StateBatch batch;
  batch.patch = Json::array({{{"op", "replace"}, {"path", pointer}, {"value", Json::object()}}});
  return batch;
}

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

class WorksViewTest : public ::testing::Test {
 protected:
  WorksViewTest() { runtime_.attach(root_); }
  ~WorksViewTest() override {
    std::fclose(out_);
    std::fclose(err_);
  }
  std::unique_ptr<WorksView> view(WorksDisplay display) {
    return std::make_unique<WorksView>(display, root_, clock_, terminal_,
                                       [this] { return now_us_; });
  }

  ViewRoot root_;
  StatusSetter runtime_;
  lightning::testing::FakeClock clock_;
  std::FILE* out_ = std::tmpfile();
  std::FILE* err_ = std::tmpfile();
  Terminal terminal_{true, out_, err_, std::chrono::milliseconds(0), 200};
  int64_t now_us_ = 10'000'000;
};

TEST_F(WorksViewTest, TheTableShowsEveryWorkAndItsDurationGrowsWithEachTick) {
  auto v = view(WorksDisplay::kTable);
  v->start();
  EXPECT_NE(contents(out_).find("root.train        not_started  -         -"), std::string::npos)
      << contents(out_);
  EXPECT_NE(contents(out_).find("root.sweep.trial  not_started"), std::string::npos);

  StatusSetter::set(root_.train, WorkStage::kRunning, now_us_);
  v->on_state_batch(status_batch("/works/train/status"));
  now_us_ += 1'500'000;
  clock_.AdvanceTime(WorksView::kTick);
  EXPECT_NE(contents(out_).find("root.train        running      1.5s      1"), std::string::npos)
      << contents(out_);

  StatusSetter::set(root_.train, WorkStage::kSucceeded, now_us_ + 500'000);
  v->on_state_batch(status_batch("/works/train/status"));
  now_us_ += 60'000'000;  // a finished call's duration no longer grows
  v->finish();
  const std::string out = contents(out_);
  const std::string last = out.substr(out.rfind("PATH"));
  EXPECT_NE(last.find("root.train        succeeded    2.0s      1"), std::string::npos) << last;
  EXPECT_NE(last.find("2 works: 1 succeeded, 1 not_started"), std::string::npos) << last;
  // Released: nothing more is drawn.
  const size_t size = out.size();
  clock_.AdvanceTime(WorksView::kTick * 4);
  EXPECT_EQ(contents(out_).size(), size);
}

TEST_F(WorksViewTest, EachStatusChangeIsOneLogLineWithoutATerminal) {
  lightning::testing::CapturedLog log("%v");

  auto v = view(WorksDisplay::kLines);
  v->start();
  StatusSetter::set(root_.sweep.trial, WorkStage::kRunning, now_us_);
  v->on_state_batch(status_batch("/flows/sweep/works/trial/status"));
  v->on_state_batch(status_batch("/flows/sweep/works/trial/status"));  // no change: no line
  StatusSetter::set(root_.sweep.trial, WorkStage::kFailed, now_us_ + 300'000);
  v->on_state_batch(status_batch("/flows/sweep/works/trial/status"));
  StatusSetter::set(root_.sweep.trial, WorkStage::kRunning, now_us_ + 400'000, 1, 2);
  v->on_state_batch(status_batch("/flows/sweep/works/trial/status"));
  // A field change is not a status change: the tree is not walked.
  StatusSetter::set(root_.train, WorkStage::kRunning, now_us_);
  v->on_state_batch(status_batch("/works/train/vars/loss"));
  v->finish();

  EXPECT_EQ(log.text(),
            "root.sweep.trial: running\n"
            "root.sweep.trial: failed in 0.3s\n"
            "root.sweep.trial: running [attempt 2]\n"
            "root.train: running\n")  // seen at finish()
      << log.text();
  EXPECT_EQ(contents(out_), "");  // no table
}

TEST_F(WorksViewTest, APendingWorkIsALineWhenItsReasonsWordsChangeNotItsCountsOrParentheses) {
  lightning::testing::CapturedLog log("%v");

  auto v = view(WorksDisplay::kLines);
  v->start();
  const std::string pointer = "/works/train/status";
  const std::vector<std::string> reasons = {
      "no worker has registered yet",
      "no worker has 8 GPUs (largest: 2)",  // new words: a line
      "no worker has 8 GPUs (largest: 4)",  // a count in parentheses: none
      "waiting for file descriptors: 1000 of 1024 in use",
      "waiting for file descriptors: 1010 of 1024 in use",  // a count: none
      "waiting for earlier launches held by the resource budget (waiting for processes that "
      "are starting: 32 launched)",
      "waiting for earlier launches held by the resource budget (waiting for processes: 2047 "
      "work processes running)",  // only what it waits behind changed: none
  };
  int64_t at = now_us_;
  for (const std::string& r : reasons) {
    StatusSetter::set_pending(root_.train, r, at += 1000);
    v->on_state_batch(status_batch(pointer));
  }
  v->finish();
  EXPECT_EQ(log.text(),
            "root.train: pending (waiting_for_resources: no worker has registered yet)\n"
            "root.train: pending (waiting_for_resources: no worker has 8 GPUs (largest: 2))\n"
            "root.train: pending (waiting_for_resources: waiting for file descriptors: 1000 of "
            "1024 in use)\n"
            "root.train: pending (waiting_for_resources: waiting for earlier launches held by the "
            "resource budget (waiting for processes that are starting: 32 launched))\n")
      << log.text();
}

TEST(WorksDisplayTest, TheTableNeedsATerminalAndQuietTurnsEverythingOff) {
  using lightning::runtime::choose_works_display;
  EXPECT_EQ(choose_works_display(false, true, "xterm-256color"), WorksDisplay::kTable);
  EXPECT_EQ(choose_works_display(false, true, "dumb"), WorksDisplay::kLines);
  EXPECT_EQ(choose_works_display(false, false, "xterm"), WorksDisplay::kLines);
  EXPECT_EQ(choose_works_display(true, true, "xterm"), WorksDisplay::kOff);
}

}  // namespace
}  // namespace unit_runtime
