// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "core/patch.hpp"

#include <set>
#include <string>

#include "core/json_io.hpp"
#include "util/status.hpp"

namespace lightning::detail {
namespace {

// First segment of a JSON pointer ("/count/0" -> "count"), unescaped (RFC 6901,
// by nlohmann's json_pointer, which also rejects bad '~' escapes anywhere).
Result<std::string> top_segment(const Json& pointer) {
  if (!pointer.is_string()) return InvalidArgument("path must be a string");
  const auto& text = pointer.get_ref<const std::string&>();
  Json::json_pointer top;
  try {
    top = Json::json_pointer(text);
  } catch (const Json::parse_error& e) {
    // 107: not empty and no leading '/'; 108: '~' not followed by '0' or '1'.
    if (e.id == 108) return InvalidArgument("path '" + text + "' has a bad '~' escape");
    return InvalidArgument("path '" + text + "' must start with '/<field>'");
  }
  if (top.empty()) return InvalidArgument("path '" + text + "' must start with '/<field>'");
  while (!top.parent_pointer().empty()) top = top.parent_pointer();
  return top.back();
}

bool is_whole_field(const Json& op) {
  const auto& p = op["path"].get_ref<const std::string&>();
  return p.find('/', 1) == std::string::npos && p.find('~') == std::string::npos;
}

}  // namespace

Json replace_op(const std::string& field, Json value) {
  return Json{{"op", "replace"}, {"path", "/" + field}, {"value", std::move(value)}};
}

PatchResult apply_patch(Component& component, const Json& patch) {
  PatchResult r;
  auto where = [&] { return "patch for '" + component.path() + "': "; };
  if (!patch.is_array()) {
    r.error = where() + "must be a JSON array of operations";
    return r;
  }
  std::vector<std::pair<StateFieldBase*, std::string>> touched;
  bool simple = true;
  for (const auto& op : patch) {
    if (!op.is_object() || !op.contains("op") || !op["op"].is_string() || !op.contains("path")) {
      r.error = where() + "each operation must be an object with \"op\" and \"path\"";
      return r;
    }
    for (const char* key : {"path", "from"}) {
      if (!op.contains(key)) continue;
      Result<std::string> segment = top_segment(op[key]);
      if (!segment.ok()) {
        r.error = where() + segment.status().message();
        return r;
      }
      const std::string& seg = *segment;
      StateFieldBase* f = component.find_field(seg);
      if (f == nullptr) {
        r.error = where() + "unknown state field '" + seg + "'";
        return r;
      }
      bool seen = false;
      for (auto& t : touched) seen = seen || t.first == f;
      if (!seen) touched.emplace_back(f, seg);
    }
    const auto& name = op["op"].get_ref<const std::string&>();
    simple = simple && (name == "replace" || name == "add") && op.contains("value") &&
             !op.contains("from") && is_whole_field(op);
  }
  // Stage every new value and check its type before assigning any.
  Json doc = Json::object();
  if (simple) {
    for (const auto& op : patch) {
      doc[top_segment(op["path"]).value()] = op["value"];
    }
  } else {
    for (auto& [f, name] : touched) doc[name] = f->to_json();
    try {
      // One op at a time, checking first what nlohmann only asserts: the
      // parent of an add/copy/move target must be an object or an array
      // (release builds would otherwise drop such an op silently).
      for (const auto& op : patch) {
        const auto& name = op["op"].get_ref<const std::string&>();
        if (name == "add" || name == "copy" || name == "move") {
          const Json::json_pointer target(op["path"].get<std::string>());
          const Json::json_pointer parent = target.parent_pointer();
          if (!target.empty() && !parent.empty() &&
              (!doc.contains(parent) || !(doc[parent].is_object() || doc[parent].is_array()))) {
            r.error = where() + name + " to '" + target.to_string() +
                      "': its parent is missing or is neither an object nor an array";
            return r;
          }
        }
        doc.patch_inplace(Json::array({op}));
      }
    } catch (const std::exception& e) {
      r.error = where() + e.what();
      return r;
    }
  }
  for (auto& [f, name] : touched) {
    if (!doc.contains(name)) {
      r.error = where() + "removes field '" + name + "'; state fields cannot be removed";
      return r;
    }
    try {
      f->check_json(doc[name]);
    } catch (const std::exception& e) {
      r.error = where() + "field '" + f->path() + "' cannot take " +
                dump_json(doc[name]).substr(0, 200) + ": " + e.what();
      return r;
    }
  }
  for (auto& [f, name] : touched) {
    f->assign_json(doc[name]);
    r.changed.push_back(f);
  }
  r.ok = true;
  return r;
}

PatchResult apply_patch_text(Component& component, const std::string& text) {
  std::string why;
  Json patch = parse_untrusted(text, &why);
  if (patch.is_discarded()) {
    PatchResult r;
    r.error = "patch for '" + component.path() + "': " + why;
    return r;
  }
  return apply_patch(component, patch);
}

}  // namespace lightning::detail
