// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The node's cache of app binaries, by content hash (docs/design/worker-node.md,
// "Files").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "util/status.hpp"

namespace lightning::node {

/// Receives one chunk of the binary, in order; a non-ok Status ends the fetch.
using ChunkSink = std::function<Status(std::string_view data)>;
/// Streams the binary from byte `offset` into `sink` and returns how the
/// stream ended: ok at its end, Unavailable when it broke (the cache resumes
/// from what it has), anything else is final (NotFound, a refused token).
using AppFetcher = std::function<Status(int64_t offset, const ChunkSink& sink)>;

/// `<work dir>/apps/<sha256>`: app binaries the controller sent, verified,
/// read-only (0555), shared by every worker and run on the node that use the
/// same work dir. Filling is safe across processes: one flock per hash
/// (`<sha256>.lock`) serialises downloads of the same binary, the partial
/// download (`<sha256>.part`) survives a broken stream and is resumed, and the
/// verified file is renamed into place, so a reader sees a whole binary or
/// none. Blocking (file and network I/O): call it off the event loop. Any
/// thread; one instance may be used by several threads.
///
/// Pruning: the cache would otherwise keep every binary of every run the
/// node ever served. A worker holds a Use of the binary it runs (a shared
/// flock on `<sha256>.use`, whose mtime is the binary's last use), and
/// prune() removes the least recently used binaries that no worker holds and
/// none is downloading until the cache fits a size.
class AppCache {
 public:
  /// Tries of one fetch: a stream that breaks again and again gives up.
  static constexpr int kMaxFetchAttempts = 5;

  /// A binary in use by this process: prune() in any process of the node
  /// leaves it while this lives. Movable; releases on destruction.
  class Use {
   public:
    Use() = default;
    explicit Use(int fd) : fd_(fd) {}
    ~Use();
    Use(Use&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Use& operator=(Use&& other) noexcept;
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    bool held() const { return fd_ >= 0; }

   private:
    int fd_ = -1;
  };

  /// What prune() did.
  struct Pruned {
    int removed = 0;            ///< binaries removed (with their partial downloads)
    int64_t removed_bytes = 0;  ///< bytes they took
    int64_t kept_bytes = 0;     ///< bytes the cache holds after it
    int skipped = 0;            ///< over the limit but in use or downloading: kept
  };

  explicit AppCache(std::string work_dir);

  /// `<work dir>/apps/<sha256>` (whether or not it is there).
  std::string path_of(const std::string& sha256) const;

  /// The path of the verified binary `sha256` (64 lowercase hex digits) of
  /// `size` bytes, fetched with `fetch` unless the cache has it and it
  /// verifies. `*downloaded` (when given) says whether bytes were fetched.
  /// Errors: InvalidArgument for a malformed hash or size; the fetcher's
  /// status (with context) when it fails for good; FailedPrecondition when
  /// what arrived has another size or SHA-256 (the file is deleted); Internal
  /// with the path and errno's text for file errors.
  Result<std::string> ensure(const std::string& sha256, int64_t size, const AppFetcher& fetch,
                             bool* downloaded = nullptr) const;

  /// Marks `sha256` in use by this process (before ensure(), so that no
  /// prune removes it between the two) and its last use as now. Errors:
  /// InvalidArgument for a malformed hash; Internal with the path and errno's
  /// text when the lock file cannot be made.
  Result<Use> use(const std::string& sha256) const;

  /// Removes the least recently used binaries (and partial downloads) until
  /// the cache holds at most `max_bytes`, skipping any that a Use holds or
  /// a download is filling (non-blocking locks: it never waits). The small
  /// `.lock`/`.use` files stay (removing a lock file others may have open
  /// would let two processes hold "the" lock). Internal with the path and
  /// errno's text when the directory cannot be read; a missing directory is
  /// an empty cache.
  Result<Pruned> prune(int64_t max_bytes) const;

 private:
  std::string dir_;
};

}  // namespace lightning::node
