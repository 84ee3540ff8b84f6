// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "core/snapshot.hpp"

#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/component_access.hpp"
#include "core/json_io.hpp"
#include "lightning/registry.hpp"

namespace lightning::detail {
namespace {

/// What a valid snapshot assigns; built completely before anything is.
struct LoadPlan {
  std::vector<std::pair<StateFieldBase*, const Json*>> fields;
  std::vector<std::pair<Work*, WorkStatus>> statuses;
};

std::string pointer_text(const Json::json_pointer& at) {
  return at.empty() ? std::string("/") : at.to_string();
}

/// Makes the works of a snapshot (and of the journal's list) that the tree
/// lacks, before the snapshot is checked; undo() takes them out again.
class WorkMaker {
 public:
  explicit WorkMaker(Flow& root) : root_(root) {}
  WorkMaker(const WorkMaker&) = delete;
  WorkMaker& operator=(const WorkMaker&) = delete;

  Status make(const Json& snapshot, const std::vector<JournaledWork>& journaled) {
    for (const JournaledWork& j : journaled) {
      const size_t dot = j.path.rfind('.');
      if (dot == std::string::npos) {
        return InvalidArgument("the journal lists a work '" + j.path +
                               "' that is not under a flow");
      }
      const std::string parent_path = j.path.substr(0, dot);
      const std::string name = j.path.substr(dot + 1);
      Json::json_pointer at;
      const Json* parent_json = nullptr;
      Flow* parent = find_flow(parent_path, snapshot, &at, &parent_json);
      if (parent == nullptr) {
        return InvalidArgument("the journal has the work '" + j.path + "' (of type " + j.type +
                               ") under '" + parent_path +
                               "', which is not a flow of this app (flows cannot be made "
                               "inside run(); was a flow renamed or removed?)");
      }
      // A member, or listed twice: the snapshot's check decides.
      if (ComponentAccess::has_child(*parent, name)) continue;
      at = at / "works" / name;
      const Json* own = nullptr;
      if (parent_json != nullptr && parent_json->contains("works") &&
          parent_json->at("works").is_object() && parent_json->at("works").contains(name)) {
        own = &parent_json->at("works").at(name);
      }
      if (own != nullptr) {
        const Json* type = own->is_object() && own->contains("type") ? &own->at("type") : nullptr;
        if (type == nullptr || !type->is_string() ||
            type->get_ref<const std::string&>() != j.type) {
          return error(at / "type", "the journal made the work '" + j.path + "' as type '" +
                                        j.type + "', not " +
                                        (type ? dump_json(*type).substr(0, 200) : "nothing"));
        }
      }
      Result<Work*> made = make_one(*parent, name, j.type, j.options, at);
      if (!made.ok()) return made.status();
      if (own == nullptr) without_state_.insert(*made);
    }
    return make_unlisted(root_, snapshot, Json::json_pointer());
  }

  /// Takes out what make() added, newest first.
  void undo() {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
      ComponentAccess::drop_last_works(**it, 1);
    made_.clear();
    without_state_.clear();
  }

  /// Works made from the journal's list that the snapshot does not have.
  const std::set<const Work*>& without_state() const { return without_state_; }

 private:
  Status error(const Json::json_pointer& at, const std::string& what) const {
    return InvalidArgument("snapshot of '" + root_.path() + "' at " + pointer_text(at) + ": " +
                           what);
  }

  /// The flow at dotted `path` in the tree, with its pointer and object in
  /// `snapshot` (nullptr when the snapshot lacks it); nullptr when the tree
  /// has no such flow.
  Flow* find_flow(const std::string& path, const Json& snapshot, Json::json_pointer* at,
                  const Json** json) {
    const std::string& root = root_.path();
    if (path != root && path.rfind(root + ".", 0) != 0) return nullptr;
    Flow* flow = &root_;
    const Json* j = snapshot.is_object() ? &snapshot : nullptr;
    size_t pos = root.size();
    while (pos < path.size()) {
      const size_t next = std::min(path.find('.', pos + 1), path.size());
      const std::string name = path.substr(pos + 1, next - pos - 1);
      Flow* child = nullptr;
      for (Flow* f : flow->flows()) {
        if (f->name() == name) child = f;
      }
      if (child == nullptr) return nullptr;
      flow = child;
      *at = *at / "flows" / name;
      j = j != nullptr && j->contains("flows") && j->at("flows").is_object() &&
                  j->at("flows").contains(name) && j->at("flows").at(name).is_object()
              ? &j->at("flows").at(name)
              : nullptr;
      pos = next;
    }
    *json = j;
    return flow;
  }

