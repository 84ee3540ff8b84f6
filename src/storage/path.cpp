// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning::Path (include/lightning/path.hpp).
#include "lightning/path.hpp"

#include <system_error>

#include "storage/manifest.hpp"
#include "storage/path_commit.hpp"
#include "storage/sha256.hpp"
#include "storage/storage_context.hpp"
#include "storage/tree.hpp"

namespace lightning {

namespace {
void check_relative(const std::string& rel) {
  if (std::string problem = storage::relative_path_problem(rel); !problem.empty()) {
    throw std::invalid_argument("lightning::Path '" + rel + "' " + problem);
  }
}

}  // namespace

Path::Path(const std::string& relative) : relative_(relative) {
  check_relative(relative_);
  storage::note_path_used();
  if (storage::has_context()) origin_ = storage::context().work_path;
}

std::filesystem::path Path::local() const {
  if (relative_.empty()) throw StorageError("lightning::Path::local() of an empty Path");
  storage::StorageContext& ctx = storage::context();
  if (origin_ == ctx.work_path && !ctx.work_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories((ctx.files_dir / relative_).parent_path(), ec);
    if (ec) {
      throw StorageError("cannot create " + (ctx.files_dir / relative_).parent_path().string() +
                         ": " + ec.message());
    }
    return ctx.files_dir / relative_;
  }
  if (manifest_.empty()) {
    throw StorageError("lightning::Path '" + relative_ + "' from " +
                       (origin_.empty() ? std::string("a flow") : "work '" + origin_ + "'") +
                       " is not committed yet: it is committed when a call of its work succeeds "
                       "(call the reader after that call succeeded)");
  }
  Result<std::filesystem::path> p = storage::materialize(ctx, relative_, manifest_);
  if (!p.ok()) {
    storage::throw_storage_error(
        p.status().with_context("lightning::Path '" + relative_ + "' from work '" + origin_ + "'"));
  }
  return *p;
}

Json Path::to_json_value() const {
  return Json{{"$path", relative_}, {"origin", origin_}, {"manifest", manifest_}};
}

Path Path::from_json_value(const Json& j) {
  if (!j.is_object() || !j.contains("$path") || !j["$path"].is_string()) {
    throw std::invalid_argument("not a lightning::Path: expected {\"$path\": ...}");
  }
  storage::note_path_used();
  Path p;
  p.relative_ = j["$path"].get<std::string>();
  if (!p.relative_.empty()) check_relative(p.relative_);
  if (j.contains("origin")) p.origin_ = j["origin"].get<std::string>();
  if (j.contains("manifest")) p.manifest_ = j["manifest"].get<std::string>();
  if (!p.manifest_.empty() && !storage::is_sha256_hex(p.manifest_)) {
    throw std::invalid_argument("lightning::Path '" + p.relative_ +
                                "': manifest is not 64 lowercase hex digits");
  }
  return p;
}

std::filesystem::path files_dir() {
  storage::StorageContext& ctx = storage::context();
  std::error_code ec;
  std::filesystem::create_directories(ctx.files_dir, ec);
  return ctx.files_dir;
}

}  // namespace lightning

namespace lightning::storage {

bool commit_paths_of_field(const std::string& field, Json& value) {
  if (!paths_used() || !has_context()) return false;
  Result<bool> r = commit_paths_in(context(), value);
  if (!r.ok()) {
    storage::throw_storage_error(
        r.status().with_context("committing the Paths of state field '" + field + "'"));
  }
  return *r;
}

}  // namespace lightning::storage
