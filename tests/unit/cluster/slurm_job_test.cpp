// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The Slurm options, their checks and make_sbatch_script (src/cluster/slurm_job.*).
#include "cluster/slurm_job.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/temp_dir.hpp"
#include "util/subprocess.hpp"

namespace lightning::cluster {
namespace {

EngineContext context() {
  EngineContext ctx;
  ctx.controller_address = "10.0.0.5:50051";
  ctx.token_file = "/shared/run/worker.token";
  ctx.run_id = "0123456789abcdef";
  ctx.run_dir = "/shared/run";
  ctx.worker_binary = "/opt/lightning/bin/lightning-worker";
  return ctx;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines(text)) {
    if (l == line) return true;
  }
  return false;
}

TEST(SlurmSignalTest, AShortTimeLimitGetsItsSigtermAQuarterBeforeTheEndNotAtOnce) {
  SlurmOptions o;
  EXPECT_EQ(signal_lead_s(o), 120) << "no --time: the default";
  o.time = "4:00:00";
  EXPECT_EQ(signal_lead_s(o), 120);
  o.time = "2";  // minutes: SIGTERM 120 s before the end was 0 s after the start
  EXPECT_EQ(signal_lead_s(o), 30);
  o.time = "8";
  EXPECT_EQ(signal_lead_s(o), 120);
  o.time = "INFINITE";
  EXPECT_EQ(signal_lead_s(o), 120);
  o.signal_before_s = 0;
  EXPECT_EQ(signal_lead_s(o), 0) << "no --signal at all";
}

TEST(SlurmScriptTest, AsksForOneAllocationWithOneTaskPerNodeAndTheGpus) {
  SlurmOptions options;
  options.nodes = 3;
  options.gpus_per_node = 2;
  auto script = make_sbatch_script(options, context());
  ASSERT_TRUE(script.ok()) << script.status().message();
  EXPECT_EQ(lines(*script).at(0), "#!/bin/bash");
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--job-name=lightning-0123456789abcdef\"")) << *script;
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--nodes=3\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--ntasks-per-node=1\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--gres=gpu:2\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--output=/shared/run/slurm-%j.out\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--chdir=/shared/run\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--signal=TERM@120\""));
  EXPECT_EQ(script->find("--partition"), std::string::npos);
  EXPECT_EQ(script->find("--time"), std::string::npos);
  EXPECT_EQ(script->find("--account"), std::string::npos);
  EXPECT_NE(script->find("exec srun --nodes=3 --ntasks=3 --ntasks-per-node=1"), std::string::npos);
  EXPECT_NE(script->find("'/opt/lightning/bin/lightning-worker' --controller '10.0.0.5:50051' "
                         "--token-file '/shared/run/worker.token'"),
            std::string::npos)
      << *script;
  EXPECT_EQ(script->find("--cpus-per-task"), std::string::npos);
  // GPUs asked: the workers read CUDA_VISIBLE_DEVICES that Slurm sets.
  EXPECT_EQ(script->find("--gpus none"), std::string::npos);
}

TEST(SlurmScriptTest, WithoutGpusAsksForNoGresAndTellsWorkersToUseNone) {
  SlurmOptions options;
  auto script = make_sbatch_script(options, context());
  ASSERT_TRUE(script.ok());
  EXPECT_EQ(script->find("--gres"), std::string::npos);
  EXPECT_NE(script->find(" --gpus none"), std::string::npos);
}

TEST(SlurmScriptTest, PartitionTimeAccountAndExtraArgumentsBecomeDirectives) {
  SlurmOptions options;
  options.partition = "gpu,gpu-long";
  options.time = "1-12:00:00";
  options.account = "ml_team.1";
  options.sbatch_args = {"--exclusive", "--comment=a b # c \"d\""};
  options.signal_before_s = 300;
  options.worker_log_level = "debug";
  auto script = make_sbatch_script(options, context());
  ASSERT_TRUE(script.ok()) << script.status().message();
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--partition=gpu,gpu-long\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--time=1-12:00:00\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--account=ml_team.1\""));
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--exclusive\""));
  // '#' would start a comment and '"' end the value: both escaped, as sbatch reads them.
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--comment=a b \\# c \\\"d\\\"\"")) << *script;
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--signal=TERM@300\""));
  EXPECT_NE(script->find("--log-level 'debug'"), std::string::npos);
}

