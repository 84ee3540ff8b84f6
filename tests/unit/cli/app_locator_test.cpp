// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Finding the most recent running app started from a directory.
#include "app_locator.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/temp_dir.hpp"

namespace unit_cli {
namespace {

namespace fs = std::filesystem;
using lightning::cli::find_latest_app;
using lightning::cli::find_running_apps;

// A pid that no process has: a child that has exited and been reaped.
long dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return pid;
}

class AppLocatorTest : public ::testing::Test {
 protected:
  // A run dir with api.json (and a token), written `age` ago.
  void add_run(const std::string& name, const std::string& url, long pid, std::chrono::seconds age,
               const std::string& token = "") {
    const fs::path run = fs::path(dir_.path()) / ".lightning" / "runs" / name;
    fs::create_directories(run);
    std::ofstream(run / "api.json") << "{\"url\": \"" << url << "\", \"pid\": " << pid << "}\n";
    if (!token.empty()) std::ofstream(run / "api-token") << token << "\n";
    fs::last_write_time(run / "api.json", fs::file_time_type::clock::now() - age);
  }

  lightning::testing::TempDir dir_;
};

TEST_F(AppLocatorTest, NoRunsDirectoryMeansNoApp) {
  EXPECT_FALSE(find_latest_app(dir_.path()).has_value());
}

TEST_F(AppLocatorTest, TheNewestRunWhosePidIsAliveIsChosenWithItsToken) {
  add_run("a-old", "http://127.0.0.1:1001", ::getpid(), std::chrono::seconds(60), "old");
  add_run("b-new", "http://127.0.0.1:1002", ::getpid(), std::chrono::seconds(5), "new");
  add_run("c-dead", "http://127.0.0.1:1003", dead_pid(), std::chrono::seconds(1));
  const auto app = find_latest_app(dir_.path());
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(app->url, "http://127.0.0.1:1002");
  EXPECT_EQ(app->token, "new");
  EXPECT_EQ(app->pid, ::getpid());
  EXPECT_EQ(app->run_dir, dir_.path() + "/.lightning/runs/b-new");
  EXPECT_EQ(find_running_apps(dir_.path()).size(), 2u);
}

TEST_F(AppLocatorTest, RunDirsWithoutAUsableApiJsonAreSkipped) {
  const fs::path runs = fs::path(dir_.path()) / ".lightning" / "runs";
  fs::create_directories(runs / "no-http");
  fs::create_directories(runs / "garbage");
  std::ofstream(runs / "garbage" / "api.json") << "{not json";
  fs::create_directories(runs / "no-pid");
  std::ofstream(runs / "no-pid" / "api.json") << R"({"url": "http://127.0.0.1:1"})";
  EXPECT_FALSE(find_latest_app(dir_.path()).has_value());
  add_run("good", "http://127.0.0.1:1004", ::getpid(), std::chrono::seconds(0));
  ASSERT_TRUE(find_latest_app(dir_.path()).has_value());
  EXPECT_EQ(find_latest_app(dir_.path())->url, "http://127.0.0.1:1004");
  EXPECT_EQ(find_latest_app(dir_.path())->token, "");
}

}  // namespace
}  // namespace unit_cli
