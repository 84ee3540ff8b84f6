// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// `--cluster slurm` end to end (apps/slurm_app.cpp): a real app submits one
// allocation to the real single-node Slurm (scripts/slurm-local.sh, 4 fake
// GPUs), srun starts the real lightning-worker, the scheduler places two
// one-GPU works on it; they get distinct CUDA_VISIBLE_DEVICES inside the
// job, the job id and node name are in the app's state, and the allocation
// is gone when the app has exited. Skips while lightning-worker is not built
// (LIGHTNING_WORKER_EXE empty, in the build and the environment) or without
// Slurm (unless LIGHTNING_REQUIRE_SLURM=1). The same with TLS: the workers get
// the app's certificate files and join over mutual TLS. A few seconds each.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>
#include <string>

#include "cluster/slurm_output.hpp"
#include "common/tls_certs.hpp"
#include "slurm_support.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

constexpr milliseconds kAppWait{90000};

/// The lightning-worker built with this tree, or $LIGHTNING_WORKER_EXE (another build's).
std::string worker_exe() {
  const char* env = std::getenv("LIGHTNING_WORKER_EXE");
  return env != nullptr && *env != '\0' ? env : LIGHTNING_WORKER_EXE;
}

/// A built lightning-worker (the engine starts it on the node through
/// $LIGHTNING_WORKER_BIN, as find_worker_binary reads it), a Slurm that answers,
/// a run's worker token file (mode 0600) in a directory of the test's.
class SlurmAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (worker_exe().empty() || !file_exists(worker_exe())) {
      GTEST_SKIP() << "lightning-worker is not built here (set LIGHTNING_WORKER_EXE to one)";
    }
    LIGHTNING_REQUIRE_SLURM_OR_SKIP();
    write_file(token_file, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ASSERT_EQ(::chmod(token_file.c_str(), 0600), 0);
    ::setenv("LIGHTNING_WORKER_BIN", worker_exe().c_str(), 1);
  }

  /// Slurm no longer runs `job`: squeue lists it as ended, or not at all.
  static void expect_job_gone(const std::string& job) {
    auto squeue = util::run_command({"squeue", "-h", "-t", "all", "-j", job, "-o", "%T"});
    ASSERT_TRUE(squeue.ok()) << squeue.status().message();
    std::string job_state = squeue->out;
    while (!job_state.empty() && job_state.back() == '\n') job_state.pop_back();
    EXPECT_TRUE(job_state.empty() || !cluster::is_active_job_state(job_state))
        << "job " << job << " is still " << job_state;
  }

  TempDir dir;
  const std::string token_file = dir / "worker.token";
};

TEST_F(SlurmAppTest, GpuWorksRunInTheAllocationWithDistinctGpusAndTheAllocationIsGoneAfter) {
  const AppRun run = run_app(
      LIGHTNING_SLURM_APP, dir, {},
      {"--port", "0", "--listen", "127.0.0.1:0", "--quiet-works", "--cluster", "slurm", "--nodes",
       "1", "--gpus-per-node", "2", "--cpus-per-node", "2", "--worker-token-file", token_file},
      kAppWait);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();

  // The job: its output file names its id.
  std::string job;
  for (const auto& entry : std::filesystem::directory_iterator(run.run_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("slurm-", 0) == 0 && name.size() > 10 &&
        name.compare(name.size() - 4, 4, ".out") == 0) {
      job = name.substr(6, name.size() - 10);
    }
  }
  ASSERT_FALSE(job.empty()) << "no slurm-<id>.out in " << run.run_dir << "\n" << run.describe();

  // Both works ran inside that job, on its node, with one GPU each, not the same.
  std::set<std::string> gpus;
  std::string node;
  for (const char* w : {"a", "b"}) {
    const Json& vars = run.work(w).at("vars");
    EXPECT_EQ(run.work(w).at("status").at("stage"), "succeeded") << run.describe();
    EXPECT_EQ(vars.at("job"), job) << run.describe();
    const std::string cvd = vars.at("cvd");
    EXPECT_TRUE(cvd == "0" || cvd == "1" || cvd == "2" || cvd == "3") << cvd;
    gpus.insert(cvd);
    node = vars.at("node");
  }
  EXPECT_EQ(gpus.size(), 2u) << run.describe();
  EXPECT_FALSE(node.empty());

  // Slurm's job id and node name are in the app's state.
  const std::string state = run.final.dump();
  EXPECT_TRUE(contains(state, "\"" + job + "\"")) << run.describe();
  EXPECT_TRUE(contains(state, "\"" + node + "\"")) << run.describe();

  // The allocation is gone: the app released it before exiting.
  expect_job_gone(job);
}

// TLS on Slurm: the workers srun starts get the app's own --tls-ca,
// --tls-cert and --tls-key (paths on the shared file system) and join over
// mutual TLS; the works they start verify the controller too.
TEST_F(SlurmAppTest, WithTlsTheWorkersGetTheAppsFilesAndJoinOverMutualTls) {
  const std::string certs_dir = dir / "tls";
  std::filesystem::create_directories(certs_dir);
  const lightning::testing::TestCertificates certs =
      lightning::testing::make_test_certificates(certs_dir);

  const AppRun run = run_app(LIGHTNING_SLURM_APP, dir, {},
                             {"--port",
                              "0",
                              "--listen",
                              "127.0.0.1:0",
                              "--quiet-works",
                              "--cluster",
                              "slurm",
                              "--nodes",
                              "1",
                              "--gpus-per-node",
                              "2",
                              "--cpus-per-node",
                              "2",
                              "--worker-token-file",
                              token_file,
                              "--tls-cert",
                              certs.server_cert,
                              "--tls-key",
                              certs.server_key,
                              "--tls-ca",
                              certs.ca},
                             kAppWait);
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  for (const char* w : {"a", "b"}) {
    EXPECT_EQ(run.work(w).at("status").at("stage"), "succeeded") << run.describe();
  }
  const std::string script = read_file(run.run_dir + "/slurm-job.sh");
  EXPECT_TRUE(contains(script, " --tls-ca '" + certs.ca + "' --tls-cert '" + certs.server_cert +
                                   "' --tls-key '" + certs.server_key + "'"))
      << script;
  EXPECT_FALSE(contains(script, "PRIVATE KEY"));
  EXPECT_TRUE(contains(run.err, "(TLS client certificate CN=localhost)")) << run.describe();
}