TEST(SlurmScriptTest, CpusPerNodeGoToSbatchAndAgainToSrun) {
  SlurmOptions options;
  options.cpus_per_node = 8;
  auto script = make_sbatch_script(options, context());
  ASSERT_TRUE(script.ok());
  EXPECT_TRUE(has_line(*script, "#SBATCH \"--cpus-per-task=8\"")) << *script;
  // srun does not inherit it since Slurm 22.05.
  EXPECT_NE(script->find("--ntasks-per-node=1 --cpus-per-task=8 --kill-on-bad-exit=0"),
            std::string::npos)
      << *script;
  options.cpus_per_node = -1;
  EXPECT_FALSE(make_sbatch_script(options, context()).ok());
}

TEST(SlurmScriptTest, NoSignalDirectiveWhenSignalBeforeIsZero) {
  SlurmOptions options;
  options.signal_before_s = 0;
  auto script = make_sbatch_script(options, context());
  ASSERT_TRUE(script.ok());
  EXPECT_EQ(script->find("--signal"), std::string::npos);
}

TEST(SlurmScriptTest, RefusesOddPartitionsAndAccountsSayingWhichCharacter) {
  SlurmOptions options;
  options.partition = "gpu;rm -rf /";
  auto script = make_sbatch_script(options, context());
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(script.status().message().find("partition 'gpu;rm -rf /' has ';'"), std::string::npos)
      << script.status().message();

  options.partition = "gpu";
  options.account = "a b";
  script = make_sbatch_script(options, context());
  ASSERT_FALSE(script.ok());
  EXPECT_NE(script.status().message().find("account 'a b' has ' '"), std::string::npos)
      << script.status().message();

  options.account = "a,b";  // a list is a partition's, not an account's
  EXPECT_FALSE(make_sbatch_script(options, context()).ok());
  options.account = "";
  options.partition = "a,,b";
  EXPECT_FALSE(make_sbatch_script(options, context()).ok());
  options.partition = std::string(65, 'p');
  EXPECT_FALSE(make_sbatch_script(options, context()).ok());
}

TEST(SlurmScriptTest, RefusesBadNodeCountsTimesAndArguments) {
  SlurmOptions options;
  options.nodes = 0;
  auto s = make_sbatch_script(options, context());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("--nodes is 0"), std::string::npos);
  options.nodes = 1;
  options.gpus_per_node = -1;
  EXPECT_FALSE(make_sbatch_script(options, context()).ok());
  options.gpus_per_node = 0;
  options.time = "1 hour";
  s = make_sbatch_script(options, context());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("Slurm's formats"), std::string::npos);
  options.time = "";
  options.sbatch_args = {"constraint=a100"};
  EXPECT_FALSE(make_sbatch_script(options, context()).ok());
  options.sbatch_args = {"--comment=a\n#SBATCH --account=x"};
  s = make_sbatch_script(options, context());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("control character"), std::string::npos);
}

TEST(SlurmScriptTest, RefusesBadContexts) {
  SlurmOptions options;
  auto with = [&](auto change) {
    EngineContext ctx = context();
    change(ctx);
    return make_sbatch_script(options, ctx);
  };
  EXPECT_FALSE(with([](EngineContext& c) { c.run_id = ""; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.run_id = "a/b"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.run_dir = "relative/run"; }).ok());
  auto pct = with([](EngineContext& c) { c.run_dir = "/runs/100%"; });
  ASSERT_FALSE(pct.ok());
  EXPECT_NE(pct.status().message().find("file-name pattern"), std::string::npos);
  EXPECT_FALSE(with([](EngineContext& c) { c.run_dir = "/runs/a\\b"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.run_dir = "/runs/a\nb"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.token_file = ""; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.worker_binary = "lightning-worker"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.controller_address = "10.0.0.5"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.controller_address = "10.0.0.5:0"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.controller_address = "10.0.0.5:99999"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) { c.controller_address = "a b:50051"; }).ok());
  EXPECT_TRUE(with([](EngineContext& c) { c.controller_address = "[::1]:50051"; }).ok());
  EXPECT_TRUE(with([](EngineContext& c) { c.controller_address = "head-1.cluster:7000"; }).ok());
  // Spaces, quotes and '#' in paths are fine: they are quoted.
  EXPECT_TRUE(with([](EngineContext& c) { c.run_dir = "/runs/a b#\"c'"; }).ok());
}

