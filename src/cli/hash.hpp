// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Header-only use of xxHash (libxxhash-dev): lightning-run links no library
// beyond the C++ standard library (docs/design/lightning-run.md).
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace lightning::cli {

/// XXH3-128 over a sequence of fields: the hash behind lightning-run's cache
/// keys. Not cryptographic; 128 bits make an accidental collision between two
/// builds negligible. Fields are length-prefixed, so ("ab","c") and ("a","bc")
/// hash differently. Copyable: hash a common prefix once, then extend copies.
///
///   const std::string key = CacheKeyHash().add(path).add(size).hex();
class CacheKeyHash {
 public:
  CacheKeyHash() { XXH3_128bits_reset(&state_); }

  /// Raw bytes, no length prefix.
  void update(const void* data, std::size_t size) { XXH3_128bits_update(&state_, data, size); }

  /// Adds one field: its length (8 bytes, host order), then its bytes.
  CacheKeyHash& add(std::string_view field) {
    const std::uint64_t size = field.size();
    update(&size, sizeof(size));
    update(field.data(), field.size());
    return *this;
  }
  CacheKeyHash& add(std::uint64_t value) { return add(std::to_string(value)); }

  /// 32 lowercase hex digits (the digest's canonical, big-endian form).
  std::string hex() const {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(&state_));
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * sizeof(canonical.digest));
    for (const unsigned char byte : canonical.digest) {
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xF];
    }
    return out;
  }
  /// The first 16 hex digits: for names where 64 bits are plenty.
  std::string short_hex() const { return hex().substr(0, 16); }

 private:
  // A plain struct (its external-secret pointer is null: the default secret is
  // used), so copying it copies the hash's progress, as XXH3_copyState does.
  XXH3_state_t state_;
};

}  // namespace lightning::cli
