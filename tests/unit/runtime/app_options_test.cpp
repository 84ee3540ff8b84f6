// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The app's own command line (LIGHTNING_APP's main), parsed without exiting.
#include "runtime/app_options.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

namespace unit_runtime {
namespace {

using lightning::StatusCode;
using lightning::runtime::app_usage;
using lightning::runtime::AppCommandLine;
using lightning::runtime::parse_app_command_line;

lightning::Result<AppCommandLine> parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv = {"app"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_app_command_line(static_cast<int>(argv.size()), argv.data());
}

// Unsets the environment defaults for the test's duration.
class AppOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("LIGHTNING_RUN_DIR");
    ::unsetenv("LIGHTNING_LOG_LEVEL");
    ::unsetenv("LIGHTNING_IDLE_TIMEOUT");
    ::unsetenv("LIGHTNING_HTTP_HOST");
    ::unsetenv("LIGHTNING_HTTP_PORT");
  }
  void TearDown() override { SetUp(); }
};

TEST_F(AppOptionsTest, NoArgumentsLeaveEveryDefault) {
  auto r = parse({});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->run_dir, "");
  EXPECT_EQ(r->log_level, "");
  EXPECT_EQ(r->listen_address, "");
  EXPECT_FALSE(r->quiet_works);
  EXPECT_FALSE(r->help);
  EXPECT_TRUE(r->app_args.empty());
}