TEST(SlurmScriptTest, ShellQuoteSurvivesEveryAwkwardCharacter) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

// The script run by bash with a stand-in `srun` that prints its arguments:
// the worker gets exactly the paths given, however odd.
TEST(SlurmScriptTest, BashPassesTheWorkerExactlyTheGivenArguments) {
  testing::TempDir dir;
  const std::string srun = dir / "srun";
  {
    std::ofstream out(srun);
    out << "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n";
  }
  ASSERT_EQ(::chmod(srun.c_str(), 0755), 0);
  EngineContext ctx = context();
  ctx.worker_binary = "/opt/my lightning/it's $HOME `id`/lightning-worker";
  ctx.token_file = "/runs/a b#c/\"token\"";
  SlurmOptions options;
  options.nodes = 2;
  auto script = make_sbatch_script(options, ctx);
  ASSERT_TRUE(script.ok()) << script.status().message();
  const std::string path = dir / "job.sh";
  {
    std::ofstream out(path);
    out << *script;
  }
  auto r = util::run_command({"/bin/bash", "-c", "PATH=" + dir.path() + ":$PATH; . " + path});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->succeeded()) << r->describe();
  const std::vector<std::string> expected = {"--nodes=2",
                                             "--ntasks=2",
                                             "--ntasks-per-node=1",
                                             "--kill-on-bad-exit=0",
                                             ctx.worker_binary,
                                             "--controller",
                                             "10.0.0.5:50051",
                                             "--token-file",
                                             ctx.token_file,
                                             "--gpus",
                                             "none"};
  EXPECT_EQ(lines(r->out), expected);
}

// TLS: every worker gets the paths of the same files on the shared file
// system, quoted like the other values; never their content.
TEST(SlurmScriptTest, TlsFilesArePassedToEveryWorkerByPathExactlyAsGiven) {
  testing::TempDir dir;
  const std::string srun = dir / "srun";
  {
    std::ofstream out(srun);
    out << "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n";
  }
  ASSERT_EQ(::chmod(srun.c_str(), 0755), 0);
  EngineContext ctx = context();
  ctx.tls_ca = "/shared/tls/ca.pem";
  ctx.tls_cert = "/shared/tls/it's a \"cert\" #1.pem";
  ctx.tls_key = "/shared/tls/$HOME `id`.key";
  SlurmOptions options;
  options.gpus_per_node = 1;
  auto script = make_sbatch_script(options, ctx);
  ASSERT_TRUE(script.ok()) << script.status().message();
  EXPECT_NE(script->find(" --tls-ca '/shared/tls/ca.pem'"), std::string::npos) << *script;
  const std::string path = dir / "job.sh";
  {
    std::ofstream out(path);
    out << *script;
  }
  auto r = util::run_command({"/bin/bash", "-c", "PATH=" + dir.path() + ":$PATH; . " + path});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->succeeded()) << r->describe();
  const std::vector<std::string> out = lines(r->out);
  const std::vector<std::string> tail(out.end() - 6, out.end());
  const std::vector<std::string> expected = {"--tls-ca",   ctx.tls_ca,  "--tls-cert",
                                             ctx.tls_cert, "--tls-key", ctx.tls_key};
  EXPECT_EQ(tail, expected);

  // The CA alone (an app without --tls-ca asks workers for no certificate).
  EngineContext ca_only = context();
  ca_only.tls_ca = "/shared/tls/ca.pem";
  auto plain_cert = make_sbatch_script(options, ca_only);
  ASSERT_TRUE(plain_cert.ok()) << plain_cert.status().message();
  EXPECT_NE(plain_cert->find("--tls-ca"), std::string::npos);
  EXPECT_EQ(plain_cert->find("--tls-cert"), std::string::npos);
  // Without TLS nothing is added.
  EXPECT_EQ(make_sbatch_script(options, context())->find("--tls"), std::string::npos);
}

