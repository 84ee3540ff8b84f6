// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The `lightning` command line (all but `lightning run`, which is
// lightning-run's: run_options_test.cpp).
#include "cli_options.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "errors.hpp"

namespace unit_cli {
namespace {

using lightning::cli::CliCommand;
using lightning::cli::CliError;
using lightning::cli::parse_cli_command;

CliCommand parse(std::initializer_list<const char*> args) {
  std::vector<std::string> storage = {"lightning"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  return parse_cli_command(static_cast<int>(argv.size()), argv.data());
}

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

TEST(CliOptionsTest, EachSubcommandReadsItsFlags) {
  EXPECT_EQ(parse({"status"}).name, "status");
  const CliCommand logs = parse({"logs", "root.train", "-f", "--tail", "5"});
  EXPECT_EQ(logs.name, "logs");
  EXPECT_EQ(logs.work_path, "root.train");
  EXPECT_TRUE(logs.follow);
  EXPECT_EQ(logs.tail, 5);
  EXPECT_EQ(parse({"logs", "root.train"}).tail, 100);
  EXPECT_FALSE(parse({"logs", "root.train"}).follow);
  EXPECT_EQ(parse({"stop"}).work_path, "");
  EXPECT_EQ(parse({"stop", "root.a.b"}).work_path, "root.a.b");
  EXPECT_TRUE(parse({"state", "--watch"}).watch);
  EXPECT_FALSE(parse({"state"}).watch);
}

TEST(CliOptionsTest, AppAndTokenAreReadOnEverySubcommandAndTheTokenFromTheEnvironment) {
  const CliCommand c = parse({"stop", "--app", "http://h:1", "--token", "t"});
  EXPECT_EQ(c.app.url, "http://h:1");
  EXPECT_EQ(c.app.token, "t");
  ::setenv("LIGHTNING_TOKEN", "from-env", 1);
  const CliCommand env = parse({"status"});
  const CliCommand flag = parse({"status", "--token", "flag"});
  ::unsetenv("LIGHTNING_TOKEN");
  EXPECT_EQ(env.app.token, "from-env");
  EXPECT_EQ(flag.app.token, "flag");
  EXPECT_EQ(parse({"state", "--app=http://h:2"}).app.url, "http://h:2");
}

TEST(CliOptionsTest, HelpIsNotAnError) {
  const CliCommand top = parse({"--help"});
  EXPECT_TRUE(top.help);
  EXPECT_NE(top.help_text.find("status"), std::string::npos);
  EXPECT_NE(top.help_text.find("Exit codes"), std::string::npos);
  const CliCommand logs = parse({"logs", "--help"});
  EXPECT_TRUE(logs.help);
  EXPECT_NE(logs.help_text.find("--tail"), std::string::npos) << logs.help_text;
}

TEST(CliOptionsTest, UsageErrorsSayWhatIsWrong) {
  EXPECT_NE(usage_error({}).find("say what to do"), std::string::npos);
  EXPECT_NE(usage_error({"stauts"}).find("stauts"), std::string::npos);
  EXPECT_NE(usage_error({"logs"}).find("logs needs the work's path"), std::string::npos);
  EXPECT_NE(usage_error({"logs", "root.a", "--tail", "20000"}).find("--tail"), std::string::npos);
  EXPECT_NE(usage_error({"logs", "root.a", "--tail"}).find("--tail needs a value"),
            std::string::npos);
  EXPECT_NE(usage_error({"state", "--bogus"}).find("--bogus"), std::string::npos);
  EXPECT_NE(usage_error({"stop", "a", "b"}).find("b"), std::string::npos);
}

}  // namespace
}  // namespace unit_cli
