// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL's EVP interface (libcrypto, which gRPC already links).
#pragma once

#include <openssl/evp.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "util/status.hpp"

namespace lightning::storage {

/// Incremental SHA-256. A value owned by one thread at a time.
///
///   Sha256 h;  h.update(data, n);  std::string hex = h.final_hex();
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  /// 64 lowercase hex digits; the object cannot be updated afterwards.
  std::string final_hex();

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

/// SHA-256 computed on a thread of its own, so that hashing overlaps with
/// whatever the caller does between updates (receiving the next chunk over
/// gRPC, on a machine with a second core). Blocks update() while `max_queued`
/// blocks are waiting, which bounds the memory held. Owned by one thread.
class PipelinedSha256 {
 public:
  /// Continues `prefix` (what was hashed already).
  explicit PipelinedSha256(Sha256 prefix, size_t max_queued = 8);
  ~PipelinedSha256();
  PipelinedSha256(const PipelinedSha256&) = delete;
  PipelinedSha256& operator=(const PipelinedSha256&) = delete;

  /// Queues `block` to be hashed after the ones before it.
  void update(std::string block);
  /// Waits for every queued block; 64 lowercase hex digits. Call once.
  std::string final_hex();

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool closing_ = false;           // guarded by mu_
  bool busy_ = false;              // guarded by mu_: the thread is hashing a block
  size_t max_queued_;
  Sha256 hash_;  // the thread's until final_hex() has waited for it
  std::thread thread_;
};

std::string sha256_hex(std::string_view data);

/// SHA-256 of a file's content, read in 1 MiB blocks. NotFound / Internal
/// with the path and errno's text when it cannot be read.
Result<std::string> sha256_of_file(const std::filesystem::path& file);

/// Whether `s` is 64 lowercase hex digits (an object's name).
bool is_sha256_hex(std::string_view s);

}  // namespace lightning::storage
