// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// tree_sha256 and sha256_hex (src/package/content_hash.hpp), on real trees.
#include "package/content_hash.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/temp_dir.hpp"
#include "package/errors.hpp"

namespace lightning::package {
namespace {

namespace fs = std::filesystem;
using lightning::testing::TempDir;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

/// A small component tree: sources, a script, a nested dir, a symlink.
void make_tree(const fs::path& root) {
  write(root / "lightning-component.json", "{\"name\": \"acme\"}\n");
  write(root / "CMakeLists.txt", "project(acme)\n");
  write(root / "src/acme.cpp", "int f() { return 1; }\n");
  write(root / "include/acme/acme.hpp", "int f();\n");
  write(root / "tools/gen.sh", "#!/bin/sh\necho hi\n");
  fs::permissions(root / "tools/gen.sh", fs::perms::owner_all | fs::perms::group_read,
                  fs::perm_options::replace);
  fs::create_symlink("include/acme/acme.hpp", root / "acme.hpp");
}

std::string error_of(const fs::path& root) {
  try {
    (void)tree_sha256(root);
  } catch (const PackageError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(Sha256Test, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/// 8 bytes, big-endian: the framing's length prefix.
std::string be64(std::uint64_t n) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(n & 0xff);
    n >>= 8;
  }
  return out;
}

TEST(TreeSha256Test, HashIsTheDocumentedFramingOfTheSortedEntries) {
  // docs/design/components.md, "Content hash", built here by hand.
  TempDir dir;
  const fs::path root = dir / "t";
  write(root / "b.txt", "hi");
  write(root / "bin/run", "x");
  fs::permissions(root / "bin/run", fs::perms::owner_exec, fs::perm_options::add);
  fs::create_symlink("b.txt", root / "a_link");
  std::string framed = "lightning-tree-sha256 v1\n";
  framed += "l" + be64(6) + "a_link" + be64(5) + "b.txt";
  framed += "f" + be64(5) + "b.txt" + be64(2) + "hi";
  framed += "x" + be64(7) + "bin/run" + be64(1) + "x";
  EXPECT_EQ(tree_sha256(root), sha256_hex(framed));
  // The same figure from a Python reading of the design note (hashlib, struct ">Q").
  EXPECT_EQ(tree_sha256(root), "2889a34d40959229a483068988018772f46347f6bbe9381c4dcf7413f30a7815");
}

TEST(TreeSha256Test, SameTreeInTwoPlacesHashesTheSame) {
  TempDir dir;
  make_tree(fs::path(dir / "one"));
  make_tree(fs::path(dir / "elsewhere/two"));
  const std::string h = tree_sha256(dir / "one");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(tree_sha256(dir / "elsewhere/two"), h);
  EXPECT_EQ(tree_sha256(dir / "one/"), h);  // a trailing slash changes nothing
}

TEST(TreeSha256Test, MtimeAndEmptyDirectoriesDoNotCount) {
  TempDir dir;
  const fs::path root = dir / "t";
  make_tree(root);
  const std::string before = tree_sha256(root);
  fs::last_write_time(root / "src/acme.cpp",
                      fs::last_write_time(root / "src/acme.cpp") - std::chrono::hours(48));
  fs::create_directories(root / "empty/dir");
  EXPECT_EQ(tree_sha256(root), before);
}

TEST(TreeSha256Test, EveryContentChangeChangesTheHash) {
  TempDir dir;
  const fs::path root = dir / "t";
  make_tree(root);
  const std::string base = tree_sha256(root);

  write(root / "src/acme.cpp", "int f() { return 2; }\n");  // one byte
  const std::string edited = tree_sha256(root);
  EXPECT_NE(edited, base);
  write(root / "src/acme.cpp", "int f() { return 1; }\n");
  EXPECT_EQ(tree_sha256(root), base);

  fs::rename(root / "src/acme.cpp", root / "src/acme2.cpp");  // rename
  EXPECT_NE(tree_sha256(root), base);
  fs::rename(root / "src/acme2.cpp", root / "src/acme.cpp");
  EXPECT_EQ(tree_sha256(root), base);

  fs::permissions(root / "CMakeLists.txt", fs::perms::owner_exec,
                  fs::perm_options::add);  // chmod +x
  EXPECT_NE(tree_sha256(root), base);
  fs::permissions(root / "CMakeLists.txt", fs::perms::owner_exec, fs::perm_options::remove);
  EXPECT_EQ(tree_sha256(root), base);

  write(root / "src/empty.txt", "");  // an empty file
  EXPECT_NE(tree_sha256(root), base);
  fs::remove(root / "src/empty.txt");
  EXPECT_EQ(tree_sha256(root), base);
}

TEST(TreeSha256Test, PathAndContentCannotBeConfused) {
  // The same bytes split differently between a name and its content.
  TempDir dir;
  write(fs::path(dir / "a/ab"), "c");
  write(fs::path(dir / "b/a"), "bc");
  EXPECT_NE(tree_sha256(dir / "a"), tree_sha256(dir / "b"));
  // A file moved into a directory of the same name prefix.
  write(fs::path(dir / "c/x/y"), "1");
  write(fs::path(dir / "d/x.y"), "1");
  EXPECT_NE(tree_sha256(dir / "c"), tree_sha256(dir / "d"));
}

TEST(TreeSha256Test, GitAndBuildDirectoriesAtTheTopAreIgnored) {
  TempDir dir;
  const fs::path root = dir / "t";
  make_tree(root);
  const std::string base = tree_sha256(root);
  write(root / ".git/HEAD", "ref: refs/heads/main\n");
  write(root / "build/CMakeCache.txt", "x\n");
  write(root / "build/sub/obj.o", "y\n");
  EXPECT_EQ(tree_sha256(root), base);
  // Only at the top: a nested build/ directory is source.
  write(root / "src/build/gen.cpp", "z\n");
  EXPECT_NE(tree_sha256(root), base);
  fs::remove_all(root / "src/build");
  // A worktree's .git file is ignored too; a top-level *file* named build is source.
  fs::remove_all(root / ".git");
  write(root / ".git", "gitdir: /elsewhere\n");
  EXPECT_EQ(tree_sha256(root), base);
  fs::remove_all(root / "build");
  write(root / "build", "#!/bin/sh\n");
  EXPECT_NE(tree_sha256(root), base);
}

TEST(TreeSha256Test, SymlinkIsHashedAsALinkNotFollowed) {
  TempDir dir;
  const fs::path root = dir / "t";
  make_tree(root);
  const std::string base = tree_sha256(root);
  // A link out of the tree: its target's content is not hashed.
  write(fs::path(dir / "outside.txt"), "one");
  fs::create_symlink(dir / "outside.txt", root / "ext");
  const std::string with_ext = tree_sha256(root);
  write(fs::path(dir / "outside.txt"), "two");
  EXPECT_EQ(tree_sha256(root), with_ext);
  fs::remove(root / "ext");
  EXPECT_EQ(tree_sha256(root), base);
  // Pointing elsewhere with the same content changes the hash.
  write(root / "include/acme/copy.hpp", "int f();\n");
  const std::string with_copy = tree_sha256(root);
  fs::remove(root / "acme.hpp");
  fs::create_symlink("include/acme/copy.hpp", root / "acme.hpp");
  EXPECT_NE(tree_sha256(root), with_copy);
  // A regular file with the link's text as content is not the link.
  fs::remove(root / "acme.hpp");
  fs::remove(root / "include/acme/copy.hpp");
  write(root / "acme.hpp", "include/acme/acme.hpp");
  EXPECT_NE(tree_sha256(root), base);
  // A dangling link and a link to a directory (not descended into) hash fine.
  fs::remove(root / "acme.hpp");
  fs::create_symlink("/nonexistent/target", root / "dangling");
  fs::create_symlink("/", root / "root_link");
  const std::string h = tree_sha256(root);
  EXPECT_EQ(h.size(), 64u);
}

TEST(TreeSha256Test, FifoIsAnErrorNamingTheFile) {
  TempDir dir;
  const fs::path root = dir / "t";
  make_tree(root);
  ASSERT_EQ(::mkfifo((root / "src/pipe").c_str(), 0600), 0);
  const std::string e = error_of(root);
  EXPECT_TRUE(contains(e, "src/pipe")) << e;
  EXPECT_TRUE(contains(e, "a FIFO")) << e;
}

TEST(TreeSha256Test, NotADirectoryOrUnreadableFileIsAnError) {
  TempDir dir;
  EXPECT_TRUE(contains(error_of(dir / "missing"), "not a directory"));
  write(fs::path(dir / "file"), "x");
  EXPECT_TRUE(contains(error_of(dir / "file"), "not a directory"));
  if (::geteuid() != 0) {  // root reads anything
    const fs::path root = dir / "t";
    make_tree(root);
    fs::permissions(root / "src/acme.cpp", fs::perms::none, fs::perm_options::replace);
    const std::string e = error_of(root);
    EXPECT_TRUE(contains(e, "cannot read")) << e;
    EXPECT_TRUE(contains(e, "src/acme.cpp")) << e;
  }
}

}  // namespace
}  // namespace lightning::package
