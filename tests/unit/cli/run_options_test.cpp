// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-run's command line: every flag, "--", and the usage errors.
#include "run_options.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "common/temp_dir.hpp"
#include "errors.hpp"

namespace unit_cli {
namespace {

using lightning::cli::CliError;
using lightning::cli::parse_run_options;
using lightning::cli::RunOptions;
using Strings = std::vector<std::string>;

RunOptions parse(std::initializer_list<const char*> args) {
  std::vector<std::string> storage = {"lightning-run"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  return parse_run_options(static_cast<int>(argv.size()), argv.data());
}

// The usage error parse() throws for `args` (fails the test if none).
std::string usage_error(std::initializer_list<const char*> args) {
  try {
    parse(args);
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a usage error";
  return "";
}

class RunOptionsTest : public ::testing::Test {
 protected:
  lightning::testing::TempDir cache_;
};

TEST_F(RunOptionsTest, JustAnAppUsesTheDefaults) {
  ::setenv("LIGHTNING_CACHE_DIR", cache_.path().c_str(), 1);
  const RunOptions o = parse({"app.cpp"});
  ::unsetenv("LIGHTNING_CACHE_DIR");
  EXPECT_EQ(o.source, "app.cpp");
  EXPECT_EQ(o.cache_dir, cache_.path());
  EXPECT_TRUE(o.use_pch);
  EXPECT_FALSE(o.rebuild || o.build_only || o.verbose || o.help || o.has_app_args);
  EXPECT_TRUE(o.env.empty() && o.cxxflags.empty() && o.app_args.empty());
}

TEST_F(RunOptionsTest, EveryFlagIsRead) {
  const RunOptions o = parse({"--env", "A=1", "--env=B=x=y", "--log-level", "debug", "--run-dir=/r",
                              "--cache-dir", cache_.path().c_str(), "--cxxflags", "-O0 -g",
                              "--rebuild", "--build-only", "--no-pch", "-v", "app.cpp"});
  EXPECT_EQ(o.env, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "x=y"}}));
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.run_dir, "/r");
  EXPECT_EQ(o.cache_dir, cache_.path());
  EXPECT_EQ(o.cxxflags, (Strings{"-O0", "-g"}));
  EXPECT_TRUE(o.rebuild && o.build_only && o.verbose);
  EXPECT_FALSE(o.use_pch);
  EXPECT_EQ(o.source, "app.cpp");
}

TEST_F(RunOptionsTest, CxxflagsMayRepeatAndStartWithADash) {
  const RunOptions o = parse({"--cache-dir", cache_.path().c_str(), "--cxxflags", "-DA='1 2'",
                              "--cxxflags=-O1", "app.cpp"});
  EXPECT_EQ(o.cxxflags, (Strings{"-DA=1 2", "-O1"}));
}

TEST_F(RunOptionsTest, AnEmptyValueIsAValueNotTheNextArgument) {
  const RunOptions o =
      parse({"--cache-dir", cache_.path().c_str(), "--cxxflags", "", "--run-dir=", "app.cpp"});
  EXPECT_EQ(o.source, "app.cpp");
  EXPECT_TRUE(o.cxxflags.empty());
  EXPECT_EQ(o.run_dir, "");
}

TEST_F(RunOptionsTest, ClusterFlagsArePassedToTheAppAndNotTakenAsAppArgs) {
  RunOptions o = parse({"--cluster", "slurm", "--nodes=2", "--gpus-per-node", "4",
                        "--sbatch-arg=--exclusive", "--local-worker", "app.cpp", "--", "x"});
  EXPECT_EQ(o.source, "app.cpp");
  std::vector<std::string> got = o.cluster_args;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"--cluster=slurm", "--gpus-per-node=4",
                                           "--local-worker", "--nodes=2",
                                           "--sbatch-arg=--exclusive"}));
  EXPECT_EQ(o.app_args, (std::vector<std::string>{"x"}));
}

