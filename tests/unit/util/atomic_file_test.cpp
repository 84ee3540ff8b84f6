// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/temp_dir.hpp"

namespace unit_util {
namespace {

namespace fs = std::filesystem;
using lightning::StatusCode;
using lightning::testing::TempDir;
using lightning::util::write_file_atomically;

std::string contents_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

// The failure tests run in a child (a death test) because they change the
// process: a file size limit, or (as root, who may write anywhere) the user.
// The child exits 0 only if every expectation held and prints what it saw.
[[noreturn]] void exit_with(bool passed, const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::fflush(stderr);
  std::_Exit(passed ? 0 : 1);
}

TEST(AtomicFileTest, WritesTheContentAndLeavesNoTemporaryFile) {
  TempDir dir;
  const std::string path = dir / "state.json";

  ASSERT_TRUE(write_file_atomically(path, "{\"a\": 1}\n").ok());

  EXPECT_EQ(contents_of(path), "{\"a\": 1}\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"state.json"});
}

TEST(AtomicFileTest, ReplacesAnExistingFileWhole) {
  TempDir dir;
  const std::string path = dir / "manifest";
  ASSERT_TRUE(write_file_atomically(path, std::string(10000, 'x')).ok());

  ASSERT_TRUE(write_file_atomically(path, "short").ok());

  EXPECT_EQ(contents_of(path), "short");
  EXPECT_EQ(names_in(dir.path()).size(), 1u);
}

TEST(AtomicFileTest, WritesAnEmptyFile) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir / "empty", "").ok());
  EXPECT_TRUE(fs::exists(dir / "empty"));
  EXPECT_EQ(fs::file_size(dir / "empty"), 0u);
}

TEST(AtomicFileTest, NewFileModeFollowsTheUmaskLikeAnOfstream) {
  TempDir dir;
  const mode_t old_mask = ::umask(022);
  const auto status = write_file_atomically(dir / "f", "x");
  ::umask(old_mask);
  ASSERT_TRUE(status.ok());
  struct stat st;
  ASSERT_EQ(::stat((dir / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(AtomicFileTest, MissingDirectoryIsNotFoundWithThePath) {
  TempDir dir;
  const auto status = write_file_atomically(dir / "no-such-dir/state.json", "x");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("no-such-dir"), std::string::npos) << status.message();
}

// Child of ReadOnlyDirectory...: as an ordinary user (root writes anywhere).
[[noreturn]] void write_into_read_only_dir(const std::string& path) {
  if (::geteuid() == 0 && ::setuid(65534) != 0) exit_with(false, "setuid failed");
  const auto status = write_file_atomically(path, "new");
  exit_with(status.code() == StatusCode::kFailedPrecondition && contents_of(path) == "old",
            status.message());
}

// Child of FullDisk...: a file size limit makes write() fail with EFBIG part
// way, as a full disk fails with ENOSPC.
[[noreturn]] void write_past_the_file_size_limit(const std::string& path) {
  std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit;
  limit.rlim_cur = limit.rlim_max = 1024;
  if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) exit_with(false, "setrlimit failed");
  const auto status = write_file_atomically(path, std::string(64 * 1024, 'y'));
  exit_with(status.code() == StatusCode::kResourceExhausted && contents_of(path) == "old" &&
                names_in(fs::path(path).parent_path().string()).size() == 1,
            status.message());
}

using AtomicFileDeathTest = ::testing::Test;

TEST(AtomicFileDeathTest, ReadOnlyDirectoryFailsCleanlyAndSaysItMustBeWritable) {
  TempDir dir;
  const std::string path = dir / "state.json";
  ASSERT_TRUE(write_file_atomically(path, "old").ok());
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);

  EXPECT_EXIT(write_into_read_only_dir(path), ::testing::ExitedWithCode(0),
              "cannot create .*state.json.*must be writable");

  ::chmod(dir.path().c_str(), 0755);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"state.json"});
}

TEST(AtomicFileDeathTest, FullDiskKeepsTheOldFileRemovesTheTemporaryAndSaysSo) {
  TempDir dir;
  const std::string path = dir / "state.json";
  ASSERT_TRUE(write_file_atomically(path, "old").ok());

  EXPECT_EXIT(write_past_the_file_size_limit(path), ::testing::ExitedWithCode(0),
              "cannot write .*state.json.tmp-.*File too large.*ulimit -f");

  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"state.json"});
}

}  // namespace
}  // namespace unit_util
