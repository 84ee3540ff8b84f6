// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SlurmEngine on a fake command runner (no Slurm): what it runs, what it
// reports, how it fails. The real Slurm: tests/integration/slurm_test.cpp.
#include "cluster/slurm_engine.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>

#include "common/temp_dir.hpp"
#include "fakes/fake_command_runner.hpp"

namespace lightning::cluster {
namespace {

using testing::FakeCommandRunner;

class SlurmEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = dir_ / "lightning-worker";
    std::ofstream(worker_) << "#!/bin/sh\n";
    ASSERT_EQ(::chmod(worker_.c_str(), 0755), 0);
    token_ = dir_ / "worker.token";
    std::ofstream(token_) << "secret";
    ASSERT_EQ(::chmod(token_.c_str(), 0600), 0);
    runner_ = std::make_shared<FakeCommandRunner>();
  }

  EngineContext context() const {
    EngineContext ctx;
    ctx.controller_address = "127.0.0.1:5000";
    ctx.token_file = token_;
    ctx.run_id = "abc123";
    ctx.run_dir = dir_.path();
    ctx.worker_binary = worker_;
    return ctx;
  }

  // No poller: the test calls refresh() itself.
  static SlurmEngine::Timing manual() {
    SlurmEngine::Timing t;
    t.poll_interval = std::chrono::milliseconds(0);
    t.release_timeout = std::chrono::milliseconds(300);
    t.release_poll_interval = std::chrono::milliseconds(1);
    return t;
  }

  testing::TempDir dir_;
  std::string worker_;
  std::string token_;
  std::shared_ptr<FakeCommandRunner> runner_;
};

TEST_F(SlurmEngineTest, SubmitsTheScriptAndReportsTheJobAsSqueueSeesIt) {
  std::atomic<int> squeues{0};
  runner_->set_answer([&](const std::vector<std::string>& argv) -> Result<util::CommandResult> {
    if (argv[0] == "sbatch") return FakeCommandRunner::ok("4242\n");
    if (argv[0] == "squeue") {
      return FakeCommandRunner::ok(++squeues == 1 ? "4242|PENDING|Resources|\n"
                                                  : "4242|RUNNING|None|gpu[01-02]\n");
    }
    if (argv[0] == "scontrol") return FakeCommandRunner::ok("gpu01\ngpu02\n");
    return FakeCommandRunner::ok("");
  });
  SlurmOptions options;
  options.nodes = 2;
  options.gpus_per_node = 4;
  SlurmEngine engine(options, runner_, manual());
  EXPECT_EQ(engine.describe()["state"], "NOT_SUBMITTED");
  ASSERT_TRUE(engine.start(context()).ok());
  EXPECT_EQ(engine.job_id(), "4242");

  const auto sbatch = runner_->calls_of("sbatch");
  ASSERT_EQ(sbatch.size(), 1u);
  EXPECT_EQ(sbatch[0], (std::vector<std::string>{"sbatch", "--parsable", dir_ / "slurm-job.sh"}));
  std::ifstream script(dir_ / "slurm-job.sh");
  const std::string text((std::istreambuf_iterator<char>(script)), {});
  EXPECT_NE(text.find("#SBATCH \"--gres=gpu:4\""), std::string::npos);
  EXPECT_EQ(text.find("secret"), std::string::npos) << "the token itself is never in the script";

  auto d = engine.describe();
  EXPECT_EQ(d["job_id"], "4242");
  EXPECT_EQ(d["state"], "SUBMITTED");
  EXPECT_EQ(d["requested"]["nodes"], 2);
  EXPECT_EQ(d["requested"]["gpus_per_node"], 4);
  EXPECT_EQ(d["requested"]["cpus_per_node"], 0) << "what was asked, all of it";
  EXPECT_EQ(d["requested"]["max_requeues"], 3);
  EXPECT_EQ(d["output"], dir_ / "slurm-4242.out");

  ASSERT_TRUE(engine.refresh().ok());
  d = engine.describe();
  EXPECT_EQ(d["state"], "PENDING");
  EXPECT_EQ(d["reason"], "Resources");
  EXPECT_EQ(d["info"], "Slurm job 4242 PENDING (Resources)");
  EXPECT_TRUE(runner_->calls_of("scontrol").empty());

  ASSERT_TRUE(engine.refresh().ok());
  d = engine.describe();
  EXPECT_EQ(d["state"], "RUNNING");
  EXPECT_EQ(d["node_list"], "gpu[01-02]");
  EXPECT_EQ(d["nodes"], (nlohmann::json{"gpu01", "gpu02"}));
  EXPECT_EQ(d["info"], "Slurm job 4242 RUNNING on gpu[01-02]");
  EXPECT_EQ(runner_->calls_of("scontrol").at(0),
            (std::vector<std::string>{"scontrol", "show", "hostnames", "gpu[01-02]"}));
  // The same node list is not expanded twice.
  ASSERT_TRUE(engine.refresh().ok());
  EXPECT_EQ(runner_->calls_of("scontrol").size(), 1u);
  EXPECT_EQ(
      runner_->calls_of("squeue").at(0),
      (std::vector<std::string>{"squeue", "-h", "-t", "all", "-j", "4242", "-o", "%i|%T|%r|%N"}));
}

