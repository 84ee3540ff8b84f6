// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/worker_options.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "../../common/temp_dir.hpp"
#include "../../common/tls_certs.hpp"
#include "node/worker_agent.hpp"
#include "rpc/cluster_protocol.hpp"
#include "runtime/resource_budget.hpp"

namespace lightning::node {
namespace {

using lightning::testing::TempDir;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<WorkerCommandLine> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "lightning-worker");
  return parse_worker_command_line(static_cast<int>(args.size()), args.data());
}

scheduler::LocalResources machine() {
  scheduler::LocalResources l;
  l.resources.milli_cpus = 8000;
  l.resources.memory_bytes = int64_t{32} << 30;
  l.cpus_source = "sched_getaffinity: 8";
  l.memory_source = "/proc/meminfo";
  return l;
}

std::string write_token(const TempDir& dir, const std::string& text, mode_t mode) {
  std::string path = dir / "token";
  { std::ofstream(path) << text; }
  chmod(path.c_str(), mode);
  return path;
}

TEST(WorkerOptionsTest, ParsesEveryFlag) {
  Result<WorkerCommandLine> cmd = parse({"--controller",
                                         "10.0.0.1:7600",
                                         "--token-file",
                                         "/t",
                                         "--name",
                                         "n1",
                                         "--work-dir",
                                         "/w",
                                         "--gpus",
                                         "0,1",
                                         "--cpus",
                                         "4",
                                         "--memory-gb",
                                         "16",
                                         "--label",
                                         "a=b",
                                         "--label",
                                         "c=d",
                                         "--log-level",
                                         "debug",
                                         "--connect-timeout",
                                         "5",
                                         "--drain-grace",
                                         "2",
                                         "--app-cache-gb",
                                         "0.5"});
  ASSERT_TRUE(cmd.ok()) << cmd.status().message();
  EXPECT_EQ(cmd->app_cache_gb, 0.5);
  EXPECT_EQ(cmd->controller, "10.0.0.1:7600");
  EXPECT_EQ(cmd->gpus, "0,1");
  EXPECT_EQ(cmd->cpus, 4.0);
  EXPECT_EQ(cmd->labels, (std::vector<std::string>{"a=b", "c=d"}));
  EXPECT_EQ(cmd->connect_timeout_s, 5.0);
}

TEST(WorkerOptionsTest, MissingOrBadFlagsSayWhich) {
  EXPECT_NE(parse({"--token-file", "/t"}).status().message().find("--controller"),
            std::string::npos);
  EXPECT_NE(parse({"--controller", "x:1"}).status().message().find("--token-file"),
            std::string::npos);
  EXPECT_NE(parse({"--controller", "x:1", "--token-file", "/t", "--bogus"})
                .status()
                .message()
                .find("--bogus"),
            std::string::npos);
  EXPECT_NE(parse({"--controller", "x:1", "--token-file", "/t", "--cpus", "-1"})
                .status()
                .message()
                .find("--cpus"),
            std::string::npos);
  EXPECT_NE(parse({"--controller", "x:1", "--token-file", "/t", "--app-cache-gb", "-1"})
                .status()
                .message()
                .find("--app-cache-gb must be 0 to 1000000 GiB"),
            std::string::npos);
  EXPECT_NE(parse({"--controller", "x:1", "--token-file", "/t", "--log-level", "loud"})
                .status()
                .message()
                .find("--log-level"),
            std::string::npos);
}

TEST(WorkerOptionsTest, TlsFlagsAreReadAndTheirRulesSayWhich) {
  Result<WorkerCommandLine> cmd =
      parse({"--controller", "h:1", "--token-file", "/t", "--tls-ca", "/ca.pem", "--tls-cert",
             "/w.pem", "--tls-key", "/w.key", "--tls-server-name", "head.cluster"});
  ASSERT_TRUE(cmd.ok()) << cmd.status().message();
  EXPECT_EQ(cmd->tls.ca, "/ca.pem");
  EXPECT_EQ(cmd->tls.cert, "/w.pem");
  EXPECT_EQ(cmd->tls.key, "/w.key");
  EXPECT_EQ(cmd->tls_server_name, "head.cluster");
  EXPECT_TRUE(parse({"--controller", "h:1", "--token-file", "/t", "--tls-ca", "/ca.pem"}).ok());

  auto no_ca = parse(
      {"--controller", "h:1", "--token-file", "/t", "--tls-cert", "/w.pem", "--tls-key", "/w.key"});
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.status().message().find("go with --tls-ca"), std::string::npos)
      << no_ca.status().message();
  auto no_key =
      parse({"--controller", "h:1", "--token-file", "/t", "--tls-ca", "/c", "--tls-cert", "/w"});
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.status().message().find("--tls-cert goes with --tls-key"), std::string::npos)
      << no_key.status().message();
  auto name_alone =
      parse({"--controller", "h:1", "--token-file", "/t", "--tls-server-name", "head"});
  ASSERT_FALSE(name_alone.ok());
  EXPECT_NE(name_alone.status().message().find("--tls-server-name goes with --tls-ca"),
            std::string::npos)
      << name_alone.status().message();
  EXPECT_NE(worker_usage("lightning-worker").find("--tls-server-name NAME"), std::string::npos);
}

