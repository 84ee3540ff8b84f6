// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// TrainWork in a real app (train_app.cpp): real work processes, real gRPC,
// real Fashion-MNIST files (Debian's dataset-fashion-mnist), real libtorch.
// Each test is one or two app runs of a few seconds (2,000 images, an MLP).
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "../../integration/support.hpp"

namespace lightning::integration {
namespace {

const char* kApp = LIGHTNING_TRAIN_APP;
const char* kSource = "/usr/share/datasets/fashion-mnist";
constexpr milliseconds kDeadline{60000};

/// One test's directories: run dir, the app's marker dir; the machine data
/// cache is the build tree's, shared by the tests as a machine's is by its
/// apps (data_test covers the cache itself).
struct Dirs {
  TempDir tmp;
  std::string cache = LIGHTNING_TRAIN_TEST_CACHE;
  std::string markers = tmp / "markers";
  Dirs() { std::filesystem::create_directories(markers); }
  std::vector<std::string> args(const std::string& scenario) const {
    return {scenario, kSource, cache, markers};
  }
};

void require_data() {
  if (!std::filesystem::exists(std::string(kSource) + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed (scripts/install-deps.sh)";
  }
}

/// The lines of the trainer's log that start with `prefix`.
std::vector<std::string> log_lines(const std::string& run_dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(read_file(run_dir + "/logs/root.train.log"))) {
    const auto at = l.find(prefix);
    if (at != std::string::npos) out.push_back(l.substr(at));
  }
  return out;
}

/// "key=value" out of a log line, as a double (NaN when absent).
double field(const std::string& line, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("(^| )" + key + "=([^ ]+)"))) return NAN;
  return std::stod(m[2]);
}

/// Checks a resumed call: it started from `from`, its model reproduces the
/// checkpoint's val_loss exactly (the weights were loaded, not retrained),
/// and it ends no worse than that checkpoint.
void expect_resumed(const AppRun& run, int64_t from) {
  const Json& t = run.work("train").at("vars");
  EXPECT_EQ(t.at("resumed_from"), from) << run.describe();
  EXPECT_EQ(t.at("step"), 63) << "2,000 images in batches of 32: 63 steps";
  const auto resumed = log_lines(run.run_dir, "resumed from checkpoint");
  ASSERT_EQ(resumed.size(), 1u) << run.work_log("root.train");
  EXPECT_EQ(field(resumed[0], "step"), from);
  const double at_resume = field(resumed[0], "val_loss");
  const double in_checkpoint = field(resumed[0], "checkpoint_val_loss");
  if (!std::isnan(in_checkpoint)) {
    // Evaluated when it was saved: the resumed model gives exactly that loss.
    EXPECT_NEAR(at_resume, in_checkpoint, 1e-5) << resumed[0];
  }
  // An untrained MLP's val_loss is about ln(10) = 2.3: the weights were loaded.
  EXPECT_LT(at_resume, 1.5) << resumed[0];
  EXPECT_LE(t.at("val_loss").get<double>(), at_resume + 0.05)
      << "the loss after resuming is worse than at the checkpoint";
  EXPECT_GT(t.at("val_accuracy").get<double>(), 0.5);
}

TEST(TrainWorkTest, TrainsReportsMetricsAndCommitsACheckpointAnotherWorkLoads) {
  require_data();
  Dirs d;
  const AppRun run = run_app(kApp, d.tmp, d.args("report"), {"--no-http"}, kDeadline);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& t = run.work("train").at("vars");
  EXPECT_EQ(t.at("step"), 63);
  EXPECT_EQ(t.at("epoch"), 0);
  EXPECT_EQ(t.at("resumed_from"), -1) << "a fresh run has no checkpoint to resume from";
  EXPECT_TRUE(std::isfinite(t.at("loss").get<double>()));
  EXPECT_GT(t.at("samples_per_s").get<double>(), 0.0);
  EXPECT_GE(t.at("accuracy").get<double>(), 0.0);
  EXPECT_LE(t.at("accuracy").get<double>(), 1.0);
  // 63 Adam steps of an MLP on Fashion-MNIST: well above chance (0.1).
  EXPECT_GT(t.at("val_accuracy").get<double>(), 0.5) << run.describe();
  EXPECT_LT(t.at("val_loss").get<double>(), 2.0);
  EXPECT_EQ(t.at("threads"), 1);
  EXPECT_EQ(t.at("device"), "cpu");
  EXPECT_EQ(t.at("checkpoint_step"), 63);
  const Json& ckpt = t.at("checkpoint");
  EXPECT_EQ(ckpt.at("$path"), "checkpoints/step-000000000063.pt");
  EXPECT_EQ(ckpt.at("manifest").get<std::string>().size(), 64u) << "not committed";
  EXPECT_EQ(run.work("reader").at("vars").at("loaded_step"), 63);
  // keep_last (3): checkpoints 40, 50, 60 and 63 were written, 3 are left.
  int left = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(run.run_dir + "/files/root.train/checkpoints")) {
    EXPECT_EQ(e.path().filename().string().rfind(".tmp", 0), std::string::npos) << e.path();
    ++left;
  }
  EXPECT_EQ(left, 3);
  // The data work's files: the four IDX files, linked from the machine cache.
  const Json& data = run.work("data").at("vars");
  EXPECT_EQ(data.at("train_size"), 60000);
  EXPECT_EQ(data.at("test_size"), 10000);
  EXPECT_EQ(data.at("source_key").get<std::string>().size(), 64u);
}

