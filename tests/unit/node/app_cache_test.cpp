// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/app_cache.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "../../common/temp_dir.hpp"
#include "storage/sha256.hpp"

namespace lightning::node {
namespace {

using lightning::testing::TempDir;

std::string binary_of(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) % 251);
  return s;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A controller's FetchApp over `data`, in `chunk`-byte pieces; the first
// `break_after` bytes of the first call arrive and then the stream breaks.
struct FakeController {
  std::string data;
  size_t chunk = 1000;
  int64_t break_after = -1;
  std::atomic<int> calls{0};
  std::atomic<int64_t> bytes_sent{0};
  std::vector<int64_t> offsets;

  AppFetcher fetcher() {
    return [this](int64_t offset, const ChunkSink& sink) -> Status {
      const int call = calls++;
      offsets.push_back(offset);
      for (int64_t at = offset; at < static_cast<int64_t>(data.size());) {
        if (call == 0 && break_after >= 0 && at >= break_after) {
          return Unavailable("Socket closed");
        }
        const size_t n = std::min(chunk, data.size() - static_cast<size_t>(at));
        if (Status st = sink(std::string_view(data).substr(static_cast<size_t>(at), n)); !st.ok()) {
          return st;
        }
        bytes_sent += static_cast<int64_t>(n);
        at += static_cast<int64_t>(n);
      }
      return Status::Ok();
    };
  }
};

TEST(AppCacheTest, FetchesVerifiesAndKeepsTheBinaryReadOnly) {
  TempDir dir;
  FakeController c;
  c.data = binary_of(10000);
  const std::string sha = storage::sha256_hex(c.data);
  AppCache cache(dir.path());
  bool downloaded = false;
  Result<std::string> path = cache.ensure(sha, 10000, c.fetcher(), &downloaded);
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_TRUE(downloaded);
  EXPECT_EQ(*path, dir / "apps/" + sha);
  EXPECT_EQ(read_all(*path), c.data);
  struct stat st {};
  ASSERT_EQ(stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555u);
  EXPECT_FALSE(std::filesystem::exists(*path + ".part"));
}

// Three 1,000-byte binaries in the cache, used in the order 0, 1, 2 (their
// .use files' mtimes 100, 200, 300 s after the epoch): their hashes.
std::vector<std::string> three_binaries_used_in_order(const AppCache& cache) {
  std::vector<std::string> hashes;
  for (int i = 0; i < 3; ++i) {
    FakeController c;
    c.data = binary_of(1000) + std::to_string(i);
    const std::string sha = storage::sha256_hex(c.data);
    Result<AppCache::Use> use = cache.use(sha);
    EXPECT_TRUE(use.ok()) << use.status().message();
    EXPECT_TRUE(cache.ensure(sha, static_cast<int64_t>(c.data.size()), c.fetcher()).ok());
    const struct timespec when[2] = {{100L * (i + 1), 0}, {100L * (i + 1), 0}};
    EXPECT_EQ(utimensat(AT_FDCWD, (cache.path_of(sha) + ".use").c_str(), when, 0), 0);
    hashes.push_back(sha);
  }
  return hashes;
}

TEST(AppCacheTest, PruneRemovesTheLeastRecentlyUsedBinariesUntilTheCacheFits) {
  TempDir dir;
  AppCache cache(dir.path());
  const std::vector<std::string> sha = three_binaries_used_in_order(cache);
  Result<AppCache::Pruned> pruned = cache.prune(2500);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(pruned->removed, 1);
  EXPECT_EQ(pruned->removed_bytes, 1001);
  EXPECT_EQ(pruned->kept_bytes, 2002);
  EXPECT_FALSE(std::filesystem::exists(cache.path_of(sha[0]))) << "the least recently used";
  EXPECT_TRUE(std::filesystem::exists(cache.path_of(sha[1])));
  EXPECT_TRUE(std::filesystem::exists(cache.path_of(sha[2])));
  // Under the limit: nothing more goes.
  pruned = cache.prune(2500);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->removed, 0);
}