  /// The works of `json` (the snapshot of `flow`) that the tree lacks and the
  /// journal did not list, by name, with default options; then the same for
  /// each child flow.
  Status make_unlisted(Flow& flow, const Json& json, const Json::json_pointer& at) {
    if (!json.is_object()) return Status::Ok();  // the check says what is wrong
    if (json.contains("works") && json.at("works").is_object()) {
      for (const auto& [name, work] : json.at("works").items()) {
        if (ComponentAccess::has_child(flow, name)) continue;
        const Json::json_pointer here = at / "works" / name;
        const Json* type = work.is_object() && work.contains("type") ? &work.at("type") : nullptr;
        if (type == nullptr || !type->is_string()) {
          return error(here, "a work '" + flow.path() + "." + name +
                                 "' that this app does not have, without a string \"type\" to "
                                 "make it by");
        }
        Result<Work*> made =
            make_one(flow, name, type->get_ref<const std::string&>(), WorkOptions(), here);
        if (!made.ok()) return made.status();
      }
    }
    if (json.contains("flows") && json.at("flows").is_object()) {
      for (Flow* f : flow.flows()) {
        if (json.at("flows").contains(f->name())) {
          Status s = make_unlisted(*f, json.at("flows").at(f->name()), at / "flows" / f->name());
          if (!s.ok()) return s;
        }
      }
    }
    return Status::Ok();
  }

  Result<Work*> make_one(Flow& parent, const std::string& name, const std::string& type,
                         const WorkOptions& options, const Json::json_pointer& at) {
    const std::string path = parent.path() + "." + name;
    std::unique_ptr<Work> work = create_work(type);
    if (work == nullptr) {
      return error(at, "the work '" + path + "' has type '" + type +
                           "', which this app does not register (was the work type renamed or "
                           "removed since the run was journaled?)");
    }
    try {
      Work& w = ComponentAccess::adopt_journaled_work(parent, name, std::move(work), type, options);
      made_.push_back(&parent);
      return &w;
    } catch (const std::exception& e) {
      return error(at, "cannot make the work '" + path + "' again: " + e.what());
    }
  }

  Flow& root_;
  std::vector<Flow*> made_;  // the parent of each work made, in order
  std::set<const Work*> without_state_;
};

class SnapshotChecker {
 public:
  SnapshotChecker(const Flow& root, const std::set<const Work*>& without_state)
      : root_(root), without_state_(without_state) {}

  Status check_flow(Flow& flow, const Json& json, const Json::json_pointer& at, LoadPlan* plan) {
    if (Status s = check_keys(json, at, {"vars", "works", "flows"}); !s.ok()) return s;
    if (Status s = check_vars(flow, json.at("vars"), at / "vars", plan); !s.ok()) return s;

    const Json& works = json.at("works");
    if (Status s = check_children(works, at / "works", flow.works(), "work", flow); !s.ok())
      return s;
    for (Work* w : flow.works()) {
      if (without_state_.count(w) != 0) continue;  // made from the journal's list: defaults
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
    return InvalidArgument("snapshot of '" + root_.path() + "' at " + pointer_text(at) + ": " +
                           what);
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
                                    "' (flows cannot be made inside run(); was it renamed or "
                                    "removed since the run was journaled?)");
      }
    }
    for (const Child* c : declared) {
      if constexpr (std::is_same_v<Child, Work>) {
        if (without_state_.count(c) != 0) continue;
      }
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
  const std::set<const Work*>& without_state_;
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

Status load_snapshot(Flow& flow, const Json& snapshot,
                     const std::vector<JournaledWork>& journaled) {
  WorkMaker maker(flow);
  if (Status s = maker.make(snapshot, journaled); !s.ok()) {
    maker.undo();
    return s;
  }
  LoadPlan plan;
  if (Status s = SnapshotChecker(flow, maker.without_state())
                     .check_flow(flow, snapshot, Json::json_pointer(), &plan);
      !s.ok()) {
    maker.undo();
    return s;
  }
  // Every value was checked by the conversion assign_json repeats, so nothing
  // below can fail halfway.
  for (auto& [field, value] : plan.fields) field->assign_json(*value);
  for (auto& [work, status] : plan.statuses) ComponentAccess::set_status(*work, std::move(status));
  return Status::Ok();
}

}  // namespace lightning::detail
