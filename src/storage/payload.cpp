// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning::Payload (include/lightning/payload.hpp).
#include "lightning/payload.hpp"

#include "storage/sha256.hpp"
#include "storage/storage_context.hpp"

namespace lightning {

Payload::Payload(std::string_view bytes) : size_(bytes.size()) {
  storage::StorageContext& ctx = storage::context();
  Result<std::string> hex = ctx.cache->add_bytes(bytes);
  if (!hex.ok()) storage::throw_storage_error(hex.status().with_context("lightning::Payload"));
  if (Status s = ctx.artifacts->import_file(ctx.cache->object_path(*hex), *hex); !s.ok()) {
    storage::throw_storage_error(s.with_context("lightning::Payload"));
  }
  sha256_ = *hex;
}

std::filesystem::path Payload::local() const {
  if (empty()) throw StorageError("lightning::Payload::local() of an empty Payload");
  storage::StorageContext& ctx = storage::context();
  if (Status s = ctx.fetch(sha256_); !s.ok()) {
    storage::throw_storage_error(s.with_context("lightning::Payload " + sha256_));
  }
  return ctx.cache->object_path(sha256_);
}

std::string Payload::bytes() const {
  if (empty()) return {};
  (void)local();
  Result<std::string> b = storage::context().cache->read(sha256_, size_);
  if (!b.ok())
    storage::throw_storage_error(b.status().with_context("lightning::Payload " + sha256_));
  return std::move(*b);
}

Json Payload::to_json_value() const { return Json{{"$payload", sha256_}, {"size", size_}}; }

Payload Payload::from_json_value(const Json& j) {
  if (!j.is_object() || !j.contains("$payload") || !j["$payload"].is_string()) {
    throw std::invalid_argument("not a lightning::Payload: expected {\"$payload\": ...}");
  }
  Payload p;
  p.sha256_ = j["$payload"].get<std::string>();
  if (j.contains("size")) p.size_ = j["size"].get<uint64_t>();
  if (!p.sha256_.empty() && !storage::is_sha256_hex(p.sha256_)) {
    throw std::invalid_argument("lightning::Payload: '" + p.sha256_ +
                                "' is not 64 lowercase hex digits");
  }
  return p;
}

}  // namespace lightning
