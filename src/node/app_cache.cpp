// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/app_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

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

AppCache::AppCache(std::string work_dir) : dir_(std::move(work_dir) + "/apps") {}

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
