// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ScriptCommand::from_args and the pure parts of starting a command
// (components/script/src/process.hpp): environment, PATH lookup, quoting.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "../../common/temp_dir.hpp"
#include "lightning/components/script.hpp"
#include "process.hpp"

namespace lightning::components {
namespace {

using script::environment_value;
using script::find_program;
using script::merge_environment;
using script::resolve_command;
using script::shell_quote;
using script::signal_name;

/// The message of the std::invalid_argument that from_args throws; "" when none.
std::string error_of(const Json& args, const ScriptCommand& defaults = {}) {
  try {
    (void)ScriptCommand::from_args(args, defaults);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(ScriptCommandTest, ReadsArgvEnvCwdAndGracePeriod) {
  const ScriptCommand c =
      ScriptCommand::from_args(Json{{"argv", {"python3", "train.py", "--lr", "0.1"}},
                                    {"env", {{"OMP_NUM_THREADS", "1"}}},
                                    {"cwd", "/tmp"},
                                    {"grace_period_ms", 500}});
  EXPECT_EQ(c.argv, (std::vector<std::string>{"python3", "train.py", "--lr", "0.1"}));
  EXPECT_EQ(c.env.at("OMP_NUM_THREADS"), "1");
  EXPECT_EQ(c.cwd, "/tmp");
  EXPECT_EQ(c.grace_period, std::chrono::milliseconds(500));
  EXPECT_EQ(ScriptCommand::from_args(c.to_json()).to_json(), c.to_json());
}

TEST(ScriptCommandTest, ShellIsRunBySh) {
  const ScriptCommand c = ScriptCommand::from_args(Json{{"shell", "ls | wc -l"}});
  EXPECT_EQ(c.argv, (std::vector<std::string>{"/bin/sh", "-c", "ls | wc -l"}));
}

TEST(ScriptCommandTest, ArgsGoOverTheDefaultsAndEnvIsMerged) {
  ScriptCommand defaults;
  defaults.argv = {"sh", "-c", "echo $A $B"};
  defaults.env = {{"A", "1"}, {"B", "2"}};
  defaults.cwd = "/data";
  const ScriptCommand same = ScriptCommand::from_args(Json(), defaults);
  EXPECT_EQ(same.to_json(), defaults.to_json());
  const ScriptCommand c = ScriptCommand::from_args(Json{{"env", {{"B", "3"}}}}, defaults);
  EXPECT_EQ(c.argv, defaults.argv);
  EXPECT_EQ(c.env, (std::map<std::string, std::string>{{"A", "1"}, {"B", "3"}}));
  EXPECT_EQ(c.cwd, "/data");
  const ScriptCommand d = ScriptCommand::from_args(Json{{"argv", {"true"}}}, defaults);
  EXPECT_EQ(d.argv, std::vector<std::string>{"true"});
}

TEST(ScriptCommandTest, BadArgsAreRefusedNamingTheKey) {
  EXPECT_TRUE(contains(error_of(Json::object()), "no command")) << error_of(Json::object());
  EXPECT_TRUE(contains(error_of(Json::array()), "must be a JSON object"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", "ls -l"}}), "\"argv\" must be a non-empty list"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", Json::array()}}), "\"argv\" must be a non-empty"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls", 3}}}), "\"argv\"[1] must be a string"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {""}}}), "\"argv\"[0] (the program) is empty"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {std::string("l\0s", 3)}}}), "NUL byte"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls"}}, {"shell", "ls"}}), "not both"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls"}}, {"env", {{"1X", "y"}}}}),
                       "'1X' is not a POSIX name"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls"}}, {"env", {{"X", 1}}}}),
                       "\"env\"[\"X\"] must be a string"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls"}}, {"env", "X=1"}}), "\"env\" must be"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls"}}, {"cwd", 5}}), "\"cwd\" must be a string"));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls"}}, {"grace_period_ms", -1}}),
                       "\"grace_period_ms\" must be an integer from 0 to 3600000"));
  EXPECT_TRUE(
      contains(error_of(Json{{"argv", {"ls"}}, {"grace_period_ms", 1.5}}), "\"grace_period_ms\""));
  EXPECT_TRUE(
      contains(error_of(Json{{"argv", {"ls"}}, {"grace_period_ms", 18446744073709551615ULL}}),
               "\"grace_period_ms\""));
  EXPECT_TRUE(contains(error_of(Json{{"argv", {"ls"}}, {"args", {"-l"}}}), "unknown key \"args\""));
}