TEST(TrainWorkTest, KilledWithSigkillMidTrainingTheRetryResumesFromTheLatestCheckpoint) {
  require_data();
  Dirs d;
  std::vector<std::string> args{"--run-dir", d.tmp / "run", "--no-http", "--"};
  for (const auto& a : d.args("kill")) args.push_back(a);
  AppProcess app(kApp, args, d.tmp.path());
  const std::string run_dir = d.tmp / "run";
  // The first attempt holds in its dataset at batch 25 (after the
  // checkpoints at steps 10 and 20): kill it there.
  std::string held_pid;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto held = log_lines(run_dir, "dataset holds at batch 25");
        const auto saved = log_lines(run_dir, "checkpoint saved step=20");
        if (!held.empty() && !saved.empty()) held_pid = std::to_string(static_cast<int>(field(saved[0], "pid")));
        return !held_pid.empty() || app.has_exited();
      },
      kDeadline))
      << app.stderr_text();
  ASSERT_FALSE(held_pid.empty()) << app.stderr_text();
  const pid_t pid = std::stoi(held_pid);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const auto st = app.wait(kDeadline);
  AppRun run;
  run.run_dir = run_dir;
  run.status = st;
  run.out = app.stdout_text();
  run.err = app.stderr_text();
  run.final = read_json(run_dir + "/state.json");
  ASSERT_EQ(st.exit_code, 0) << run.describe();
  EXPECT_EQ(run.work("train").at("status").at("attempt"), 2) << run.describe();
  expect_resumed(run, 20);
  const auto resumed = log_lines(run_dir, "resumed from checkpoint");
  EXPECT_NE(field(resumed[0], "pid"), pid) << "the retry ran in the killed process?";
}

TEST(TrainWorkTest, StoppedMidTrainingSavesACheckpointAndTheNextCallResumesFromIt) {
  require_data();
  Dirs d;
  const AppRun run = run_app(kApp, d.tmp, d.args("stop"), {"--no-http"}, kDeadline);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  // The flow stops the work when it reports step 24; the stop lands before
  // step 25 or during it (the dataset holds there until the stop): the work
  // saves a checkpoint at the step it reached and returns.
  const auto stop_lines = log_lines(run.run_dir, "stop requested: checkpoint at step=");
  ASSERT_EQ(stop_lines.size(), 1u) << run.work_log("root.train");
  const auto stopped_at = static_cast<int64_t>(field(stop_lines[0], "step"));
  EXPECT_TRUE(stopped_at == 24 || stopped_at == 25) << stop_lines[0];
  EXPECT_EQ(run.root_vars().at("step_when_stopped"), 24);
  EXPECT_EQ(run.work("train").at("status").at("call_id"), 2) << run.describe();
  expect_resumed(run, stopped_at);
}

TEST(TrainWorkTest, ADatasetThatThrowsFailsTheCallWithItsMessageAndTheNextCallResumes) {
  require_data();
  Dirs d;
  const AppRun run = run_app(kApp, d.tmp, d.args("throw"), {"--no-http"}, kDeadline);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_TRUE(contains(run.root_vars().at("failure"),
                       "test dataset: cannot read batch 25 (injected fault)"))
      << run.root_vars().at("failure");
  expect_resumed(run, 20);
}

TEST(TrainWorkTest, ACheckpointThatDoesNotFitTheModelFailsNamingTheParameterAndBothShapes) {
  require_data();
  Dirs d;
  const AppRun run = run_app(kApp, d.tmp, d.args("mismatch"), {"--no-http"}, kDeadline);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const std::string failure = run.root_vars().at("failure");
  EXPECT_TRUE(contains(failure, "parameter '1.weight' is [64, 784] in the checkpoint but "
                                "[32, 784] in the model"))
      << failure;
  EXPECT_TRUE(contains(failure, "step-000000000010.pt")) << failure;
}

TEST(TrainWorkTest, AnAppKilledMidTrainingAndResumedWithResumeContinuesFromTheCheckpoint) {
  require_data();
  Dirs d;
  const std::string run_dir = d.tmp / "run";
  {
    AppProcess app(kApp, {"--run-dir", run_dir, "--no-http", "--", "hold", kSource, d.cache, d.markers},
                   d.tmp.path());
    ASSERT_TRUE(wait_until(
        [&] {
          return (!log_lines(run_dir, "dataset holds at batch 25").empty() &&
                  !log_lines(run_dir, "checkpoint saved step=20").empty()) ||
                 app.has_exited();
        },
        kDeadline))
        << app.stderr_text();
    ASSERT_FALSE(app.has_exited()) << app.stderr_text();
    app.send_signal(SIGKILL);  // the controller: its works follow it
    ASSERT_EQ(app.wait().signal, SIGKILL);
  }
  std::filesystem::create_directories(d.tmp / "resumed");
  AppProcess resumed(kApp, {"--resume", run_dir, "--no-http"}, d.tmp / "resumed");
  const auto st = resumed.wait(kDeadline);
  AppRun run;
  run.run_dir = run_dir;
  run.status = st;
  run.out = resumed.stdout_text();
  run.err = resumed.stderr_text();
  run.final = read_json(run_dir + "/state.json");
  ASSERT_EQ(st.exit_code, 0) << run.describe();
  expect_resumed(run, 20);
}

TEST(TrainWorkTest, MissingDataFilesFailTheDataWorkNamingThePackageToInstall) {
  Dirs d;
  std::filesystem::create_directories(d.tmp / "empty");
  const AppRun run = run_app(kApp, d.tmp, {"report", d.tmp / "empty", d.cache, d.markers},
                             {"--no-http"}, kDeadline);
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  const std::string msg = run.work("data").at("status").at("message");
  EXPECT_TRUE(contains(msg, "train-images-idx3-ubyte.gz is missing")) << msg;
  EXPECT_TRUE(contains(msg, "apt-get install dataset-fashion-mnist")) << msg;
}

}  // namespace
}  // namespace lightning::integration
