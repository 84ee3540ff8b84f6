// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "core/snapshot.hpp"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "core/component_access.hpp"
#include "core/json_io.hpp"

namespace lightning::detail {
namespace {

/// What a valid snapshot assigns; built completely before anything is.
struct LoadPlan {
  std::vector<std::pair<StateFieldBase*, const Json*>> fields;
  std::vector<std::pair<Work*, WorkStatus>> statuses;
};

class SnapshotChecker {
 public:
  explicit SnapshotChecker(const Flow& root) : root_(root) {}

  Status check_flow(Flow& flow, const Json& json, const Json::json_pointer& at, LoadPlan* plan) {
    if (Status s = check_keys(json, at, {"vars", "works", "flows"}); !s.ok()) return s;
    if (Status s = check_vars(flow, json.at("vars"), at / "vars", plan); !s.ok()) return s;

    const Json& works = json.at("works");
    if (Status s = check_children(works, at / "works", flow.works(), "work", flow); !s.ok())
      return s;
    for (Work* w : flow.works()) {
      if (Status s = check_work(*w, works.at(w->name()), at / "works" / w->name(), plan); !s.ok())
        return s;
    }
    const Json& flows = json.at("flows");
    if (Status s = check_children(flows, at / "flows", flow.flows(), "flow", flow); !s.ok())
      return s;
    for (Flow* f : flow.flows()) {
      if (Status s = check_flow(*f, flows.at(f->name()), at / "flows" / f->name(), plan); !s.ok())
        return s;
    }
    return Status::Ok();
  }

 private:
  Status error(const Json::json_pointer& at, const std::string& what) const {
    const std::string where = at.empty() ? std::string("/") : at.to_string();
    return InvalidArgument("snapshot of '" + root_.path() + "' at " + where + ": " + what);
  }

  // `json` must be an object with exactly `keys`.
  Status check_keys(const Json& json, const Json::json_pointer& at,
                    std::initializer_list<const char*> keys) const {
    if (!json.is_object())
      return error(at, "must be an object, not " + std::string(json.type_name()));
    for (const char* k : keys) {
      if (!json.contains(k)) return error(at, std::string("is missing \"") + k + "\"");
    }
    if (json.size() != keys.size()) {
      for (const auto& [k, v] : json.items()) {
        bool known = false;
        for (const char* want : keys) known = known || k == want;
        if (!known) return error(at, "has an unknown key \"" + k + "\"");
      }
    }
    return Status::Ok();
  }

  Status check_vars(Component& c, const Json& vars, const Json::json_pointer& at, LoadPlan* plan) {
    if (!vars.is_object())
      return error(at, "must be an object, not " + std::string(vars.type_name()));
    for (const auto& [name, value] : vars.items()) {
      if (c.find_field(name) == nullptr) {
        return error(at / name, "'" + c.path() + "' has no state field '" + name + "'");
      }
    }
    for (StateFieldBase* f : c.fields()) {
      auto it = vars.find(f->name());
      if (it == vars.end()) return error(at, "is missing state field '" + f->name() + "'");
      try {
        f->check_json(*it);
      } catch (const std::exception& e) {
        return error(at / f->name(), "field '" + f->path() + "' cannot take " +
                                         dump_json(*it).substr(0, 200) + ": " + e.what());
      }
      plan->fields.emplace_back(f, &*it);
    }
    return Status::Ok();
  }

  template <class Child>
  Status check_children(const Json& json, const Json::json_pointer& at,
                        const std::vector<Child*>& declared, const char* kind, const Flow& parent) {
    if (!json.is_object())
      return error(at, "must be an object, not " + std::string(json.type_name()));
    for (const auto& [name, value] : json.items()) {
      bool known = false;
      for (const Child* c : declared) known = known || c->name() == name;
      if (!known) {
        return error(at / name, "'" + parent.path() + "' has no " + kind + " '" + name +
                                    "' (works a flow creates inside run() must exist before "
                                    "loading)");
      }
    }
    for (const Child* c : declared) {
      if (!json.contains(c->name()))
        return error(at, std::string("is missing ") + kind + " '" + c->name() + "'");
    }
    return Status::Ok();
  }

