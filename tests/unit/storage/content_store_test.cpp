// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/content_store.hpp"

#include <gtest/gtest.h>

#include "storage/manifest.hpp"
#include "storage/sha256.hpp"
#include "storage_test_support.hpp"

namespace lightning::storage {
namespace {

using namespace lightning::storage::testing;
using lightning::testing::TempDir;

TEST(Sha256Test, MatchesTheKnownDigestOfAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(is_sha256_hex(sha256_hex("")));
  EXPECT_FALSE(is_sha256_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
}

TEST(ContentStoreTest, BytesStoredUnderTheirHashReadBackVerified) {
  TempDir dir;
  ContentStore store(dir / "store");
  Result<std::string> name = store.add_bytes("hello");
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(*name, sha256_hex("hello"));
  EXPECT_TRUE(store.has(*name));
  Result<std::string> back = store.read(*name, 100);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "hello");
}

TEST(ContentStoreTest, ImportedFileIsAHardLinkNotACopy) {
  TempDir dir;
  ContentStore store(dir / "store");
  write(dir / "f.bin", pattern(10000));
  Result<std::string> name = store.add_file(dir / "f.bin");
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(inode(store.object_path(*name)), inode(dir / "f.bin"));
  // ... and placing it elsewhere links again.
  ASSERT_TRUE(store.place(*name, dir / "copy.bin").ok());
  EXPECT_EQ(inode(dir / "copy.bin"), inode(dir / "f.bin"));
}

TEST(ContentStoreTest, DamagedObjectIsReportedAsAHashMismatchAndRemoved) {
  TempDir dir;
  ContentStore store(dir / "store");
  Result<std::string> name = store.add_bytes("original");
  ASSERT_TRUE(name.ok());
  fs::permissions(store.object_path(*name), fs::perms::owner_write, fs::perm_options::add);
  write(store.object_path(*name), "tampered");
  Result<std::string> back = store.read(*name, 100);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("hash mismatch"), std::string::npos)
      << back.status().message();
  EXPECT_FALSE(store.has(*name));
}

TEST(ContentStoreTest, MissingSourceFileNamesThePath) {
  TempDir dir;
  ContentStore store(dir / "store");
  Result<std::string> name = store.add_file(dir / "nope.bin");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().code(), StatusCode::kNotFound);
  EXPECT_NE(name.status().message().find(dir / "nope.bin"), std::string::npos);
}

TEST(ContentStoreTest, CopyAcrossFileSystemsOntoAFullDiskSaysSoAndLeavesNoObject) {
  TempDir dir;
  SmallDisk disk(dir / "small", "128k");
  if (disk.error() == EPERM || disk.error() == EACCES) {
    GTEST_SKIP() << "cannot mount a tmpfs here: this test needs root or CAP_SYS_ADMIN";
  }
  ASSERT_EQ(disk.error(), 0) << std::strerror(disk.error());
  write(fs::path(dir / "big.bin"), pattern(1 << 20));
  ContentStore store(dir / "small/store");  // another file system: a copy, which fills it
  Result<std::string> name = store.add_file(dir / "big.bin");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().code(), StatusCode::kResourceExhausted) << name.status().message();
  EXPECT_NE(name.status().message().find("disk is full"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(store.temp_dir()));  // the partial copy was removed
}

TEST(RelativePathTest, TraversalAndAbsolutePathsAreRefusedWithTheReason) {
  EXPECT_EQ(relative_path_problem("ckpt/epoch1.pt"), "");
  EXPECT_NE(relative_path_problem("../etc/passwd").find("'..'"), std::string::npos);
  EXPECT_NE(relative_path_problem("a/../../b").find("'..'"), std::string::npos);
  EXPECT_NE(relative_path_problem("/etc/passwd").find("absolute"), std::string::npos);
  EXPECT_NE(relative_path_problem("a//b").find("empty segment"), std::string::npos);
  EXPECT_NE(relative_path_problem("./a").find("'.'"), std::string::npos);
  EXPECT_NE(relative_path_problem(std::string("a\0b", 3)).find("NUL"), std::string::npos);
  EXPECT_NE(relative_path_problem("").find("empty"), std::string::npos);
}

TEST(ManifestTest, RoundTripsAndRefusesTraversalInsideIt) {
  Manifest m;
  m.is_dir = true;
  m.files.push_back({"a/b.bin", sha256_hex("x"), 1});
  m.dirs.push_back("a");
  Result<Manifest> back = Manifest::parse(m.to_text());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->files.size(), 1u);
  EXPECT_EQ(back->files[0].path, "a/b.bin");

  m.files.push_back({"../escape", sha256_hex("y"), 1});
  Result<Manifest> bad = Manifest::parse(m.to_text());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("../escape"), std::string::npos);
  EXPECT_FALSE(Manifest::parse("{\"v\":1,\"kind\":\"file\",\"files\":[],\"dirs\":[]}").ok());
  EXPECT_FALSE(Manifest::parse("not json").ok());
}

}  // namespace
}  // namespace lightning::storage
