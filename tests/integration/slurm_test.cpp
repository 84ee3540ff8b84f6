// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SlurmEngine against a real Slurm (scripts/slurm-local.sh: one node on
// loopback with 4 fake GPUs). The worker is a stand-in shell script written
// by the test: it records what Slurm gave it (node, job id,
// CUDA_VISIBLE_DEVICES, its arguments) and waits for SIGTERM, as
// lightning-worker does. Skips without Slurm unless LIGHTNING_REQUIRE_SLURM=1.
// About 3 s.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "cluster/slurm_engine.hpp"
#include "slurm_support.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

using cluster::EngineContext;
using cluster::SlurmEngine;
using cluster::SlurmOptions;

constexpr milliseconds kJobDeadline{60000};
constexpr const char* kToken = "s3cret-token-value";

// Writes, into <run dir>/standin-<node>.txt, one `key=value` line per fact,
// then waits for SIGTERM (recorded as `term`) and exits 0.
constexpr const char* kStandIn = R"(#!/bin/bash
out="$(pwd)/standin-${SLURMD_NODENAME}.txt"
{
  echo "node=${SLURMD_NODENAME}"
  echo "job=${SLURM_JOB_ID}"
  echo "cvd=${CUDA_VISIBLE_DEVICES-unset}"
  echo "cpus=${SLURM_CPUS_ON_NODE}"
  echo "pid=$$"
  for a in "$@"; do echo "arg=$a"; done
} > "$out.tmp"
trap 'echo term >> "$out"; kill "$child" 2>/dev/null; exit 0' TERM
mv "$out.tmp" "$out"
sleep 1000 &
child=$!
wait "$child"
)";

class SlurmIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LIGHTNING_REQUIRE_SLURM_OR_SKIP();
    // A run dir with a space and a '#': quoted through #SBATCH and the shell.
    run_dir_ = dir_ / "run one#1";
    std::filesystem::create_directories(run_dir_);
    // The binary's own name has no space: proctrack/linuxproc reads
    // /proc/PID/stat with a scanf that a space in the process name breaks,
    // and such a process then escapes scancel (seen with Slurm 22.05).
    std::filesystem::create_directories(run_dir_ + "/bin #2");
    standin_ = run_dir_ + "/bin #2/lightning-worker";
    write_file(standin_, kStandIn);
    ASSERT_EQ(::chmod(standin_.c_str(), 0755), 0);
    token_file_ = run_dir_ + "/worker.token";
    write_file(token_file_, kToken);
    ASSERT_EQ(::chmod(token_file_.c_str(), 0600), 0);
  }

  EngineContext context(const std::string& run_id) const {
    EngineContext ctx;
    ctx.controller_address = "127.0.0.1:50051";  // nothing dials it: the stand-in only records
    ctx.token_file = token_file_;
    ctx.run_id = run_id;
    ctx.run_dir = run_dir_;
    ctx.worker_binary = standin_;
    return ctx;
  }

  static SlurmEngine::Timing fast() {
    SlurmEngine::Timing t;
    t.poll_interval = milliseconds(100);
    t.pending_poll_interval = milliseconds(100);
    t.release_timeout = milliseconds(30000);
    t.release_poll_interval = milliseconds(50);
    return t;
  }

  // The stand-in's record, once it has written it; key -> values.
  std::multimap<std::string, std::string> record_of(const std::string& node) const {
    std::multimap<std::string, std::string> out;
    for (const auto& line : lines_of(read_file(run_dir_ + "/standin-" + node + ".txt"))) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) {
        out.emplace(line, "");
      } else {
        out.emplace(line.substr(0, eq), line.substr(eq + 1));
      }
    }
    return out;
  }

  TempDir dir_;
  std::string run_dir_;
  std::string standin_;
  std::string token_file_;
};

std::string one(const std::multimap<std::string, std::string>& record, const std::string& key) {
  auto it = record.find(key);
  return it == record.end() ? "" : it->second;
}

