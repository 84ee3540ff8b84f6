// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "core/patch_builder.hpp"

#include <utility>

namespace lightning::detail {

void PatchBuilder::set_field(const std::string& field, Json value) {
  // Field names are validated ([A-Za-z_][A-Za-z0-9_]*), so the pointer is
  // "/" + name; anything that would need escaping goes through nlohmann's.
  if (field.find_first_of("~/") == std::string::npos) {
    set_path("/" + field, std::move(value), Op::kReplace);
  } else {
    set(Json::json_pointer() / field, std::move(value), Op::kReplace);
  }
}

void PatchBuilder::set(const Json::json_pointer& pointer, Json value, Op op) {
  set_path(pointer.to_string(), std::move(value), op);
}

void PatchBuilder::set_path(std::string path, Json value, Op op) {
  auto it = index_.find(path);
  if (it != index_.end()) {
    ops_[it->second]["value"] = std::move(value);
    return;
  }
  index_.emplace(path, ops_.size());
  ops_.push_back(Json{{"op", op == Op::kAdd ? "add" : "replace"},
                      {"path", std::move(path)},
                      {"value", std::move(value)}});
}

Json PatchBuilder::take() {
  Json out = std::move(ops_);
  clear();
  return out;
}

void PatchBuilder::clear() {
  ops_ = Json::array();
  index_.clear();
}

}  // namespace lightning::detail
