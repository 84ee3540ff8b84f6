// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning::Path between two works of one run (two storage contexts in one
// process; tests/integration/storage_test.cpp does it with real processes).
#include "lightning/path.hpp"

#include <gtest/gtest.h>

#include "lightning/payload.hpp"
#include "lightning/state.hpp"
#include "lightning/work.hpp"
#include "storage/path_commit.hpp"
#include "storage/tree.hpp"
#include "storage_test_support.hpp"

namespace lightning::storage {
namespace {

using namespace lightning::storage::testing;
using lightning::testing::TempDir;

/// Commits `p` as the work process does after a successful call.
Path commit(const Path& p) {
  Json j = p;
  commit_paths_of_field("ckpt", j);
  return j.get<Path>();
}

TEST(PathTest, ConstructorRefusesTraversalAndAbsolutePaths) {
  EXPECT_THROW(Path("../outside"), std::invalid_argument);
  EXPECT_THROW(Path("/etc/passwd"), std::invalid_argument);
  EXPECT_THROW(Json({{"$path", "a/../../b"}}).get<Path>(), std::invalid_argument);
  EXPECT_THROW(Json({{"$path", "a"}, {"manifest", "zz"}}).get<Path>(), std::invalid_argument);
  try {
    Path("../outside");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("leaves the work's directory"), std::string::npos);
  }
}

TEST(PathTest, JsonCarriesRelativePathOriginAndManifest) {
  TempDir dir;
  ScopedContext a(dir / "run", "root.a");
  Path p("ckpt");
  const Json j = p;
  EXPECT_EQ(j.at("$path"), "ckpt");
  EXPECT_EQ(j.at("origin"), "root.a");
  EXPECT_EQ(j.at("manifest"), "");
  EXPECT_EQ(j.get<Path>(), p);
}

TEST(PathTest, DirectoryGoesToAnotherWorkWithOneSharedCacheWithoutACopy) {
  TempDir dir;
  Path made;
  ino_t producer_inode = 0;
  {
    ScopedContext a(dir / "run", "root.a");
    Path p("checkpoints");
    write(p.local() / "epoch1.pt", "one");
    write(p.local() / "sub/epoch2.pt", pattern(5000));
    fs::create_directories(p.local() / "empty");
    made = commit(p);
    producer_inode = inode(p.local() / "sub/epoch2.pt");
  }
  ASSERT_TRUE(made.is_committed());
  ScopedContext b(dir / "run", "root.b");
  const fs::path there = made.local();
  EXPECT_EQ(there, fs::path(dir / "run") / "files/root.b/checkpoints");
  EXPECT_EQ(slurp(there / "epoch1.pt"), "one");
  EXPECT_EQ(slurp(there / "sub/epoch2.pt"), pattern(5000));
  EXPECT_TRUE(fs::is_directory(there / "empty"));
  EXPECT_EQ(inode(there / "sub/epoch2.pt"), producer_inode);  // same inode: no byte copied
}

TEST(PathTest, SeparateCachesGetTheirOwnCopyFromTheSource) {
  TempDir dir;
  Path made;
  ino_t producer_inode = 0;
  {
    ScopedContext a(dir / "run", "root.a", dir / "node_a");
    Path p("model.bin");
    write(p.local(), pattern(3000));
    made = commit(p);
    producer_inode = inode(p.local());
  }
  // "Another node": its own cache, filled from a store that holds the
  // artifact store's objects but is not the same directory.
  TempDir other;
  fs::copy(fs::path(dir / "run") / "artifacts", fs::path(other / "remote"),
           fs::copy_options::recursive);
  ScopedContext b(dir / "run", "root.b", dir / "node_b",
                  std::make_unique<LocalObjectSource>(ContentStore(other / "remote")));
  const fs::path there = made.local();
  EXPECT_EQ(slurp(there), pattern(3000));
  EXPECT_NE(inode(there), producer_inode);
  EXPECT_TRUE(b->cache->has(made.manifest()));
}

TEST(PathTest, PathFromAnotherWorkThatIsNotCommittedSaysSo) {
  TempDir dir;
  Path p;
  {
    ScopedContext a(dir / "run", "root.a");
    p = Path("later.bin");
  }
  ScopedContext b(dir / "run", "root.b");
  try {
    (void)p.local();
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("not committed yet"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("root.a"), std::string::npos) << e.what();
  }
}

TEST(PathTest, MissingOriginFileFailsTheCommitNamingThePath) {
  TempDir dir;
  ScopedContext a(dir / "run", "root.a");
  try {
    commit(Path("never_written"));
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("never_written"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(PathTest, SymlinkPointingOutOfTheTreeIsRefused) {
  TempDir dir;
  ScopedContext a(dir / "run", "root.a");
  Path p("tree");
  write(p.local() / "ok.txt", "fine");
  write(fs::path(dir / "secret.txt"), "secret");
  fs::create_symlink(fs::path(dir / "secret.txt"), p.local() / "leak.txt");
  try {
    commit(p);
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("points out of the tree"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("leak.txt"), std::string::npos) << e.what();
  }
}

TEST(PathTest, SymlinkInsideTheTreeIsCommittedAsTheFileItNames) {
  TempDir dir;
  Path made;
  {
    ScopedContext a(dir / "run", "root.a");
    Path p("tree");
    write(p.local() / "real.txt", "real");
    fs::create_symlink("real.txt", p.local() / "alias.txt");
    made = commit(p);
  }
  ScopedContext b(dir / "run", "root.b");
  EXPECT_EQ(slurp(made.local() / "alias.txt"), "real");
}

TEST(PathTest, ANewCommitReplacesTheReadersTreeWhole) {
  TempDir dir;
  auto produce = [&](const std::string& file, const std::string& text) {
    ScopedContext a(dir / "run", "root.a");
    Path p("tree");
    std::error_code ec;
    fs::remove_all(p.local(), ec);
    write(p.local() / file, text);
    return commit(p);
  };
  const Path v1 = produce("old.txt", "v1");
  const Path v2 = produce("new.txt", "v2");
  ASSERT_NE(v1.manifest(), v2.manifest());
  ScopedContext b(dir / "run", "root.b");
  EXPECT_EQ(slurp(v1.local() / "old.txt"), "v1");
  const fs::path there = v2.local();
  EXPECT_EQ(slurp(there / "new.txt"), "v2");
  EXPECT_FALSE(fs::exists(there / "old.txt"));
  // No staging directory is left beside it.
  for (const auto& e : fs::directory_iterator(there.parent_path())) {
    EXPECT_EQ(e.path().filename().string().find(".lightning-staging"), std::string::npos);
  }
}

TEST(PathTest, UnchangedTreeCommitsToTheSameManifest) {
  TempDir dir;
  ScopedContext a(dir / "run", "root.a");
  Path p("tree");
  write(p.local() / "a.txt", "a");
  const Path first = commit(p);
  Json again = first;
  EXPECT_FALSE(commit_paths_of_field("ckpt", again));  // nothing changed
  EXPECT_EQ(again.get<Path>().manifest(), first.manifest());
}

TEST(PathTest, PathsMadeByAnotherWorkAreNotCommittedByThisOne) {
  TempDir dir;
  ScopedContext a(dir / "run", "root.a");
  Json j = Json{{"$path", "x"}, {"origin", "root.other"}, {"manifest", ""}};
  EXPECT_FALSE(commit_paths_of_field("f", j));
}

TEST(PayloadTest, BytesStoredOnceAndReadByAnotherWork) {
  TempDir dir;
  Payload made;
  {
    ScopedContext a(dir / "run", "root.a");
    made = Payload(pattern(100000));
  }
  EXPECT_EQ(made.size(), 100000u);
  const Json j = made;
  EXPECT_EQ(j.at("$payload"), made.sha256());
  ScopedContext b(dir / "run", "root.b");
  EXPECT_EQ(j.get<Payload>().bytes(), pattern(100000));
}

struct BigWork : Work {
  State<std::string> blob{this, "blob", ""};
  void run(const Json&) override {}
};

TEST(StateSizeLimitTest, FieldOverTheLimitIsRefusedWithAPointerToPayload) {
  BigWork w;
  w.blob = std::string(1000, 'x');
  try {
    w.blob = std::string(max_state_field_bytes() + 1, 'x');
    FAIL() << "expected std::length_error";
  } catch (const std::length_error& e) {
    EXPECT_NE(std::string(e.what()).find("lightning::Payload"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("blob"), std::string::npos) << e.what();
  }
  EXPECT_EQ(w.blob.get().size(), 1000u);  // the refused value was not assigned
  EXPECT_THROW(set_max_state_field_bytes(10), std::invalid_argument);
}

}  // namespace
}  // namespace lightning::storage
