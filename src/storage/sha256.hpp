// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL's EVP interface (libcrypto, which gRPC already links).
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

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

std::string sha256_hex(std::string_view data);

/// SHA-256 of a file's content, read in 1 MiB blocks. NotFound / Internal
/// with the path and errno's text when it cannot be read.
Result<std::string> sha256_of_file(const std::filesystem::path& file);

/// Whether `s` is 64 lowercase hex digits (an object's name).
bool is_sha256_hex(std::string_view s);

}  // namespace lightning::storage
