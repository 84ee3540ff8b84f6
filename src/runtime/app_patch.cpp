// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/app_patch.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "core/patch.hpp"
#include "lightning/work.hpp"

namespace lightning::runtime {

namespace {

template <class Child>
Child* child_named(const std::vector<Child*>& children, const std::string& name) {
  for (Child* c : children) {
    if (c->name() == name) return c;
  }
  return nullptr;
}

/// The component `pointer` points into, and the pointer inside its fields
/// ("/x/0"); or why it does not point at a field.
Result<std::pair<Component*, std::string>> resolve(Flow& root, const Json& pointer) {
  if (!pointer.is_string()) return InvalidArgument("path must be a string");
  const std::string& text = pointer.get_ref<const std::string&>();
  std::vector<std::string> tokens;
  try {
    Json::json_pointer p(text);
    while (!p.empty()) {
      tokens.insert(tokens.begin(), p.back());
      p.pop_back();
    }
  } catch (const Json::exception& e) {
    return InvalidArgument("path '" + text + "' is not a JSON pointer: " + e.what());
  }
  Component* at = &root;
  size_t i = 0;
  while (i + 1 < tokens.size() && tokens[i] != "vars") {
    auto* flow = dynamic_cast<Flow*>(at);
    Component* next = nullptr;
    if (flow != nullptr && tokens[i] == "flows") next = child_named(flow->flows(), tokens[i + 1]);
    if (flow != nullptr && tokens[i] == "works") next = child_named(flow->works(), tokens[i + 1]);
    if (next == nullptr) {
      return NotFound("path '" + text + "': no flow or work at '/" + tokens[i] + "/" +
                      tokens[i + 1] + "' under '" + at->path() + "'");
    }
    at = next;
    i += 2;
  }
  if (i + 1 >= tokens.size() || tokens[i] != "vars") {
    return InvalidArgument("path '" + text +
                           "' does not name a state field (only '.../vars/<field>' can change)");
  }
  Json::json_pointer inner;
  for (size_t k = i + 1; k < tokens.size(); ++k) inner /= tokens[k];
  return std::make_pair(at, inner.to_string());
}

}  // namespace

Result<std::vector<FieldChange>> apply_app_patch(Flow& root, const Json& patch) {
  if (!patch.is_array()) return InvalidArgument("a patch must be a JSON array of operations");
  // Split the operations by component, keeping their order within each.
  std::vector<std::pair<Component*, Json>> parts;
  for (const Json& op : patch) {
    if (!op.is_object() || !op.contains("path")) {
      return InvalidArgument("each operation must be an object with \"op\" and \"path\"");
    }
    auto where = resolve(root, op.at("path"));
    if (!where.ok()) return where.status();
    Json local = op;
    local["path"] = where->second;
    if (op.contains("from")) {
      auto from = resolve(root, op.at("from"));
      if (!from.ok()) return from.status();
      if (from->first != where->first) {
        return InvalidArgument("\"from\" and \"path\" must name fields of the same component");
      }
      local["from"] = from->second;
    }
    auto part = std::find_if(parts.begin(), parts.end(),
                             [&](const auto& p) { return p.first == where->first; });
    if (part == parts.end()) {
      parts.emplace_back(where->first, Json::array());
      part = parts.end() - 1;
    }
    part->second.push_back(std::move(local));
  }
  // Apply component by component; undo the earlier ones if a later one fails.
  std::vector<std::pair<Component*, Json>> undo;  // the fields as they were
  std::vector<FieldChange> changes;
  for (auto& [component, ops] : parts) {
    Json before = component->fields_json();
    detail::PatchResult r = detail::apply_patch(*component, ops);
    if (!r.ok) {
      for (auto& [c, fields] : undo) {
        Json restore = Json::array();
        for (auto& [name, value] : fields.items()) {
          restore.push_back(detail::replace_op(name, value));
        }
        (void)detail::apply_patch(*c, restore);
      }
      return InvalidArgument(r.error);
    }
    undo.emplace_back(component, std::move(before));
    for (StateFieldBase* f : r.changed) changes.push_back({component, f});
  }
  return changes;
}

}  // namespace lightning::runtime