TEST(WorkerOptionsTest, WorkerTlsIsReadFromTheFilesAndOffWithoutTheFlags) {
  TempDir dir;
  const lightning::testing::TestCertificates certs =
      lightning::testing::make_test_certificates(dir.path());
  WorkerCommandLine cmd;
  Result<rpc::ClientTls> off = worker_tls(cmd);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled);
  cmd.tls = {certs.worker_cert, certs.worker_key, certs.ca};
  cmd.tls_server_name = "localhost";
  Result<rpc::ClientTls> on = worker_tls(cmd);
  ASSERT_TRUE(on.ok()) << on.status().message();
  EXPECT_TRUE(on->enabled);
  EXPECT_NE(on->ca_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(on->cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(on->key_pem.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(on->server_name, "localhost");
  // The checks at start: a key that is not the certificate's, named.
  cmd.tls.key = certs.other_key;
  Result<rpc::ClientTls> mismatch = worker_tls(cmd);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("--tls-key " + certs.other_key + " does not match"),
            std::string::npos)
      << mismatch.status().message();
}

TEST(WorkerOptionsTest, TokenFileReadableByOthersIsRefused) {
  TempDir dir;
  const std::string path = write_token(dir, "s3cret\n", 0644);
  Result<std::string> token = read_token_file(path);
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("chmod 600"), std::string::npos);
  EXPECT_EQ(token.status().message().find("s3cret"), std::string::npos);
  chmod(path.c_str(), 0600);
  token = read_token_file(path);
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(*token, "s3cret");
}

TEST(WorkerOptionsTest, TokenTextRules) {
  EXPECT_FALSE(parse_token_text("").ok());
  EXPECT_FALSE(parse_token_text(" \n").ok());
  EXPECT_FALSE(parse_token_text("two words").ok());
  EXPECT_FALSE(parse_token_text(std::string(5000, 'a')).ok());
  EXPECT_EQ(*parse_token_text("  abc\r\n"), "abc");
  Result<std::string> bad = parse_token_text("line1\nline2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("line1"), std::string::npos);  // never quoted
}

TEST(WorkerOptionsTest, MissingTokenFileIsNotFound) {
  EXPECT_EQ(read_token_file("/nonexistent/token").status().code(), StatusCode::kNotFound);
}

TEST(WorkerOptionsTest, NameComesFromTheFlagThenSlurmThenTheHostname) {
  WorkerCommandLine cmd;
  cmd.controller = "c:1";
  GpuDetection none;
  none.detected_by = "none";
  Result<WorkerAgentOptions> o =
      resolve_worker_options(cmd, fake_env({{"SLURMD_NODENAME", "gpu07"}}), machine(), none, "h");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->name, "gpu07");
  EXPECT_EQ(o->registration.engine().at("slurm.node_name"), "gpu07");
  o = resolve_worker_options(cmd, fake_env({}), machine(), none, "host1");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->name, "host1");
  cmd.name = "bad/name";
  EXPECT_NE(resolve_worker_options(cmd, fake_env({}), machine(), none, "h")
                .status()
                .message()
                .find("--name"),
            std::string::npos);
}

TEST(WorkerOptionsTest, SlurmAllocationBeatsTheMachineAndFlagsBeatSlurm) {
  WorkerCommandLine cmd;
  cmd.controller = "c:1";
  GpuDetection gpus = *gpus_from_flag("0,1");
  auto env = fake_env({{"SLURM_CPUS_ON_NODE", "4"},
                       {"SLURM_MEM_PER_NODE", "2048"},
                       {"SLURM_JOB_ID", "1234"},
                       {"SLURM_JOB_PARTITION", "gpu"}});
  Result<WorkerAgentOptions> o = resolve_worker_options(cmd, env, machine(), gpus, "h");
  ASSERT_TRUE(o.ok()) << o.status().message();
  const v1::RegisterWorker& r = o->registration;
  EXPECT_EQ(r.protocol_version(), rpc::kClusterProtocolVersion);
  EXPECT_EQ(r.resources().milli_cpus(), 4000);
  EXPECT_EQ(r.resources().memory_bytes(), int64_t{2048} << 20);
  EXPECT_EQ(r.resources().gpus_size(), 2);
  EXPECT_EQ(r.detected_by().at("cpus"), "SLURM_CPUS_ON_NODE");
  EXPECT_EQ(r.detected_by().at("memory"), "SLURM_MEM_PER_NODE");
  EXPECT_EQ(r.detected_by().at("gpus"), "--gpus");
  EXPECT_EQ(r.engine().at("slurm.job_id"), "1234");
  EXPECT_EQ(r.resources().labels().at("slurm.partition"), "gpu");
  EXPECT_TRUE(r.token().empty());

  cmd.cpus = 1.5;
  cmd.memory_gb = 1;
  cmd.labels = {"zone=a"};
  o = resolve_worker_options(cmd, env, machine(), gpus, "h");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->registration.resources().milli_cpus(), 1500);
  EXPECT_EQ(o->registration.resources().memory_bytes(), int64_t{1} << 30);
  EXPECT_EQ(o->registration.resources().labels().at("zone"), "a");

  o = resolve_worker_options(WorkerCommandLine{}, fake_env({}), machine(), gpus, "h");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->registration.resources().milli_cpus(), 8000);
  EXPECT_EQ(o->registration.detected_by().at("cpus"), "sched_getaffinity: 8");
}