TEST_F(SlurmEngineTest, ReleaseCancelsAndWaitsUntilTheJobHasEnded) {
  std::atomic<bool> cancelled{false};
  std::atomic<int> after_cancel{0};
  runner_->set_answer([&](const std::vector<std::string>& argv) -> Result<util::CommandResult> {
    if (argv[0] == "sbatch") return FakeCommandRunner::ok("7\n");
    if (argv[0] == "scancel") {
      cancelled = true;
      return FakeCommandRunner::ok("");
    }
    if (argv[0] == "squeue") {
      if (!cancelled) return FakeCommandRunner::ok("7|RUNNING|None|n1\n");
      // Two looks while Slurm kills the processes, then ended.
      return FakeCommandRunner::ok(++after_cancel < 3 ? "7|COMPLETING|None|n1\n"
                                                      : "7|CANCELLED|None|n1\n");
    }
    return FakeCommandRunner::ok("n1\n");
  });
  SlurmEngine engine(SlurmOptions{}, runner_, manual());
  ASSERT_TRUE(engine.start(context()).ok());
  // No refresh before: a run too short for the poller still gets its nodes.
  engine.release("the app ended");
  EXPECT_EQ(runner_->calls_of("scancel"),
            (std::vector<std::vector<std::string>>{{"scancel", "7"}}));
  EXPECT_EQ(after_cancel.load(), 3);
  EXPECT_EQ(runner_->calls_of("squeue").size(), 3u);
  auto d = engine.describe();
  EXPECT_EQ(d["state"], "CANCELLED");
  EXPECT_EQ(d["released"], true);
  EXPECT_EQ(d["nodes"], nlohmann::json{"n1"});
  // Idempotent: nothing more is run.
  const auto calls = runner_->calls().size();
  engine.release("again");
  EXPECT_EQ(runner_->calls().size(), calls);
}

TEST_F(SlurmEngineTest, ReleaseOfAForgottenJobStopsAtOnce) {
  runner_->set_answer([&](const std::vector<std::string>& argv) -> Result<util::CommandResult> {
    if (argv[0] == "sbatch") return FakeCommandRunner::ok("8;other\n");
    if (argv[0] == "squeue") {
      return FakeCommandRunner::failed(1, "slurm_load_jobs error: Invalid job id specified\n");
    }
    return FakeCommandRunner::failed(1, "scancel: error: Kill job error on job id 8\n");
  });
  SlurmEngine engine(SlurmOptions{}, runner_, manual());
  ASSERT_TRUE(engine.start(context()).ok());
  engine.release("done");
  EXPECT_EQ(engine.describe()["state"], "GONE");
  EXPECT_EQ(engine.describe()["cluster"], "other");
  // Another cluster's job: every command names it.
  EXPECT_EQ(runner_->calls_of("scancel").at(0),
            (std::vector<std::string>{"scancel", "--clusters=other", "8"}));
  EXPECT_EQ(runner_->calls_of("squeue").at(0).back(), "--clusters=other");
}

TEST_F(SlurmEngineTest, ReleaseGivesUpAtItsDeadlineWhenTheJobNeverEnds) {
  runner_->set_answer([&](const std::vector<std::string>& argv) -> Result<util::CommandResult> {
    if (argv[0] == "sbatch") return FakeCommandRunner::ok("9\n");
    if (argv[0] == "squeue") return FakeCommandRunner::ok("9|COMPLETING|None|n1\n");
    return FakeCommandRunner::ok("");
  });
  auto timing = manual();
  timing.release_timeout = std::chrono::milliseconds(50);
  SlurmEngine engine(SlurmOptions{}, runner_, timing);
  ASSERT_TRUE(engine.start(context()).ok());
  const auto t0 = std::chrono::steady_clock::now();
  engine.release("done");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(engine.describe()["released"], true);
  EXPECT_EQ(engine.describe()["state"], "COMPLETING");
}

TEST_F(SlurmEngineTest, ARefusedSubmissionSaysWhatSlurmSaid) {
  runner_->set_answer([](const std::vector<std::string>&) -> Result<util::CommandResult> {
    return FakeCommandRunner::failed(
        1,
        "sbatch: error: invalid partition specified: gpu\n"
        "sbatch: error: Batch job submission failed: Invalid partition name specified\n");
  });
  SlurmEngine engine(SlurmOptions{}, runner_, manual());
  auto s = engine.start(context());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("Invalid partition name specified"), std::string::npos) << s.message();
  EXPECT_EQ(engine.describe()["state"], "NOT_SUBMITTED");
  engine.release("nothing to release");
  EXPECT_TRUE(runner_->calls_of("scancel").empty());
}

