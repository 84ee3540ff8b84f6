// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the controller tells observers outside it: a work's published URL (as
// state), RuntimeEventObserver events, and each log line with its offset.
#include <signal.h>

#include "fakes/fake_state_observer.hpp"
#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using lightning::WorkStage;
using lightning::WorkStatus;
using lightning::runtime::RuntimeEventObserver;
using lightning::runtime::WorkLogs;
using lightning::testing::FakeStateObserver;

/// Records what a RuntimeEventObserver and a WorkLogs::Observer are told.
struct RecordingObserver : RuntimeEventObserver, WorkLogs::Observer {
  void on_flow_run(std::chrono::nanoseconds) override { ++flow_runs; }
  void on_call_status(const lightning::Work& w, const WorkStatus& s, bool latest) override {
    stages.push_back(std::string(to_string(s.stage)) + (latest ? "" : "*"));
  }
  void on_process_started(const lightning::Work&, int pid) override { started.push_back(pid); }
  void on_process_exited(const lightning::Work&, int pid) override { exited.push_back(pid); }
  void on_log_line(const std::string& path, std::string_view text, uint64_t end) override {
    lines.push_back(path + ":" + std::string(text) + "@" + std::to_string(end));
  }
  int flow_runs = 0;
  std::vector<std::string> stages;
  std::vector<int> started, exited;
  std::vector<std::string> lines;
};

class ControllerObserveTest : public ControllerTest {
 protected:
  void SetUp() override {
    root().body = [](TestRoot& r) { r.w.call(); };
    start();
    controller().add_observer(&state_);
    controller().add_event_observer(&events_);
    controller().logs().add_observer(&events_);
    launcher_.started(launch_of_w().process_id(), 4321);
    proc_ = std::make_unique<FakeWorkProcess>(controller());
    connect(*proc_);
  }
  void TearDown() override {
    controller().remove_event_observer(&events_);
    controller().logs().remove_observer(&events_);
  }

  FakeStateObserver state_;
  RecordingObserver events_;
  std::unique_ptr<FakeWorkProcess> proc_;
};

TEST_F(ControllerObserveTest, PublishedUrlIsStateThatRunsTheFlowAgain) {
  const int runs = root_->runs;
  proc_->publish_url("http://127.0.0.1:8000/model");
  settle();
  EXPECT_EQ(w().url(), "http://127.0.0.1:8000/model");
  EXPECT_EQ(controller().root().snapshot().at("works").at("w").at("url"),
            "http://127.0.0.1:8000/model");
  const auto changes = state_.at("/works/w/url");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].value, "http://127.0.0.1:8000/model");
  EXPECT_GT(root_->runs, runs);
  EXPECT_TRUE(proc_->errors().empty());
}

TEST_F(ControllerObserveTest, BadPublishedUrlIsReportedAndChangesNothing) {
  for (const char* bad : {"ftp://host", "http://", "http://a b", "javascript:alert(1)"}) {
    proc_->publish_url(bad);
  }
  proc_->publish_url(std::string("http://") + std::string(3000, 'a'));
  settle();
  EXPECT_TRUE(w().url().empty());
  EXPECT_EQ(proc_->errors().size(), 5u);
  EXPECT_TRUE(state_.at("/works/w/url").empty());
}

TEST_F(ControllerObserveTest, UrlIsClearedWhenTheWorksProcessExits) {
  proc_->publish_url("http://127.0.0.1:8000");
  settle();
  launcher_.killed_by(launch_of_w().process_id(), SIGKILL);
  settle();
  EXPECT_TRUE(w().url().empty());
  EXPECT_TRUE(controller().root().snapshot().at("works").at("w").at("url").is_null());
  EXPECT_TRUE(state_.at("/works/w/url").back().value.is_null());
  EXPECT_EQ(events_.exited, std::vector<int>{4321});
}

TEST_F(ControllerObserveTest, EventObserversSeeRunsStatusesAndProcesses) {
  EXPECT_EQ(events_.started, std::vector<int>{4321});
  const int runs = events_.flow_runs;
  proc_->call_started(1);
  settle();
  proc_->call_finished_ok(1);
  settle();
  EXPECT_EQ(events_.stages, (std::vector<std::string>{"running", "succeeded"}));
  EXPECT_GT(events_.flow_runs, runs);
}

TEST_F(ControllerObserveTest, LogObserversGetEachLineWithTheFilesSizeAfterIt) {
  const uint64_t id = launch_of_w().process_id();
  launcher_.output(id, "hello", false);
  launcher_.output(id, "oops", true);
  settle();
  EXPECT_EQ(events_.lines, (std::vector<std::string>{"root.w:hello@6", "root.w:oops@11"}));
  EXPECT_EQ(std::filesystem::file_size(run_dir_ + "/logs/root.w.log"), 11u);
}

}  // namespace
}  // namespace unit_runtime