TEST(ScriptEnvironmentTest, OverridesReplaceInPlaceAndNewNamesFollow) {
  const auto env = merge_environment({"PATH=/bin", "HOME=/root", "junk", "LANG=C"},
                                     {{"HOME", "/home/u"}, {"NEW", "x"}});
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "HOME=/home/u", "LANG=C", "NEW=x"}));
  EXPECT_EQ(environment_value(env, "HOME", "-"), "/home/u");
  EXPECT_EQ(environment_value(env, "HOM", "-"), "-");
  EXPECT_EQ(environment_value(env, "MISSING", "fallback"), "fallback");
}

TEST(ScriptPathTest, FindsTheFirstExecutableOnPathLikeExecvp) {
  lightning::testing::TempDir dir;
  const std::string a = dir / "a";
  const std::string b = dir / "b";
  ::mkdir(a.c_str(), 0755);
  ::mkdir(b.c_str(), 0755);
  std::ofstream(a + "/tool") << "#!/bin/sh\n";
  std::ofstream(b + "/tool") << "#!/bin/sh\n";
  ::chmod((a + "/tool").c_str(), 0644);  // not executable: skipped
  ::chmod((b + "/tool").c_str(), 0755);
  EXPECT_EQ(find_program("tool", a + ":" + b), b + "/tool");
  EXPECT_EQ(find_program("./tool", a), "./tool");  // a path is used as it is
  try {
    find_program("tool", a);
    FAIL() << "a non-executable file was taken";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "is not executable: " + a + "/tool")) << e.what();
  }
  try {
    find_program("no-such-tool", a + ":" + b);
    FAIL() << "found a tool that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(
        e.what(), "command not found: 'no-such-tool' is in no directory of PATH=" + a + ":" + b))
        << e.what();
  }
}

TEST(ScriptPathTest, ResolveUsesThePathOfTheCommandsOwnEnvironmentAndChecksTheCwd) {
  lightning::testing::TempDir dir;
  std::ofstream(dir / "mytool") << "#!/bin/sh\n";
  ::chmod((dir / "mytool").c_str(), 0755);
  ScriptCommand c;
  c.argv = {"mytool", "x"};
  c.env = {{"PATH", dir.path()}};
  const auto r = resolve_command(c, {"PATH=/usr/bin:/bin"});
  EXPECT_EQ(r.program, dir / "mytool");
  EXPECT_EQ(r.argv, c.argv);
  c.cwd = dir / "missing";
  try {
    resolve_command(c, {});
    FAIL() << "a missing cwd was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(
        contains(e.what(), "cwd '" + dir.path() + "/missing' of the command cannot be used"))
        << e.what();
  }
  c.cwd = dir / "mytool";
  EXPECT_THROW(resolve_command(c, {}), std::runtime_error);  // a file, not a directory
}

TEST(ScriptQuoteTest, QuotesWhatAShellWouldSplitAndCutsLongCommands) {
  EXPECT_EQ(shell_quote({"sh", "-c", "echo 'hi' there", ""}), "sh -c 'echo '\\''hi'\\'' there' ''");
  EXPECT_EQ(shell_quote({"python3", "a.py", "--lr=0.1"}), "python3 a.py --lr=0.1");
  EXPECT_EQ(shell_quote({std::string(500, 'x')}, 20), std::string(17, 'x') + "...");
}

TEST(ScriptSignalTest, NamesSignalsTheWayKillDoes) {
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
}

}  // namespace
}  // namespace lightning::components