TEST(AppCacheTest, PruneLeavesABinaryInUseOrBeingDownloaded) {
  TempDir dir;
  AppCache cache(dir.path());
  const std::vector<std::string> sha = three_binaries_used_in_order(cache);
  // sha[0] runs (another worker's Use); sha[1] is being fetched again (its
  // download lock is held).
  Result<AppCache::Use> running = cache.use(sha[0]);
  ASSERT_TRUE(running.ok());
  const struct timespec old[2] = {{100, 0}, {100, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (cache.path_of(sha[0]) + ".use").c_str(), old, 0), 0);
  const int downloading = open((cache.path_of(sha[1]) + ".lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(downloading, 0);
  ASSERT_EQ(flock(downloading, LOCK_EX), 0);

  Result<AppCache::Pruned> pruned = cache.prune(0);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(pruned->removed, 1);
  EXPECT_EQ(pruned->skipped, 2);
  EXPECT_TRUE(std::filesystem::exists(cache.path_of(sha[0]))) << "in use";
  EXPECT_TRUE(std::filesystem::exists(cache.path_of(sha[1]))) << "being downloaded";
  EXPECT_FALSE(std::filesystem::exists(cache.path_of(sha[2])));

  // Once both are free, they go too.
  close(downloading);
  running = AppCache::Use();
  pruned = cache.prune(0);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->removed, 2);
  EXPECT_EQ(pruned->kept_bytes, 0);
}

TEST(AppCacheTest, PruneOfACacheNeverFilledIsNothingAndAMalformedHashIsRefusedByUse) {
  TempDir dir;
  AppCache cache(dir / "nowhere");
  Result<AppCache::Pruned> pruned = cache.prune(0);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(pruned->removed, 0);
  EXPECT_EQ(cache.use("../etc").status().code(), StatusCode::kInvalidArgument);
}

TEST(AppCacheTest, ASecondEnsureUsesTheCacheWithoutFetching) {
  TempDir dir;
  FakeController c;
  c.data = binary_of(5000);
  const std::string sha = storage::sha256_hex(c.data);
  ASSERT_TRUE(AppCache(dir.path()).ensure(sha, 5000, c.fetcher()).ok());
  bool downloaded = true;
  Result<std::string> again = AppCache(dir.path()).ensure(sha, 5000, c.fetcher(), &downloaded);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(downloaded);
  EXPECT_EQ(c.calls.load(), 1);
}

TEST(AppCacheTest, ABrokenStreamIsResumedFromWhatArrived) {
  TempDir dir;
  FakeController c;
  c.data = binary_of(10000);
  c.break_after = 4000;
  const std::string sha = storage::sha256_hex(c.data);
  Result<std::string> path = AppCache(dir.path()).ensure(sha, 10000, c.fetcher());
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(read_all(*path), c.data);
  ASSERT_EQ(c.offsets.size(), 2u);
  EXPECT_EQ(c.offsets[1], 4000);
  EXPECT_EQ(c.bytes_sent.load(), 10000);  // nothing twice
}

TEST(AppCacheTest, AHashMismatchDeletesTheDownloadAndSaysSo) {
  TempDir dir;
  FakeController c;
  c.data = binary_of(3000);
  const std::string wrong = storage::sha256_hex("something else");
  Result<std::string> path = AppCache(dir.path()).ensure(wrong, 3000, c.fetcher());
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(path.status().message().find("not " + wrong), std::string::npos)
      << path.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir / "apps/" + wrong));
  EXPECT_FALSE(std::filesystem::exists(dir / "apps/" + wrong + ".part"));
}

TEST(AppCacheTest, AControllerSendingTooMuchIsRefused) {
  TempDir dir;
  FakeController c;
  c.data = binary_of(3000);
  Result<std::string> path =
      AppCache(dir.path()).ensure(storage::sha256_hex(c.data.substr(0, 2000)), 2000, c.fetcher());
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.status().message().find("more than"), std::string::npos)
      << path.status().message();
}

TEST(AppCacheTest, AFinalErrorIsNotRetried) {
  TempDir dir;
  int calls = 0;
  AppFetcher refused = [&](int64_t, const ChunkSink&) -> Status {
    ++calls;
    return FailedPrecondition("FetchApp: the controller refused the worker token");
  };
  Result<std::string> path = AppCache(dir.path()).ensure(storage::sha256_hex("x"), 1, refused);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_NE(path.status().message().find("refused the worker token"), std::string::npos);
}

TEST(AppCacheTest, MalformedHashOrSizeIsInvalid) {
  TempDir dir;
  FakeController c;
  EXPECT_EQ(AppCache(dir.path()).ensure("../../etc/passwd", 10, c.fetcher()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AppCache(dir.path()).ensure(std::string(64, 'A'), 10, c.fetcher()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AppCache(dir.path()).ensure(storage::sha256_hex("x"), 0, c.fetcher()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(c.calls.load(), 0);
}

TEST(AppCacheTest, ACorruptedCachedFileIsFetchedAgain) {
  TempDir dir;
  FakeController c;
  c.data = binary_of(2000);
  const std::string sha = storage::sha256_hex(c.data);
  AppCache cache(dir.path());
  ASSERT_TRUE(cache.ensure(sha, 2000, c.fetcher()).ok());
  const std::string path = cache.path_of(sha);
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << std::string(2000, 'x');
  }
  Result<std::string> again = cache.ensure(sha, 2000, c.fetcher());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(read_all(path), c.data);
  EXPECT_EQ(c.calls.load(), 2);
}

TEST(AppCacheTest, ConcurrentFillsOfOneHashDownloadOnceAndAllGetTheWholeFile) {
  TempDir dir;
  FakeController c;
  c.data = binary_of(200000);
  c.chunk = 997;
  const std::string sha = storage::sha256_hex(c.data);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      // Each as its own worker would: an instance of its own.
      Result<std::string> path = AppCache(dir.path()).ensure(sha, 200000, c.fetcher());
      if (path.ok() && read_all(*path) == c.data) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(c.calls.load(), 1);
  EXPECT_EQ(c.bytes_sent.load(), 200000);
}

}  // namespace
}  // namespace lightning::node