TEST_F(SlurmEngineTest, NoSbatchOnPathIsAClearError) {
  SlurmEngine engine(SlurmOptions{}, runner_, manual());  // the fake's default: not found
  auto s = engine.start(context());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("Slurm login node"), std::string::npos) << s.message();
}

TEST_F(SlurmEngineTest, GarbageFromSbatchIsAnErrorNotAJob) {
  runner_->set_answer([](const std::vector<std::string>&) -> Result<util::CommandResult> {
    return FakeCommandRunner::ok("Submitted batch job 12\n");
  });
  SlurmEngine engine(SlurmOptions{}, runner_, manual());
  auto s = engine.start(context());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST_F(SlurmEngineTest, ABadContextIsRefusedBeforeAnythingRuns) {
  SlurmEngine engine(SlurmOptions{}, runner_, manual());
  auto ctx = context();
  ctx.worker_binary = dir_ / "no-such-worker";
  auto s = engine.start(ctx);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("LIGHTNING_WORKER_BIN"), std::string::npos);

  ctx = context();
  ASSERT_EQ(::chmod(token_.c_str(), 0644), 0);
  s = engine.start(ctx);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("mode 0644"), std::string::npos) << s.message();
  ASSERT_EQ(::chmod(token_.c_str(), 0600), 0);

  ctx.token_file = dir_ / "missing.token";
  EXPECT_EQ(engine.start(ctx).code(), StatusCode::kNotFound);
  ctx = context();
  ctx.run_dir = dir_ / "missing";
  EXPECT_EQ(engine.start(ctx).code(), StatusCode::kNotFound);
  ctx = context();
  ctx.run_id = "bad id";
  EXPECT_EQ(engine.start(ctx).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_->calls().empty());
}

TEST_F(SlurmEngineTest, ASecondStartIsRefused) {
  runner_->set_answer([](const std::vector<std::string>& argv) -> Result<util::CommandResult> {
    return FakeCommandRunner::ok(argv[0] == "sbatch" ? "1\n" : "");
  });
  SlurmEngine engine(SlurmOptions{}, runner_, manual());
  ASSERT_TRUE(engine.start(context()).ok());
  EXPECT_EQ(engine.start(context()).code(), StatusCode::kFailedPrecondition);
}

TEST_F(SlurmEngineTest, ASqueueFailureIsReportedAndTheLastStateKept) {
  std::atomic<bool> broken{false};
  runner_->set_answer([&](const std::vector<std::string>& argv) -> Result<util::CommandResult> {
    if (argv[0] == "sbatch") return FakeCommandRunner::ok("3\n");
    if (argv[0] == "squeue") {
      if (broken) {
        return FakeCommandRunner::failed(
            1, "squeue: error: Unable to contact slurm controller (connect failure)\n");
      }
      return FakeCommandRunner::ok("3|RUNNING|None|n1\n");
    }
    return FakeCommandRunner::ok("n1\n");
  });
  SlurmEngine engine(SlurmOptions{}, runner_, manual());
  ASSERT_TRUE(engine.start(context()).ok());
  ASSERT_TRUE(engine.refresh().ok());
  broken = true;
  EXPECT_FALSE(engine.refresh().ok());
  auto d = engine.describe();
  EXPECT_EQ(d["state"], "RUNNING");
  EXPECT_NE(d["error"].get<std::string>().find("Unable to contact slurm controller"),
            std::string::npos);
  broken = false;
  ASSERT_TRUE(engine.refresh().ok());
  EXPECT_FALSE(engine.describe().contains("error"));
}

TEST_F(SlurmEngineTest, ThePollerRefreshesOnItsOwn) {
  std::atomic<int> squeues{0};
  std::atomic<bool> cancelled{false};
  runner_->set_answer([&](const std::vector<std::string>& argv) -> Result<util::CommandResult> {
    if (argv[0] == "sbatch") return FakeCommandRunner::ok("5\n");
    if (argv[0] == "scancel") cancelled = true;
    if (argv[0] == "squeue") {
      ++squeues;
      return FakeCommandRunner::ok(cancelled ? "5|CANCELLED|None|n1\n" : "5|RUNNING|None|n1\n");
    }
    return FakeCommandRunner::ok("n1\n");
  });
  auto timing = manual();
  timing.poll_interval = std::chrono::milliseconds(1);
  SlurmEngine engine(SlurmOptions{}, runner_, timing);
  ASSERT_TRUE(engine.start(context()).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (engine.describe()["state"] != "RUNNING" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(engine.describe()["state"], "RUNNING");
  EXPECT_EQ(engine.describe()["nodes"], nlohmann::json{"n1"});
  EXPECT_GE(squeues.load(), 1);
  engine.release("done");  // stops and joins the poller
  EXPECT_EQ(engine.describe()["released"], true);
}

}  // namespace
}  // namespace lightning::cluster