TEST_F(RunOptionsTest, TlsFlagsArePassedToTheApp) {
  RunOptions o = parse({"--cluster", "workers", "--tls-cert", "c.pem", "--tls-key=k.pem",
                        "--tls-ca", "ca.pem", "app.cpp"});
  EXPECT_EQ(o.source, "app.cpp");
  std::vector<std::string> got = o.cluster_args;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"--cluster=workers", "--tls-ca=ca.pem",
                                           "--tls-cert=c.pem", "--tls-key=k.pem"}));
  EXPECT_TRUE(o.app_args.empty());
}

TEST_F(RunOptionsTest, DoubleDashHandsTheRestToTheApp) {
  const RunOptions o =
      parse({"--cache-dir", cache_.path().c_str(), "app.cpp", "--", "a", "--verbose", "--"});
  EXPECT_TRUE(o.has_app_args);
  EXPECT_EQ(o.app_args, (Strings{"a", "--verbose", "--"}));
  EXPECT_FALSE(o.verbose) << "flags after -- belong to the app";

  const RunOptions bare = parse({"--cache-dir", cache_.path().c_str(), "app.cpp", "--"});
  EXPECT_TRUE(bare.has_app_args) << "a lone -- is passed on too";
  EXPECT_TRUE(bare.app_args.empty());
}

TEST_F(RunOptionsTest, HelpNeedsNoApp) {
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_NE(lightning::cli::usage().find("Usage: lightning-run [flags] app.cpp [-- app args]"),
            std::string::npos);
}

TEST_F(RunOptionsTest, UsageErrorsSayWhatIsWrong) {
  EXPECT_NE(usage_error({}).find("no app given"), std::string::npos);
  EXPECT_NE(usage_error({"--frobnicate", "app.cpp"}).find("unknown flag '--frobnicate'"),
            std::string::npos);
  EXPECT_NE(usage_error({"app.cpp", "--run-dir"}).find("--run-dir needs a value"),
            std::string::npos);
  EXPECT_NE(usage_error({"--env", "NOEQUALS", "app.cpp"}).find("--env expects K=V"),
            std::string::npos);
  EXPECT_NE(usage_error({"--env", "=v", "app.cpp"}).find("--env expects K=V"), std::string::npos);
  EXPECT_NE(usage_error({"--cache-dir=", "app.cpp"}).find("--cache-dir must not be empty"),
            std::string::npos);
  EXPECT_NE(usage_error({"--cache-dir", "", "app.cpp"}).find("--cache-dir must not be empty"),
            std::string::npos);
  EXPECT_NE(usage_error({"--env", "", "app.cpp"}).find("--env expects K=V"), std::string::npos);
  EXPECT_NE(usage_error({"--cxxflags", "-DX='open", "app.cpp"}).find("unterminated quote"),
            std::string::npos);
}

TEST_F(RunOptionsTest, SecondPositionalSuggestsDoubleDash) {
  const std::string message = usage_error({"app.cpp", "extra"});
  EXPECT_NE(message.find("unexpected argument 'extra' after app.cpp"), std::string::npos)
      << message;
  EXPECT_NE(message.find("lightning-run app.cpp -- extra"), std::string::npos) << message;
}

TEST(DefaultCacheDirTest, FollowsLightningThenXdgThenHome) {
  ::setenv("LIGHTNING_CACHE_DIR", "/l", 1);
  ::setenv("XDG_CACHE_HOME", "/x", 1);
  EXPECT_EQ(lightning::cli::default_cache_dir(), "/l");
  ::unsetenv("LIGHTNING_CACHE_DIR");
  EXPECT_EQ(lightning::cli::default_cache_dir(), "/x/lightning");
  ::unsetenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    EXPECT_EQ(lightning::cli::default_cache_dir(), std::string(home) + "/.cache/lightning");
  }
}

}  // namespace
}  // namespace unit_cli
