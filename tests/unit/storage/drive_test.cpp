// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/drive.hpp"

#include <gtest/gtest.h>

#include "storage_test_support.hpp"

namespace lightning::storage {
namespace {

using namespace lightning::storage::testing;
using lightning::testing::TempDir;

TEST(DriveTest, PutGetListRemoveAcrossWorks) {
  TempDir dir;
  {
    ScopedContext a(dir / "run", "root.a");
    write(fs::path(dir / "model.pt"), "weights");
    write(fs::path(dir / "log.txt"), "log");
    Drive d("models");
    EXPECT_EQ(d.put(fs::path(dir / "model.pt")), "model.pt");
    EXPECT_EQ(d.put(fs::path(dir / "log.txt"), "logs/run1.txt"), "logs/run1.txt");
  }
  ScopedContext b(dir / "run", "root.b");
  Drive d("models");
  EXPECT_EQ(d.list(), (std::vector<std::string>{"logs/run1.txt", "model.pt"}));
  EXPECT_EQ(d.list("logs/"), (std::vector<std::string>{"logs/run1.txt"}));
  const fs::path got = d.get("model.pt");
  EXPECT_EQ(slurp(got), "weights");
  EXPECT_EQ(got, fs::path(dir / "run") / "files/root.b/drives/models/model.pt");
  EXPECT_TRUE(d.contains("model.pt"));
}

TEST(DriveTest, OnlyTheWorkThatPutAFileMayRemoveOrReplaceIt) {
  TempDir dir;
  write(fs::path(dir / "f.txt"), "mine");
  {
    ScopedContext a(dir / "run", "root.a");
    Drive("d").put(fs::path(dir / "f.txt"));
  }
  {
    ScopedContext b(dir / "run", "root.b");
    try {
      Drive("d").remove("f.txt");
      FAIL() << "expected StorageError";
    } catch (const StorageError& e) {
      EXPECT_NE(
          std::string(e.what()).find("was put by work 'root.a'; only that work may remove it"),
          std::string::npos)
          << e.what();
    }
    EXPECT_THROW(Drive("d").put(fs::path(dir / "f.txt")), StorageError);
    EXPECT_TRUE(Drive("d").contains("f.txt"));
  }
  ScopedContext a(dir / "run", "root.a");
  Drive("d").remove("f.txt");
  EXPECT_FALSE(Drive("d").contains("f.txt"));
  EXPECT_TRUE(Drive("d").list().empty());
}

TEST(DriveTest, GetOfAMissingFileWaitsForItsTimeoutThenSaysSo) {
  TempDir dir;
  ScopedContext a(dir / "run", "root.a");
  const auto start = std::chrono::steady_clock::now();
  try {
    Drive("d").get("absent.bin", std::chrono::milliseconds(30));
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("not in the drive after 30 ms"), std::string::npos)
        << e.what();
    EXPECT_TRUE(e.retryable());
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
}

TEST(DriveTest, GetWaitsForAFileAnotherWorkPutsMeanwhile) {
  TempDir dir;
  write(fs::path(dir / "late.txt"), "late");
  // A second context in the same process stands for the other work: the
  // writer thread uses the store directly, as another process would.
  std::thread writer([&] {
    const auto ctx = StorageContext::make(dir / "run", "root.a");
    ContentStore cache = *ctx->cache;
    const std::string hex = *cache.add_file(fs::path(dir / "late.txt"));
    (void)ctx->artifacts->import_file(cache.object_path(hex), hex);
    write(ctx->drives_dir / "d/entries/late.txt.tmp-entry",
          Json({{"sha256", hex}, {"size", 4}, {"owner", "root.a"}}).dump());
    fs::rename(ctx->drives_dir / "d/entries/late.txt.tmp-entry",
               ctx->drives_dir / "d/entries/late.txt.entry");
  });
  ScopedContext b(dir / "run", "root.b");
  const fs::path got = Drive("d").get("late.txt", std::chrono::seconds(10));
  writer.join();
  EXPECT_EQ(slurp(got), "late");
}

TEST(DriveTest, WithASharedDirGetReturnsTheSharedFileItself) {
  TempDir dir;
  fs::create_directories(fs::path(dir / "run"));
  write(fs::path(dir / "run/storage.json"), Json({{"shared_dir", dir / "shared"}}).dump());
  write(fs::path(dir / "big.bin"), pattern(10000));
  {
    ScopedContext a(dir / "run", "root.a");
    Drive("d").put(fs::path(dir / "big.bin"));
  }
  ScopedContext b(dir / "run", "root.b");
  const fs::path got = Drive("d").get("big.bin");
  EXPECT_EQ(got, fs::path(dir / "shared") / "drives/d/files/big.bin");
  EXPECT_EQ(inode(got), inode(fs::path(dir / "big.bin")));  // nothing copied
  EXPECT_EQ(slurp(got), pattern(10000));
}

TEST(DriveTest, BadNamesAreRefusedWithTheRule) {
  EXPECT_THROW(Drive("../up"), std::invalid_argument);
  EXPECT_THROW(Drive(""), std::invalid_argument);
  TempDir dir;
  ScopedContext a(dir / "run", "root.a");
  write(fs::path(dir / "f"), "x");
  EXPECT_THROW(Drive("d").put(fs::path(dir / "f"), "../escape"), std::invalid_argument);
  EXPECT_THROW(Drive("d").get("/etc/passwd"), std::invalid_argument);
}

}  // namespace
}  // namespace lightning::storage
