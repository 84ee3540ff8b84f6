// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/state_write.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "core/json_io.hpp"
#include "lightning/work.hpp"
#include "runtime/app_patch.hpp"

namespace lightning::http {

namespace {

WriteOutcome refuse(unsigned status, const std::string& message) {
  return {status, Json{{"error", {{"code", status}, {"message", message}}}}};
}

/// "integer", "number", "string", "boolean", "array", "object", "null".
std::string json_type_of(const Json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

template <class Child>
Child* child_named(const std::vector<Child*>& children, const std::string& name) {
  for (Child* c : children) {
    if (c->name() == name) return c;
  }
  return nullptr;
}

/// A patch op's path resolved to a field: the field, and whether the op
/// addresses the whole field (not a part of it).
struct Target {
  StateFieldBase* field = nullptr;
  std::string field_pointer;
  bool whole_field = false;
};

/// Resolves `path` ("/flows/f/works/w/vars/x/0") to a field of the tree, or
/// the refusal to answer.
std::optional<WriteOutcome> resolve(Flow& root, const std::string& path, Target* target) {
  std::vector<std::string> tokens;
  try {
    Json::json_pointer p(path);
    while (!p.empty()) {
      tokens.insert(tokens.begin(), p.back());
      p.pop_back();
    }
  } catch (const Json::exception& e) {
    return refuse(400, "path '" + path + "' is not a JSON pointer: " + e.what());
  }
  Component* at = &root;
  size_t i = 0;
  while (i < tokens.size() && tokens[i] != "vars") {
    auto* flow = dynamic_cast<Flow*>(at);
    const std::string& key = tokens[i];
    if (flow != nullptr && (key == "flows" || key == "works") && i + 1 < tokens.size()) {
      Component* next = key == "flows"
                            ? static_cast<Component*>(child_named(flow->flows(), tokens[i + 1]))
                            : static_cast<Component*>(child_named(flow->works(), tokens[i + 1]));
      if (next == nullptr) {
        return refuse(404, "path '" + path + "': '" + at->path() + "' has no " +
                               (key == "flows" ? "flow" : "work") + " named '" + tokens[i + 1] +
                               "'");
      }
      at = next;
      i += 2;
      continue;
    }
    if (flow == nullptr && (key == "status" || key == "type")) {
      return refuse(403, "path '" + path + "': a work's " + key +
                             " is read-only (stop a work with POST /api/v1/works/" + at->path() +
                             "/stop)");
    }
    return refuse(404, "path '" + path +
                           "' names nothing in the state (fields are at "
                           "'/vars/<field>', '/works/<work>/vars/<field>', "
                           "'/flows/<flow>/vars/<field>')");
  }
  if (i + 1 >= tokens.size()) {
    return refuse(403, "path '" + path +
                           "' does not name a field; only fields change (at '.../vars/<field>')");
  }
  StateFieldBase* field = at->find_field(tokens[i + 1]);
  if (field == nullptr) {
    std::string names;
    for (const StateFieldBase* f : at->fields()) names += (names.empty() ? "" : ", ") + f->name();
    return refuse(404, "path '" + path + "': '" + at->path() + "' has no field '" + tokens[i + 1] +
                           "'" + (names.empty() ? "" : " (its fields: " + names + ")"));
  }
  target->field = field;
  target->field_pointer = runtime::StatePublisher::field_pointer(*at, field->name()).to_string();
  target->whole_field = i + 2 == tokens.size();
  return std::nullopt;
}

}  // namespace

StateWriter::StateWriter(Flow& root, runtime::StatePublisher& publisher, detail::Runtime& runtime)
    : root_(root), publisher_(publisher), runtime_(runtime) {}

StateWriter::~StateWriter() {
  if (observing_) publisher_.remove_observer(this);
}

void StateWriter::start() {
  if (observing_) return;
  floor_ = publisher_.version();
  publisher_.add_observer(this);
  observing_ = true;
}

void StateWriter::on_state_batch(const runtime::StateBatch& batch) {
  for (const Json& op : batch.patch) {
    const auto path = op.find("path");
    if (path != op.end() && path->is_string()) {
      changed_at_[path->get<std::string>()] = batch.last_version;
    }
  }
}

uint64_t StateWriter::changed_at(const std::string& pointer) const {
  // A field changed when its own pointer did, or an enclosing one (its work
  // joined the tree).
  uint64_t at = floor_;
  std::string prefix = pointer;
  for (;;) {
    const auto it = changed_at_.find(prefix);
    if (it != changed_at_.end() && it->second > at) at = it->second;
    const size_t slash = prefix.rfind('/');
    if (slash == std::string::npos || slash == 0) break;
    prefix.resize(slash);
  }
  return at;
}

WriteOutcome StateWriter::write(std::string_view body_text) {
  std::string why;
  const Json body = detail::parse_untrusted(std::string(body_text), &why);
  if (body.is_discarded()) return refuse(400, "the body is not JSON: " + why);
  if (!body.is_object() || !body.contains("version") || !body.contains("patch")) {
    return refuse(
        400,
        R"(the body must be {"version": <the state version you saw>, "patch": [<RFC 6902 operations>]})");
  }
  const Json& version_json = body.at("version");
  if (!version_json.is_number_unsigned() &&
      !(version_json.is_number_integer() && version_json.get<int64_t>() >= 0)) {
    return refuse(400, "\"version\" must be a non-negative integer (the state version you saw)");
  }
  const auto seen = version_json.get<uint64_t>();
  const Json& patch = body.at("patch");
  if (!patch.is_array()) return refuse(400, "\"patch\" must be an array of RFC 6902 operations");

  std::vector<Target> touched;
  for (const Json& op : patch) {
    if (!op.is_object() || !op.contains("op") || !op.at("op").is_string() || !op.contains("path") ||
        !op.at("path").is_string()) {
      return refuse(400, "each operation must be an object with string \"op\" and \"path\"");
    }
    const std::string& name = op.at("op").get_ref<const std::string&>();
    const std::string& path = op.at("path").get_ref<const std::string&>();
    if (name == "remove" || name == "move" || name == "copy") {
      return refuse(403, "op '" + name + "' on '" + path +
                             "' is not allowed: state fields cannot be removed, moved or copied "
                             "over; use replace (or add, test)");
    }
    if (name != "add" && name != "replace" && name != "test") {
      return refuse(400,
                    "unknown op '" + name + "' (RFC 6902: add, remove, replace, move, copy, test)");
    }
    if (!op.contains("value"))
      return refuse(400, "op '" + name + "' on '" + path + "' needs a \"value\"");
    Target target;
    if (auto refused = resolve(root_, path, &target)) return std::move(*refused);
    if (name != "test" && !target.field->is_writable_from_outside()) {
      return refuse(403,
                    "'" + path + "' (" + target.field->path() +
                        ") is read-only from outside; the app can declare it writable: State<T> " +
                        target.field->name() + "{this, \"" + target.field->name() +
                        "\", initial, lightning::External::kWritable}");
    }
    if (name != "test" && target.whole_field) {
      try {
        target.field->check_json(op.at("value"));
      } catch (const std::exception& e) {
        return refuse(422, "'" + path + "' (" + target.field->path() + ") takes " +
                               json_type_of(target.field->to_json()) + " values; got " +
                               json_type_of(op.at("value")) + " " +
                               detail::dump_json(op.at("value")).substr(0, 100) + ": " + e.what());
      }
    }
    touched.push_back(std::move(target));
  }

  const uint64_t current = publisher_.version();
  auto conflict = [&](const std::string& message) {
    WriteOutcome out = refuse(409, message);
    out.body["version"] = current;
    return out;
  };
  if (seen > current) {
    return conflict("version " + std::to_string(seen) + " is newer than the state's (" +
                    std::to_string(current) + "); take a fresh GET /api/v1/state");
  }
  for (const Target& t : touched) {
    const uint64_t changed = changed_at(t.field_pointer);
    if (changed > seen) {
      return conflict(
          "'" + t.field_pointer + "' changed at version " + std::to_string(changed) +
          ", after version " + std::to_string(seen) +
          "; read it again (GET /api/v1/state) and send the patch with the new version");
    }
  }

  std::vector<std::pair<StateFieldBase*, Json>> before;
  for (const Target& t : touched) {
    bool seen_field = false;
    for (const auto& b : before) seen_field = seen_field || b.first == t.field;
    if (!seen_field) before.emplace_back(t.field, t.field->to_json());
  }
  auto applied = runtime::apply_app_patch(root_, patch);
  if (!applied.ok()) return refuse(422, applied.status().message());
  {
    auto batch = publisher_.batch();  // one write, one batch (one SSE patch event)
    for (const runtime::FieldChange& change : *applied) {
      Json now = change.field->to_json();
      bool same = false;
      for (const auto& b : before) same = same || (b.first == change.field && b.second == now);
      if (!same) runtime_.on_field_changed(*change.owner, *change.field, std::move(now));
    }
  }
  return {200, Json{{"version", publisher_.version()}}};
}

}  // namespace lightning::http
