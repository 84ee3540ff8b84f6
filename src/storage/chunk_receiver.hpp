// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lightning/v1/storage.pb.h"
#include "storage/sha256.hpp"
#include "util/status.hpp"

namespace lightning::storage {

/// The receiving end of one ObjectStore.FetchObject stream: checks each
/// chunk a peer sent (its offset is the next byte wanted, its XXH3-64 checksum matches,
/// it stays inside the object's announced size, which never changes), writes
/// it at its offset into `fd` and adds it to the running hash. Input from the
/// network: nothing in a chunk can make it write outside [0, object size) or
/// crash (tests/fuzz/fuzz_object_chunks.cpp). One stream at a time; one thread.
class ChunkReceiver {
 public:
  enum class Verdict {
    kMore,      ///< written; more to come
    kComplete,  ///< written; the object is whole (offset == object size)
    kRejected,  ///< damaged or out of place: nothing written; ask again from offset()
  };

  /// `offset`: bytes already in `fd` (and in `hash`).
  ChunkReceiver(int fd, uint64_t offset, Sha256 hash)
      : fd_(fd), offset_(offset), hash_(std::move(hash)) {}

  /// Objects with at least this many bytes still to come are hashed on a
  /// second thread (PipelinedSha256) while the next chunks arrive.
  static constexpr uint64_t kPipelineFrom = 16u << 20;

  /// Error: the write failed (a full disk: ResourceExhausted), naming `file`.
  /// An accepted chunk's data may have been moved out (to the hashing thread).
  Result<Verdict> accept(v1::ObjectChunk& chunk, const std::string& file);

  uint64_t offset() const { return offset_; }
  /// The object's size as the peer announced it; UINT64_MAX before any chunk.
  uint64_t total() const { return total_; }
  /// Whether every byte is there.
  bool complete() const { return total_ != UINT64_MAX && offset_ == total_; }
  /// The SHA-256 of bytes [0, offset()), once complete(); call once.
  std::string final_hex() { return pipeline_ ? pipeline_->final_hex() : hash_.final_hex(); }
  /// Starts over at byte 0 (after a whole-object hash mismatch).
  void restart() {
    offset_ = 0;
    total_ = UINT64_MAX;
    pipeline_.reset();
    hash_ = Sha256();
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t total_ = UINT64_MAX;
  Sha256 hash_;                                // until pipeline_ takes it over
  std::unique_ptr<PipelinedSha256> pipeline_;  // for large objects
};

}  // namespace lightning::storage
