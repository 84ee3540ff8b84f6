// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// --cxxflags "..." is split into words as a POSIX shell would (wordexp(3)).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "errors.hpp"
#include "subprocess.hpp"

namespace unit_cli {
namespace {

using lightning::cli::CliError;
using lightning::cli::shell_split;
using Words = std::vector<std::string>;

// The CliError shell_split throws for `text` (fails the test if none).
std::string split_error(const std::string& text) {
  try {
    shell_split(text);
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit_code(), 2) << "a bad --cxxflags is a usage error";
    return e.what();
  }
  ADD_FAILURE() << "expected a CliError for: " << text;
  return "";
}

TEST(ShellSplitTest, WhitespaceSeparatesWords) {
  EXPECT_EQ(shell_split("  -O0\t-g \n -DX=1 "), (Words{"-O0", "-g", "-DX=1"}));
  EXPECT_TRUE(shell_split("").empty());
  EXPECT_TRUE(shell_split("   ").empty());
}

TEST(ShellSplitTest, QuotesKeepSpacesAndAreRemoved) {
  EXPECT_EQ(shell_split("-DMSG='hi there' \"-I/a b\""), (Words{"-DMSG=hi there", "-I/a b"}));
  EXPECT_EQ(shell_split("-DMSG='\"quoted\"'"), (Words{"-DMSG=\"quoted\""}));
  EXPECT_EQ(shell_split("''"), (Words{""})) << "an empty quoted word is a word";
}

TEST(ShellSplitTest, BackslashEscapesOutsideAndInsideDoubleQuotes) {
  EXPECT_EQ(shell_split("a\\ b"), (Words{"a b"}));
  EXPECT_EQ(shell_split("\"a\\\"b\""), (Words{"a\"b"}));
  EXPECT_EQ(shell_split("'a\\b'"), (Words{"a\\b"})) << "single quotes keep backslashes";
}

TEST(ShellSplitTest, VariablesExpandLikeInAMakefileRecipe) {
  ::setenv("LIGHTNING_TEST_PREFIX", "/opt/x", 1);
  EXPECT_EQ(shell_split("-I$LIGHTNING_TEST_PREFIX/include -L${LIGHTNING_TEST_PREFIX}/lib"),
            (Words{"-I/opt/x/include", "-L/opt/x/lib"}));
  EXPECT_EQ(shell_split("'-DV=$LIGHTNING_TEST_PREFIX'"), (Words{"-DV=$LIGHTNING_TEST_PREFIX"}))
      << "single quotes stop expansion";
  ::unsetenv("LIGHTNING_TEST_PREFIX");
}

TEST(ShellSplitTest, UndefinedVariableIsAnErrorNotAnEmptyWord) {
  ::unsetenv("LIGHTNING_TEST_UNSET");
  EXPECT_NE(split_error("-I$LIGHTNING_TEST_UNSET/include").find("undefined variable"),
            std::string::npos);
}

TEST(ShellSplitTest, CommandSubstitutionIsRefusedNeverRun) {
  EXPECT_NE(split_error("-DX=$(touch /tmp/lightning-should-not-exist)").find("not run"),
            std::string::npos);
  EXPECT_NE(split_error("-DX=`id`").find("command substitution"), std::string::npos);
}

TEST(ShellSplitTest, UnquotedShellOperatorsAskForQuotes) {
  const std::string message = split_error("-DX=(1)");
  EXPECT_NE(message.find("quote it"), std::string::npos) << message;
  EXPECT_NE(message.find("-DX=(1)"), std::string::npos) << "the message quotes the flags";
  EXPECT_EQ(shell_split("'-DX=(1)'"), (Words{"-DX=(1)"}));
}

TEST(ShellSplitTest, UnterminatedQuoteIsAnError) {
  EXPECT_NE(split_error("-DMSG='oops").find("unterminated quote"), std::string::npos);
}

}  // namespace
}  // namespace unit_cli
