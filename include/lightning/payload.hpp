// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Values too big for state, set by reference: lightning::Payload (docs/design/storage.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lightning/json.hpp"
#include "lightning/path.hpp"

namespace lightning {

/// A value too big for a State field (a tensor's bytes, a blob), kept by
/// reference: the bytes are stored once, when the Payload is made, in the
/// node's cache and the run's artifact store; the field holds only their
/// SHA-256 and size; a reader fetches them on its first bytes().
///
///   // in a work
///   lightning::State<lightning::Payload> weights{this, "weights"};
///   std::ostringstream out;  torch::save(tensor, out);
///   weights = lightning::Payload(out.str());
///   // in another work (or a flow)
///   std::string bytes = args.at("weights").get<lightning::Payload>().bytes();
///
/// JSON: {"$payload": "<64 hex digits>", "size": <bytes>}.
class Payload {
 public:
  Payload() = default;
  /// Stores `bytes` now (hashing them once). Throws StorageError when the
  /// disk is full or outside a running app.
  explicit Payload(std::string_view bytes);

  /// The bytes, verified against the hash; fetched over gRPC when this
  /// node's cache lacks them. Throws StorageError (not found, hash mismatch,
  /// store unreachable after retries, full disk).
  std::string bytes() const;
  /// Where the bytes are on this node's disk (read-only; fetched first like bytes()).
  std::filesystem::path local() const;

  const std::string& sha256() const { return sha256_; }
  /// Bytes.
  uint64_t size() const { return size_; }
  bool empty() const { return sha256_.empty(); }

  bool operator==(const Payload& o) const { return sha256_ == o.sha256_; }
  bool operator!=(const Payload& o) const { return !(*this == o); }

  Json to_json_value() const;
  /// Throws std::invalid_argument for a malformed object.
  static Payload from_json_value(const Json& j);

 private:
  std::string sha256_;
  uint64_t size_ = 0;
};

inline void to_json(Json& j, const Payload& p) { j = p.to_json_value(); }
inline void from_json(const Json& j, Payload& p) { p = Payload::from_json_value(j); }

}  // namespace lightning