TEST(WorkerOptionsTest, MaxProcessesComesFromTheFlagElseTheNodesLimits) {
  Result<WorkerCommandLine> cmd =
      parse({"--controller", "x:1", "--token-file", "/t", "--max-processes", "100"});
  ASSERT_TRUE(cmd.ok()) << cmd.status().message();
  EXPECT_EQ(cmd->max_processes, 100);
  const GpuDetection none = *gpus_from_flag("none");
  Result<WorkerAgentOptions> o = resolve_worker_options(*cmd, fake_env({}), machine(), none, "h");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->registration.resources().max_processes(), 100);
  EXPECT_EQ(o->registration.detected_by().at("max_processes"), "--max-processes");

  o = resolve_worker_options(WorkerCommandLine{}, fake_env({}), machine(), none, "h");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->registration.resources().max_processes(),
            runtime::SystemResources::max_work_processes(runtime::BudgetCosts{}));
  EXPECT_GT(o->registration.resources().max_processes(), 0) << "this machine has a pid_max";

  for (const char* bad : {"0", "-3", "many", "2000000"}) {
    Result<WorkerCommandLine> r =
        parse({"--controller", "x:1", "--token-file", "/t", "--max-processes", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("--max-processes"), std::string::npos)
        << r.status().message();
  }
}

TEST(WorkerOptionsTest, BadSlurmVariablesAndLabelsAreErrors) {
  WorkerCommandLine cmd;
  GpuDetection none;
  EXPECT_FALSE(
      resolve_worker_options(cmd, fake_env({{"SLURM_CPUS_ON_NODE", "x"}}), machine(), none, "h")
          .ok());
  EXPECT_FALSE(
      resolve_worker_options(cmd, fake_env({{"SLURM_MEM_PER_NODE", "12G"}}), machine(), none, "h")
          .ok());
  cmd.labels = {"novalue"};
  EXPECT_FALSE(resolve_worker_options(cmd, fake_env({}), machine(), none, "h").ok());
}

TEST(WorkerOptionsTest, DefaultWorkDirFollowsXdg) {
  EXPECT_EQ(default_work_dir(fake_env({{"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}})),
            "/x/lightning/worker");
  EXPECT_EQ(default_work_dir(fake_env({{"HOME", "/h"}})), "/h/.cache/lightning/worker");
}

v1::LaunchWorkRequest good_launch() {
  v1::LaunchWorkRequest r;
  r.set_process_id(3);
  r.set_work_type("(anonymous namespace)::CountingWork");
  r.set_work_path("root.counter");
  r.set_run_dir("/tmp/run");
  (*r.mutable_env())["CUDA_VISIBLE_DEVICES"] = "0";
  return r;
}

TEST(CheckLaunchTest, AcceptsAnOrdinaryLaunch) { EXPECT_EQ(check_launch(good_launch()), ""); }

TEST(CheckLaunchTest, RefusesPathsAndNamesAWorkerMustNeverRun) {
  auto refused = [](auto edit) {
    v1::LaunchWorkRequest r = good_launch();
    edit(r);
    return check_launch(r);
  };
  EXPECT_NE(refused([](auto& r) { r.set_process_id(0); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_work_type("../evil"); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_work_type("a/b"); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_work_type(""); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_work_type(std::string("a\nb")); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_work_path("root/../x"); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_work_path("root..x"); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_work_path(".root"); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_run_dir("relative/run"); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_run_dir("/tmp/../etc"); }), "");
  EXPECT_NE(refused([](auto& r) { r.set_run_dir("/tmp/.."); }), "");
  EXPECT_NE(refused([](auto& r) { (*r.mutable_env())["A=B"] = "x"; }), "");
  EXPECT_NE(check_launch(v1::LaunchWorkRequest()), "");
}

}  // namespace
}  // namespace lightning::node
