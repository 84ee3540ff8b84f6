// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The node's cache of app binaries, by content hash (docs/design/worker-node.md,
// "Files").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

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
class AppCache {
 public:
  /// Tries of one fetch: a stream that breaks again and again gives up.
  static constexpr int kMaxFetchAttempts = 5;

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

 private:
  std::string dir_;
};

}  // namespace lightning::node
