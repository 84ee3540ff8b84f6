// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Where lightning-worker is found (find_worker_binary, src/cluster/engine.*).
#include "cluster/engine.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.hpp"

namespace lightning::cluster {
namespace {

std::string make_executable(const std::string& path, mode_t mode = 0755) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << "#!/bin/sh\n";
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(FindWorkerBinaryTest, TheEnvironmentVariableWins) {
  testing::TempDir dir;
  const auto env = make_executable(dir / "env/lightning-worker");
  make_executable(dir / "bin/lightning-worker");
  auto found = find_worker_binary(env, dir / "bin/app", dir / "bin");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(*found, env);
}

TEST(FindWorkerBinaryTest, AVariableNamingNoExecutableIsAnErrorNotSkipped) {
  testing::TempDir dir;
  make_executable(dir / "bin/lightning-worker");
  const auto not_exec = make_executable(dir / "env/lightning-worker", 0644);
  for (const std::string& env : {dir / "missing", not_exec, dir.path()}) {
    auto found = find_worker_binary(env, dir / "bin/app", dir / "bin");
    ASSERT_FALSE(found.ok()) << env;
    EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
    EXPECT_NE(found.status().message().find("LIGHTNING_WORKER_BIN=" + env), std::string::npos);
  }
}

TEST(FindWorkerBinaryTest, NextToTheRunningExecutableThenOnPath) {
  testing::TempDir dir;
  const auto beside = make_executable(dir / "app-bin/lightning-worker");
  const auto on_path = make_executable(dir / "p2/lightning-worker");
  auto found = find_worker_binary("", dir / "app-bin/my_app", dir / "p1:" + dir / "p2");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, beside);
  found = find_worker_binary("", dir / "elsewhere/my_app", dir / "p1:" + dir / "p2");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, on_path);
}

TEST(FindWorkerBinaryTest, NothingFoundSaysWhereItLooked) {
  testing::TempDir dir;
  auto found = find_worker_binary("", dir / "bin/my_app", dir / "p1");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
  EXPECT_NE(found.status().message().find(dir / "bin/lightning-worker"), std::string::npos);
  EXPECT_NE(found.status().message().find("$PATH"), std::string::npos);
  EXPECT_NE(found.status().message().find("LIGHTNING_WORKER_BIN"), std::string::npos);
}

}  // namespace
}  // namespace lightning::cluster