// Slurm's SIGTERM to the job's steps, as it sends it --signal=TERM@120 before
// the time limit (and on pre-emption): the worker drains, the running call
// (a work with no retries) is interrupted, not failed; the job ends with its
// nodes taken away, the app submits a new allocation, and the call runs
// again there. The app succeeds; state.json names both jobs.
TEST_F(SlurmAppTest, SlurmsSigtermBeforeTheTimeLimitRequeuesTheRunAndTheInterruptedCallRunsAgain) {
  const std::string run_dir = dir / "run";
  AppProcess app(
      LIGHTNING_SLURM_APP,
      {"--run-dir", run_dir, "--port", "0", "--listen", "127.0.0.1:0", "--quiet-works", "--cluster",
       "slurm", "--nodes", "1", "--worker-token-file", token_file, "--", "preempt"},
      dir.path());
  const std::string running = run_dir + "/trainer.running";
  ASSERT_TRUE(wait_until([&] { return file_exists(running); }, kAppWait)) << app.stderr_text();
  std::string first_job = read_file(running);
  while (!first_job.empty() && first_job.back() == '\n') first_job.pop_back();
  ASSERT_FALSE(first_job.empty());
  // The allocation is live in the API (what `lightning status` prints).
  const Json api = read_json(run_dir + "/api.json");
  ASSERT_TRUE(api.contains("url")) << api.dump();
  std::string token = read_file(run_dir + "/api-token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  auto workers = util::run_command({"curl", "-sf", "-H", "Authorization: Bearer " + token,
                                    api.at("url").get<std::string>() + "/api/v1/workers"});
  ASSERT_TRUE(workers.ok() && workers->succeeded())
      << (workers.ok() ? workers->describe() : workers.status().message());
  const Json listed = Json::parse(workers->out, nullptr, false);
  ASSERT_TRUE(listed.is_object() && listed.contains("cluster")) << workers->out;
  EXPECT_EQ(listed.at("cluster").at("job_id"), first_job) << workers->out;
  // squeue is polled every 2 s while pending, 5 s while running: it may not
  // have seen the job start yet.
  const std::string job_state_now = listed.at("cluster").at("state");
  EXPECT_TRUE(job_state_now == "RUNNING" || job_state_now == "PENDING" ||
              job_state_now == "CONFIGURING")
      << workers->out;
  auto signalled = util::run_command({"scancel", "--signal=TERM", first_job});
  ASSERT_TRUE(signalled.ok() && signalled->succeeded())
      << (signalled.ok() ? signalled->describe() : signalled.status().message());

  const ExitStatus status = app.wait(kAppWait);
  const std::string err = app.stderr_text();
  ASSERT_EQ(status.exit_code, 0) << status << "\n" << err;
  EXPECT_TRUE(contains(err, "interrupted (worker")) << err;
  EXPECT_TRUE(contains(err, "Slurm job " + first_job + " ended (")) << err;
  EXPECT_TRUE(contains(err, "to carry on the run (requeue 1 of 3")) << err;
  const Json final_state = read_json(run_dir + "/state.json");
  const Json& trainer = final_state.at("state").at("works").at("trainer");
  EXPECT_EQ(trainer.at("status").at("stage"), "succeeded");
  EXPECT_EQ(trainer.at("status").at("attempt"), 2) << "one interrupted attempt, then the rerun";
  const std::string jobs = trainer.at("vars").at("jobs");
  const Json& cluster = final_state.at("cluster");
  ASSERT_EQ(cluster.at("requeued_from"), Json::array({first_job})) << cluster.dump();
  const std::string second_job = cluster.at("job_id");
  EXPECT_NE(second_job, first_job);
  EXPECT_EQ(jobs, first_job + "," + second_job) << "each attempt ran in its own allocation";
  // Both allocations are gone.
  for (const std::string& job : {first_job, second_job}) expect_job_gone(job);
}

// A work asking for more GPUs than any node of the allocation has fails once
// the allocation's workers have joined (no other worker can come), instead of
// holding the allocation until someone notices; the allocation is released.
TEST_F(SlurmAppTest, AWorkNoNodeCanHoldFailsOnceTheAllocationHasJoinedAndTheJobIsReleased) {
  const AppRun run =
      run_app(LIGHTNING_SLURM_APP, dir, {"misfit"},
              {"--port", "0", "--listen", "127.0.0.1:0", "--quiet-works", "--cluster", "slurm",
               "--nodes", "1", "--gpus-per-node", "2", "--worker-token-file", token_file},
              kAppWait);
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "no worker has 8 GPUs (largest: 2); all 1 node of Slurm job "))
      << run.describe();
  EXPECT_TRUE(contains(run.err, "have joined, so it can never run")) << run.describe();
  expect_job_gone(run.final.at("cluster").at("job_id"));
}

}  // namespace
}  // namespace lightning::integration