TEST_F(SlurmIntegrationTest, StartsOneWorkerPerNodeWithItsGpusAndReleasesTheAllocation) {
  SlurmOptions options;
  options.nodes = 1;
  options.gpus_per_node = 2;
  options.cpus_per_node = 2;  // the node's all
  SlurmEngine engine(options, nullptr, fast());
  ASSERT_TRUE(engine.start(context("slurmtest1")).ok());
  const std::string job = engine.job_id();
  ASSERT_FALSE(job.empty());

  // The job runs and the poller sees it on a node.
  ASSERT_TRUE(wait_until(
      [&] {
        auto d = engine.describe();
        return d["state"] == "RUNNING" && !d["nodes"].empty();
      },
      kJobDeadline))
      << engine.describe().dump() << "\n"
      << read_file(run_dir_ + "/slurm-" + job + ".out");
  const auto d = engine.describe();
  EXPECT_EQ(d["job_id"], job);
  const std::string node = d["nodes"][0];
  EXPECT_EQ(d["node_list"], node);
  EXPECT_EQ(d["info"], "Slurm job " + job + " RUNNING on " + node);

  // The stand-in ran on that node, in that job, with two distinct GPUs.
  const std::string record_path = run_dir_ + "/standin-" + node + ".txt";
  ASSERT_TRUE(wait_until([&] { return file_exists(record_path); }, kJobDeadline))
      << read_file(run_dir_ + "/slurm-" + job + ".out");
  auto record = record_of(node);
  EXPECT_EQ(one(record, "node"), node);
  EXPECT_EQ(one(record, "job"), job);
  EXPECT_EQ(one(record, "cpus"), "2") << "the step got the CPUs asked for";
  std::set<std::string> gpus;
  std::string cvd = one(record, "cvd");
  for (size_t start = 0; start <= cvd.size();) {
    size_t comma = cvd.find(',', start);
    if (comma == std::string::npos) comma = cvd.size();
    gpus.insert(cvd.substr(start, comma - start));
    start = comma + 1;
  }
  EXPECT_EQ(gpus.size(), 2u) << "CUDA_VISIBLE_DEVICES=" << cvd;
  for (const auto& g : gpus) EXPECT_TRUE(g == "0" || g == "1" || g == "2" || g == "3") << g;
  // Its arguments: the controller and the token file's path, never the token.
  std::vector<std::string> args;
  for (auto [it, end] = record.equal_range("arg"); it != end; ++it) args.push_back(it->second);
  const std::vector<std::string> expected = {"--controller", "127.0.0.1:50051", "--token-file",
                                             token_file_};
  EXPECT_EQ(args, expected);
  EXPECT_FALSE(contains(read_file(engine.script_path()), kToken));
  const pid_t standin_pid = static_cast<pid_t>(std::stol(one(record, "pid")));
  EXPECT_FALSE(process_is_gone(standin_pid));

  // release(): the stand-in got SIGTERM (as lightning-worker drains on it),
  // it is gone, and Slurm no longer runs the job.
  const auto t0 = Clock::now();
  engine.release("the test is done");
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  EXPECT_TRUE(wait_process_gone(standin_pid, milliseconds(10000)));
  EXPECT_EQ(record_of(node).count("term"), 1u);
  const auto after = engine.describe();
  EXPECT_EQ(after["released"], true);
  EXPECT_TRUE(after["state"] == "CANCELLED" || after["state"] == "GONE") << after.dump();
  auto squeue = util::run_command({"squeue", "-h", "-t", "all", "-j", job, "-o", "%T"});
  ASSERT_TRUE(squeue.ok());
  EXPECT_TRUE(squeue->out.empty() || squeue->out == "CANCELLED\n") << squeue->out;
  std::cerr << "release took " << took.count() << " ms\n";
}

TEST_F(SlurmIntegrationTest, AJobThatWaitsForGpusShowsWhyAndRunsOnceTheyAreFree) {
  SlurmOptions all;
  all.gpus_per_node = 4;
  SlurmEngine holder(all, nullptr, fast());
  ASSERT_TRUE(holder.start(context("slurmtest2a")).ok());
  ASSERT_TRUE(wait_until([&] { return holder.describe()["state"] == "RUNNING"; }, kJobDeadline))
      << holder.describe().dump();

  SlurmOptions one_gpu;
  one_gpu.gpus_per_node = 1;
  SlurmEngine waiter(one_gpu, nullptr, fast());
  ASSERT_TRUE(waiter.start(context("slurmtest2b")).ok());
  // PENDING with reason None until the scheduler has looked at it, then Resources.
  ASSERT_TRUE(wait_until(
      [&] {
        auto d = waiter.describe();
        return d["state"] == "PENDING" && d["reason"] == "Resources";
      },
      kJobDeadline))
      << waiter.describe().dump();
  auto d = waiter.describe();
  EXPECT_EQ(d["info"], "Slurm job " + waiter.job_id() + " PENDING (Resources)");
  EXPECT_TRUE(d["nodes"].empty());

  holder.release("make room");
  EXPECT_TRUE(wait_until([&] { return waiter.describe()["state"] == "RUNNING"; }, kJobDeadline))
      << waiter.describe().dump();
  waiter.release("the test is done");
  EXPECT_FALSE(cluster::is_active_job_state(waiter.describe()["state"]) &&
               waiter.describe()["state"] != "GONE")
      << waiter.describe().dump();
}

TEST_F(SlurmIntegrationTest, SlurmRefusingTheJobIsAClearErrorAtStart) {
  SlurmOptions options;
  options.partition = "no-such-partition";
  SlurmEngine engine(options, nullptr, fast());
  auto s = engine.start(context("slurmtest3"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(contains(s.message(), "invalid partition specified: no-such-partition"))
      << s.message();
  EXPECT_TRUE(engine.job_id().empty());
}

TEST_F(SlurmIntegrationTest, AJobSlurmCannotEverRunIsRefusedOrFailsWithItsReason) {
  SlurmOptions too_many;
  too_many.gpus_per_node = 64;  // the node has 4
  SlurmEngine engine(too_many, nullptr, fast());
  const Status s = engine.start(context("slurmtest4"));
  // Slurm 22.05 refuses it at submission when it can tell at once, and
  // otherwise (seen while other jobs were being scheduled) takes it and fails
  // it with reason BadConstraints: either way the user reads why.
  if (!s.ok()) {
    EXPECT_TRUE(contains(s.message(), "Requested node configuration is not available"))
        << s.message();
    return;
  }
  ASSERT_TRUE(wait_until([&] { return engine.describe()["state"] == "FAILED"; }, kJobDeadline))
      << engine.describe().dump();
  EXPECT_EQ(engine.describe()["reason"], "BadConstraints") << engine.describe().dump();
  EXPECT_TRUE(engine.describe()["nodes"].empty());
}

}  // namespace
}  // namespace lightning::integration