TEST_F(AppOptionsTest, ClusterFlagsAreReadAndGoWithClusterWorkers) {
  auto r = parse({"--cluster", "workers", "--local-worker", "--worker-token-file", "/t/token",
                  "--advertise-address=node0", "--worker-heartbeat-timeout", "1.5"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->cluster, "workers");
  EXPECT_TRUE(r->local_worker);
  EXPECT_EQ(r->worker_token_file, "/t/token");
  EXPECT_EQ(r->advertise_address, "node0");
  EXPECT_DOUBLE_EQ(r->worker_heartbeat_timeout_s, 1.5);
  EXPECT_DOUBLE_EQ(parse({})->worker_heartbeat_timeout_s, 10);

  auto lone = parse({"--worker-token-file", "/t/token"});
  ASSERT_FALSE(lone.ok());
  EXPECT_EQ(lone.status().message(), "--worker-token-file goes with --cluster workers");
  EXPECT_FALSE(parse({"--local-worker"}).ok());
  auto bogus = parse({"--cluster", "bogus"});
  ASSERT_FALSE(bogus.ok());
  EXPECT_NE(bogus.status().message().find("--cluster"), std::string::npos)
      << bogus.status().message();
  auto slurm = parse({"--cluster", "slurm", "--nodes", "2", "--gpus-per-node", "4", "--time=1:00:00"});
  ASSERT_TRUE(slurm.ok()) << slurm.status().message();
  EXPECT_EQ(slurm->cluster, "slurm");
  EXPECT_EQ(slurm->slurm.nodes, 2);
  EXPECT_EQ(slurm->slurm.gpus_per_node, 4);
  EXPECT_EQ(slurm->slurm.time, "1:00:00");
  auto nodes_alone = parse({"--nodes", "2"});
  ASSERT_FALSE(nodes_alone.ok());
  EXPECT_NE(nodes_alone.status().message().find("go with --cluster slurm"), std::string::npos)
      << nodes_alone.status().message();
  EXPECT_FALSE(parse({"--cluster", "slurm", "--nodes", "0"}).ok());
  EXPECT_EQ(slurm->slurm.max_requeues, 3) << "the default";
  auto requeues = parse({"--cluster", "slurm", "--max-requeues", "0"});
  ASSERT_TRUE(requeues.ok()) << requeues.status().message();
  EXPECT_EQ(requeues->slurm.max_requeues, 0);
  EXPECT_FALSE(parse({"--cluster", "slurm", "--max-requeues", "-1"}).ok());
  auto requeues_alone = parse({"--max-requeues", "5"});
  ASSERT_FALSE(requeues_alone.ok());
  EXPECT_NE(requeues_alone.status().message().find("--max-requeues go with --cluster slurm"),
            std::string::npos)
      << requeues_alone.status().message();
  EXPECT_FALSE(parse({"--cluster", "workers", "--worker-heartbeat-timeout", "0"}).ok());
  auto unix_socket = parse({"--cluster", "workers", "--listen", "unix:/tmp/c.sock"});
  ASSERT_FALSE(unix_socket.ok());
  EXPECT_NE(unix_socket.status().message().find("needs a TCP --listen"), std::string::npos);
  EXPECT_NE(app_usage("my_app").find("--cluster workers"), std::string::npos);
  EXPECT_NE(app_usage("my_app").find("--cluster slurm"), std::string::npos);
}

TEST_F(AppOptionsTest, TlsFlagsGoWithClusterAndTheCertificateWithItsKey) {
  auto r = parse({"--cluster", "workers", "--tls-cert", "/t/c.pem", "--tls-key=/t/k.pem",
                  "--tls-ca", "/t/ca.pem"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->tls_cert, "/t/c.pem");
  EXPECT_EQ(r->tls_key, "/t/k.pem");
  EXPECT_EQ(r->tls_ca, "/t/ca.pem");
  // Without --tls-ca: TLS, no client certificates asked.
  EXPECT_TRUE(parse({"--cluster", "workers", "--tls-cert", "c", "--tls-key", "k"}).ok());
  // Slurm's workers get the app's files: they need the CA.
  auto slurm_no_ca = parse({"--cluster", "slurm", "--tls-cert", "c", "--tls-key", "k"});
  ASSERT_FALSE(slurm_no_ca.ok());
  EXPECT_NE(slurm_no_ca.status().message().find("--cluster slurm with --tls-cert needs --tls-ca"),
            std::string::npos)
      << slurm_no_ca.status().message();
  EXPECT_TRUE(
      parse({"--cluster", "slurm", "--tls-cert", "c", "--tls-key", "k", "--tls-ca", "ca"}).ok());

  // A local run's works dial a Unix socket: TLS has nothing to do there.
  for (const char* flag : {"--tls-cert", "--tls-key", "--tls-ca"}) {
    auto local = parse({flag, "/t/x.pem"});
    ASSERT_FALSE(local.ok()) << flag;
    EXPECT_EQ(local.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(local.status().message().find("go with --cluster workers|slurm"), std::string::npos)
        << local.status().message();
  }
  auto no_key = parse({"--cluster", "workers", "--tls-cert", "c"});
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.status().message().find("--tls-cert goes with --tls-key"), std::string::npos)
      << no_key.status().message();
  auto ca_only = parse({"--cluster", "workers", "--tls-ca", "ca"});
  ASSERT_FALSE(ca_only.ok());
  EXPECT_NE(ca_only.status().message().find("--tls-ca goes with --tls-cert and --tls-key"),
            std::string::npos)
      << ca_only.status().message();
  EXPECT_NE(app_usage("my_app").find("--tls-cert F --tls-key F [--tls-ca F]"), std::string::npos);
}

TEST_F(AppOptionsTest, EveryFlagIsReadInBothSpellings) {
  auto r = parse(
      {"--run-dir", "runs/a", "--log-level=debug", "--listen", "127.0.0.1:0", "--quiet-works"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->run_dir, "runs/a");
  EXPECT_EQ(r->log_level, "debug");
  EXPECT_EQ(r->listen_address, "127.0.0.1:0");
  EXPECT_TRUE(r->quiet_works);
}

TEST_F(AppOptionsTest, NoJournalFlagTurnsTheJournalOff) {
  EXPECT_FALSE(parse({})->no_journal) << "the journal is on by default";
  auto r = parse({"--no-journal"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->no_journal);
  EXPECT_NE(app_usage("my_app").find("--no-journal"), std::string::npos);
}

TEST_F(AppOptionsTest, IdleTimeoutIsReadInSeconds) {
  EXPECT_EQ(parse({})->idle_timeout_s, 0.0) << "not given: no idle timeout";
  auto r = parse({"--idle-timeout", "2.5"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->idle_timeout_s, 2.5);
  auto eq = parse({"--idle-timeout=60"});
  ASSERT_TRUE(eq.ok()) << eq.status().message();
  EXPECT_EQ(eq->idle_timeout_s, 60.0);
}

TEST_F(AppOptionsTest, IdleTimeoutThatIsNotAPositiveNumberIsRejected) {
  for (const char* bad : {"0", "-3", "soon", "5s"}) {
    auto r = parse({"--idle-timeout", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("--idle-timeout takes seconds"), std::string::npos)
        << r.status().message();
  }
}

TEST_F(AppOptionsTest, EverythingAfterDoubleDashGoesToTheAppUnparsed) {
  auto r = parse({"--quiet-works", "--", "--bogus", "two words", "--", "--run-dir"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->app_args, (std::vector<std::string>{"--bogus", "two words", "--", "--run-dir"}));
  EXPECT_EQ(r->run_dir, "");
}

TEST_F(AppOptionsTest, AValueMayStartWithADash) {
  auto r = parse({"--run-dir", "-odd-dir"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->run_dir, "-odd-dir");
}

TEST_F(AppOptionsTest, HelpIsReportedNotPrinted) {
  auto r = parse({"--help"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->help);
  EXPECT_TRUE(parse({"-h"})->help);
  EXPECT_NE(app_usage("my_app").find("usage: my_app [--run-dir DIR]"), std::string::npos);
  EXPECT_NE(app_usage("my_app").find("--quiet-works"), std::string::npos);
}

TEST_F(AppOptionsTest, UnknownFlagIsAnInvalidArgumentNamingIt) {
  auto r = parse({"--bogus"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "unknown flag '--bogus'");
}

TEST_F(AppOptionsTest, StrayWordSaysAppArgumentsGoAfterDoubleDash) {
  auto r = parse({"stray"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("app arguments go after --"), std::string::npos)
      << r.status().message();
}

TEST_F(AppOptionsTest, FlagWithoutItsValueSaysItNeedsOne) {
  auto r = parse({"--run-dir"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--run-dir needs a value");
}

TEST_F(AppOptionsTest, UnknownLogLevelIsRejectedWithTheLevelsToUse) {
  auto r = parse({"--log-level", "loud"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown log level 'loud'"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("trace, debug, info"), std::string::npos);
}

TEST_F(AppOptionsTest, StartTimeoutTakesADurationWithAUnitOrSeconds) {
  using std::chrono::milliseconds;
  EXPECT_FALSE(parse({})->start_timeout.has_value()) << "not given: the runtime's default";
  EXPECT_EQ(parse({"--start-timeout", "500ms"})->start_timeout, milliseconds(500));
  EXPECT_EQ(parse({"--start-timeout=2s"})->start_timeout, milliseconds(2000));
  EXPECT_EQ(parse({"--start-timeout", "1.5"})->start_timeout, milliseconds(1500));
  EXPECT_EQ(parse({"--start-timeout", "2m"})->start_timeout, milliseconds(120000));
}

TEST_F(AppOptionsTest, StartTimeoutThatIsNotADurationInRangeIsRejectedWithExamples) {
  for (const char* bad : {"soon", "5 parsecs", "0", "-1s", "2h", "3600001ms"}) {
    auto r = parse({"--start-timeout", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("is not a duration of 1 ms to 1 hour (e.g. 30s"),
              std::string::npos)
        << r.status().message();
  }
}

TEST_F(AppOptionsTest, EnvironmentGivesDefaultsThatFlagsOverride) {
  ::setenv("LIGHTNING_RUN_DIR", "/from/env", 1);
  ::setenv("LIGHTNING_LOG_LEVEL", "warn", 1);
  ::setenv("LIGHTNING_HTTP_HOST", "0.0.0.0", 1);
  ::setenv("LIGHTNING_HTTP_PORT", "0", 1);
  auto from_env = parse({});
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->run_dir, "/from/env");
  EXPECT_EQ(from_env->log_level, "warn");
  EXPECT_EQ(from_env->http_host, "0.0.0.0");
  EXPECT_EQ(from_env->http_port, 0);

  auto from_flags = parse({"--run-dir", "/from/flag", "--log-level", "error", "--host",
                           "127.0.0.1", "--port", "8080"});
  ASSERT_TRUE(from_flags.ok()) << from_flags.status().message();
  EXPECT_EQ(from_flags->run_dir, "/from/flag");
  EXPECT_EQ(from_flags->log_level, "error");
  EXPECT_EQ(from_flags->http_host, "127.0.0.1");
  EXPECT_EQ(from_flags->http_port, 8080);
}

TEST_F(AppOptionsTest, PortOutOfRangeFromTheEnvironmentIsRejected) {
  ::setenv("LIGHTNING_HTTP_PORT", "70000", 1);
  auto r = parse({});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("70000"), std::string::npos) << r.status().message();
}

TEST_F(AppOptionsTest, UnknownLogLevelFromTheEnvironmentIsRejectedToo) {
  ::setenv("LIGHTNING_LOG_LEVEL", "loud", 1);
  auto r = parse({});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown log level 'loud'"), std::string::npos)
      << r.status().message();
}

TEST_F(AppOptionsTest, AFlagGivenTwiceKeepsTheLastValue) {
  auto r = parse({"--run-dir", "a", "--run-dir", "b"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->run_dir, "b");
}

}  // namespace
}  // namespace unit_runtime
