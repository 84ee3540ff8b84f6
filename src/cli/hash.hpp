// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lightning::cli {

/// FNV-1a with a 128-bit state: the hash behind lightning-run's cache keys.
/// Not cryptographic; 128 bits make an accidental collision between two
/// builds negligible. Fields are length-prefixed, so ("ab","c") and ("a","bc")
/// hash differently. FNV mixes the last bytes weakly, so the digest goes through
/// a bijective finaliser (a 3-round Feistel of MurmurHash3's fmix64): every
/// digit depends on every byte, and short_hex() is as good as any 64 bits.
/// Copyable: hash a common prefix once, then extend copies.
class Fnv1a128 {
 public:
  void update(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      state_ ^= bytes[i];
      state_ *= kPrime;
    }
  }

  /// Adds one field: its length, then its bytes.
  Fnv1a128& add(std::string_view field) {
    const std::uint64_t size = field.size();
    update(&size, sizeof(size));
    update(field.data(), field.size());
    return *this;
  }
  Fnv1a128& add(std::uint64_t value) { return add(std::to_string(value)); }

  /// 32 lowercase hex digits.
  std::string hex() const { return to_hex(finalised(), 32); }
  /// The first 16 hex digits: for names where 64 bits are plenty.
  std::string short_hex() const { return hex().substr(0, 16); }

 private:
  __extension__ using U128 = unsigned __int128;

  static constexpr U128 kPrime = (static_cast<U128>(1) << 88) + 0x13B;
  static constexpr U128 kOffsetBasis =
      (static_cast<U128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;

  static std::uint64_t fmix64(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
  }

  U128 finalised() const {
    std::uint64_t hi = static_cast<std::uint64_t>(state_ >> 64);
    std::uint64_t lo = static_cast<std::uint64_t>(state_);
    hi ^= fmix64(lo);
    lo ^= fmix64(hi);
    hi ^= fmix64(lo);
    return (static_cast<U128>(hi) << 64) | lo;
  }

  static std::string to_hex(U128 value, int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(digits, '0');
    for (int i = digits - 1; i >= 0; --i) {
      out[i] = kDigits[static_cast<int>(value & 0xF)];
      value >>= 4;
    }
    return out;
  }

  U128 state_ = kOffsetBasis;
};

}  // namespace lightning::cli