TEST(SlurmScriptTest, RefusesRelativeOrUnpairedTlsFiles) {
  SlurmOptions options;
  auto with = [&](auto change) {
    EngineContext ctx = context();
    change(ctx);
    return make_sbatch_script(options, ctx);
  };
  auto relative = with([](EngineContext& c) { c.tls_ca = "tls/ca.pem"; });
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.status().message().find("--tls-ca file 'tls/ca.pem' is not an absolute path"),
            std::string::npos)
      << relative.status().message();
  EXPECT_FALSE(with([](EngineContext& c) { c.tls_key = "/k\n"; }).ok());
  EXPECT_FALSE(with([](EngineContext& c) {
                 c.tls_ca = "/ca";
                 c.tls_cert = "/c";
               }).ok());
  EXPECT_FALSE(with([](EngineContext& c) {
                 c.tls_cert = "/c";
                 c.tls_key = "/k";
               }).ok());
}

TEST(SlurmTimeTest, ReadsEverySlurmFormatInSeconds) {
  EXPECT_EQ(*parse_slurm_time("30"), 30 * 60);
  EXPECT_EQ(*parse_slurm_time("30:15"), 30 * 60 + 15);
  EXPECT_EQ(*parse_slurm_time("4:00:00"), 4 * 3600);
  EXPECT_EQ(*parse_slurm_time("2-0"), 2 * 86400);
  EXPECT_EQ(*parse_slurm_time("1-2:30"), 86400 + 2 * 3600 + 30 * 60);
  EXPECT_EQ(*parse_slurm_time("1-2:30:05"), 86400 + 2 * 3600 + 30 * 60 + 5);
  EXPECT_EQ(*parse_slurm_time("INFINITE"), -1);
  EXPECT_EQ(*parse_slurm_time("UNLIMITED"), -1);
  EXPECT_EQ(*parse_slurm_time("0"), -1);
}

TEST(SlurmTimeTest, RefusesWhatSlurmWouldNotRead) {
  for (const char* bad : {"", "1h", "-5", "1-", "1-2:3:4:5", "1:2:3:4", ":30", "30:", "1.5", "1 -2",
                          "99999999999", "1--2", "+3"}) {
    auto t = parse_slurm_time(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SlurmOptionsTest, TheFlagsFillTheOptions) {
  CLI::App app;
  SlurmOptions options;
  add_slurm_options(app, options);
  std::vector<std::string> args = {"--nodes",
                                   "2",
                                   "--gpus-per-node",
                                   "4",
                                   "--cpus-per-node",
                                   "16",
                                   "--partition",
                                   "gpu",
                                   "--time",
                                   "2:00:00",
                                   "--account",
                                   "ml",
                                   "--sbatch-arg=--exclusive"};
  std::reverse(args.begin(), args.end());  // CLI11 takes argv reversed
  app.parse(args);
  EXPECT_EQ(options.nodes, 2);
  EXPECT_EQ(options.gpus_per_node, 4);
  EXPECT_EQ(options.cpus_per_node, 16);
  EXPECT_EQ(options.partition, "gpu");
  EXPECT_EQ(options.time, "2:00:00");
  EXPECT_EQ(options.account, "ml");
  EXPECT_EQ(options.sbatch_args, std::vector<std::string>{"--exclusive"});
}

TEST(SlurmOptionsTest, BadFlagValuesAreRefusedNamingTheFlag) {
  const std::vector<std::vector<std::string>> bad = {
      {"--nodes", "0"},          {"--nodes", "two"},        {"--gpus-per-node", "-1"},
      {"--cpus-per-node", "-2"}, {"--partition", "a;b"},    {"--time", "tomorrow"},
      {"--account", "x y"},      {"--sbatch-arg=exclusive"}};
  for (auto args : bad) {
    CLI::App app;
    SlurmOptions options;
    add_slurm_options(app, options);
    const std::string flag = args[0].substr(0, args[0].find('='));
    std::reverse(args.begin(), args.end());
    try {
      app.parse(args);
      ADD_FAILURE() << flag << " accepted";
    } catch (const CLI::ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace lightning::cluster