  Status check_work(Work& w, const Json& json, const Json::json_pointer& at, LoadPlan* plan) {
    // "url" (what the work's process published) may be there or not, and is
    // not loaded: the process that served it is gone.
    const bool has_url = json.is_object() && json.contains("url");
    if (has_url && !json.at("url").is_null() && !json.at("url").is_string()) {
      return error(at / "url",
                   "must be a string or null, not " + std::string(json.at("url").type_name()));
    }
    Status keys = has_url ? check_keys(json, at, {"type", "vars", "status", "url"})
                          : check_keys(json, at, {"type", "vars", "status"});
    if (!keys.ok()) return keys;
    const Json& type = json.at("type");
    if (!type.is_string() || type.get_ref<const std::string&>() != w.type_name()) {
      return error(at / "type", "work '" + w.path() + "' has type '" + w.type_name() + "', not " +
                                    dump_json(type).substr(0, 200));
    }
    if (Status s = check_vars(w, json.at("vars"), at / "vars", plan); !s.ok()) return s;
    auto status = work_status_from_json(json.at("status"));
    if (!status.ok()) return error(at / "status", status.status().message());
    plan->statuses.emplace_back(&w, std::move(*status));
    return Status::Ok();
  }

  const Flow& root_;
};

bool stage_from_string(const std::string& s, WorkStage* out) {
  for (WorkStage st : {WorkStage::kNotStarted, WorkStage::kPending, WorkStage::kRunning,
                       WorkStage::kSucceeded, WorkStage::kFailed, WorkStage::kStopped}) {
    if (to_string(st) == s) {
      *out = st;
      return true;
    }
  }
  return false;
}

}  // namespace

Result<WorkStatus> work_status_from_json(const Json& json) {
  if (!json.is_object()) {
    return InvalidArgument("a work status must be an object, not " + std::string(json.type_name()));
  }
  for (const char* k : {"stage", "timestamp_us", "call_id", "attempt"}) {
    if (!json.contains(k)) return InvalidArgument(std::string("a work status needs \"") + k + "\"");
  }
  WorkStatus st;
  for (const auto& [key, value] : json.items()) {
    try {
      if (key == "stage") {
        if (!value.is_string() || !stage_from_string(value.get<std::string>(), &st.stage)) {
          return InvalidArgument("\"stage\" " + dump_json(value).substr(0, 100) +
                                 " is not one of not_started, pending, running, succeeded, "
                                 "failed, stopped");
        }
      } else if (key == "timestamp_us") {
        st.timestamp_us = value.get<int64_t>();
      } else if (key == "call_id") {
        st.call_id = value.get<uint64_t>();
      } else if (key == "attempt") {
        st.attempt = value.get<int>();
      } else if (key == "reason") {
        st.reason = value.get<std::string>();
      } else if (key == "message") {
        st.message = value.get<std::string>();
      } else if (key == "exit_code") {
        st.exit_code = value.get<int>();
      } else if (key == "signal") {
        st.signal = value.get<int>();
      } else {
        return InvalidArgument("a work status has no key \"" + key + "\"");
      }
    } catch (const std::exception& e) {
      return InvalidArgument("\"" + key + "\" of a work status cannot be " +
                             dump_json(value).substr(0, 100) + ": " + e.what());
    }
  }
  return st;
}

Status load_snapshot(Flow& flow, const Json& snapshot) {
  LoadPlan plan;
  if (Status s = SnapshotChecker(flow).check_flow(flow, snapshot, Json::json_pointer(), &plan);
      !s.ok())
    return s;
  // Every value was checked by the conversion assign_json repeats, so nothing
  // below can fail halfway.
  for (auto& [field, value] : plan.fields) field->assign_json(*value);
  for (auto& [work, status] : plan.statuses) ComponentAccess::set_status(*work, std::move(status));
  return Status::Ok();
}

}  // namespace lightning::detail
