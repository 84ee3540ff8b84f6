// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/app_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "storage/sha256.hpp"
#include "util/exponential_backoff.hpp"

namespace lightning::node {
namespace {

namespace fs = std::filesystem;

// Binaries larger than this are refused: a controller that claims more is
// broken, and the worker must not fill the node's disk for it.
constexpr int64_t kMaxAppSize = int64_t{64} * 1024 * 1024 * 1024;
const util::ExponentialBackoff kRefetchBackoff(std::chrono::milliseconds(100),
                                               std::chrono::milliseconds(2000));

Status errno_status(const std::string& what, const std::string& path) {
  return Internal("cannot " + what + " " + path + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  /// Closes it now; false (errno set) when close() fails.
  bool reset() {
    const int fd = std::exchange(fd_, -1);
    return fd < 0 || close(fd) == 0;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Whether `path` is a whole, verified copy of the binary.
bool verifies(const std::string& path, const std::string& sha256, int64_t size) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != size) return false;
  Result<std::string> hash = storage::sha256_of_file(path);
  return hash.ok() && *hash == sha256;
}

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

AppCache::Use::~Use() {
  if (fd_ >= 0) close(fd_);
}

AppCache::Use& AppCache::Use::operator=(Use&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

AppCache::AppCache(std::string work_dir) : dir_(std::move(work_dir) + "/apps") {}

Result<AppCache::Use> AppCache::use(const std::string& sha256) const {
  if (!storage::is_sha256_hex(sha256)) {
    return InvalidArgument("app hash '" + sha256.substr(0, 80) +
                           "' is not 64 lowercase hex digits (a SHA-256)");
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Internal("cannot create " + dir_ + ": " + ec.message());
  const std::string path = path_of(sha256) + ".use";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("open", path);
  Use held(fd);
  while (flock(fd, LOCK_SH) != 0) {
    if (errno != EINTR) return errno_status("lock", path);
  }
  futimens(fd, nullptr);  // last use: now (the order prune() removes in)
  return held;
}

Result<AppCache::Pruned> AppCache::prune(int64_t max_bytes) const {
  struct Entry {
    std::string sha256;
    int64_t bytes = 0;
    int64_t last_use_ns = 0;
  };
  std::map<std::string, Entry> by_hash;
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec == std::errc::no_such_file_or_directory) return Pruned{};
  if (ec) return Internal("cannot read " + dir_ + ": " + ec.message());
  const auto mtime_ns = [](const struct stat& st) {
    return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  };
  for (const fs::directory_entry& e : it) {
    const std::string name = e.path().filename().string();
    const std::string sha = name.substr(0, 64);
    const std::string suffix = name.size() > 64 ? name.substr(64) : "";
    if (!storage::is_sha256_hex(sha)) continue;
    struct stat st {};
    if (lstat(e.path().c_str(), &st) != 0) continue;  // gone meanwhile
    Entry& entry = by_hash[sha];
    entry.sha256 = sha;
    if (suffix.empty() || suffix == ".part") {
      entry.bytes += st.st_size;
      entry.last_use_ns = std::max(entry.last_use_ns, mtime_ns(st));
    } else if (suffix == ".use") {
      entry.last_use_ns = std::max(entry.last_use_ns, mtime_ns(st));
    }
  }
  std::vector<Entry> entries;
  Pruned out;
  for (auto& [sha, e] : by_hash) {
    out.kept_bytes += e.bytes;
    if (e.bytes > 0) entries.push_back(e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.last_use_ns < b.last_use_ns; });
  for (const Entry& e : entries) {
    if (out.kept_bytes <= max_bytes) break;
    const std::string base = path_of(e.sha256);
    // Nobody runs it (no shared lock on .use) and nobody downloads it (.lock).
    Fd use(open((base + ".use").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    Fd download(open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (use.get() < 0 || download.get() < 0 || flock(use.get(), LOCK_EX | LOCK_NB) != 0 ||
        flock(download.get(), LOCK_EX | LOCK_NB) != 0) {
      ++out.skipped;
      continue;
    }
    if (!fs::remove(base, ec) && ec) {
      ++out.skipped;
      continue;
    }
    fs::remove(base + ".part", ec);
    out.kept_bytes -= e.bytes;
    out.removed_bytes += e.bytes;
    ++out.removed;
  }
  return out;
}

std::string AppCache::path_of(const std::string& sha256) const { return dir_ + "/" + sha256; }

Result<std::string> AppCache::ensure(const std::string& sha256, int64_t size,
                                     const AppFetcher& fetch, bool* downloaded) const {
  if (downloaded != nullptr) *downloaded = false;
  if (!storage::is_sha256_hex(sha256)) {
    return InvalidArgument("app hash '" + sha256.substr(0, 80) +
                           "' is not 64 lowercase hex digits (a SHA-256)");
  }
  if (size <= 0 || size > kMaxAppSize) {
    return InvalidArgument("app size " + std::to_string(size) +
                           " bytes is out of range (1 byte to 64 GiB)");
  }
  const std::string final_path = path_of(sha256);
  if (verifies(final_path, sha256, size)) return final_path;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Internal("cannot create " + dir_ + ": " + ec.message());

  // One download per hash on the node: another worker may be fetching it now.
  const std::string lock_path = final_path + ".lock";
  Fd lock(open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0) return errno_status("open", lock_path);
  while (flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return errno_status("lock", lock_path);
  }
  if (verifies(final_path, sha256, size)) return final_path;  // the other one finished it
  if (fs::exists(final_path, ec)) {
    // A file that does not verify (truncated by hand, bit rot): fetched again.
    fs::remove(final_path, ec);
  }

  const std::string part_path = final_path + ".part";
  Fd part(open(part_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (part.get() < 0) return errno_status("open", part_path);
  struct stat st {};
  if (fstat(part.get(), &st) != 0) return errno_status("stat", part_path);
  int64_t have = st.st_size;
  if (have > size) {
    if (ftruncate(part.get(), 0) != 0) return errno_status("truncate", part_path);
    have = 0;
  }
  Status last;
  for (int attempt = 0; have < size && attempt < kMaxFetchAttempts; ++attempt) {
    const int64_t before = have;
    ChunkSink sink = [&](std::string_view data) -> Status {
      if (static_cast<int64_t>(data.size()) > size - have) {
        return FailedPrecondition("the controller sent more than the app's " +
                                  std::to_string(size) + " bytes");
      }
      if (Status st = write_all(part.get(), data, part_path); !st.ok()) return st;
      have += static_cast<int64_t>(data.size());
      if (downloaded != nullptr) *downloaded = true;
      return Status::Ok();
    };
    last = fetch(have, sink);
    if (last.ok() && have < size) {
      last = Unavailable("the stream ended after " + std::to_string(have) + " of " +
                         std::to_string(size) + " bytes");
    }
    if (last.ok()) break;
    if (last.code() != StatusCode::kUnavailable) break;  // final: a refusal, a full disk
    // Broken stream: resume from what arrived; wait only when nothing did.
    if (have == before && have < size) std::this_thread::sleep_for(kRefetchBackoff.nth(attempt));
  }
  if (!last.ok() && last.code() != StatusCode::kUnavailable && have == size) {
    fs::remove(part_path, ec);  // from a controller that does not keep to the protocol
  }
  if (have < size || (!last.ok() && last.code() != StatusCode::kUnavailable)) {
    if (last.ok()) last = Unavailable("the download stopped early");
    return last.with_context("cannot fetch the app binary " + sha256.substr(0, 12) + " (" +
                             std::to_string(have) + " of " + std::to_string(size) + " bytes)");
  }
  if (fsync(part.get()) != 0) return errno_status("fsync", part_path);
  Result<std::string> got = storage::sha256_of_file(part_path);
  if (!got.ok()) return got.status();
  if (*got != sha256) {
    fs::remove(part_path, ec);
    return FailedPrecondition("the app binary fetched from the controller has SHA-256 " + *got +
                              ", not " + sha256 + " as announced; deleted it (a corrupted " +
                              "download or a broken controller)");
  }
  if (fchmod(part.get(), 0555) != 0) return errno_status("chmod", part_path);
  // Closed before it gets its final name: exec fails with ETXTBSY while any
  // process holds the file open for writing, and another worker may exec it
  // the moment it is renamed.
  if (!part.reset()) return errno_status("close", part_path);
  if (rename(part_path.c_str(), final_path.c_str()) != 0) return errno_status("rename", part_path);
  Fd dir(open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) fsync(dir.get());
  return final_path;
}

}  // namespace lightning::node
