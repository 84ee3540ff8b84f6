// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/flow.hpp"

#include <stdexcept>

#include "core/runtime.hpp"

namespace lightning {

Flow::Flow() = default;
Flow::~Flow() = default;

Json Flow::snapshot() const {
  Json works = Json::object();
  for (auto* w : works_) works[w->name()] = w->snapshot();
  Json flows = Json::object();
  for (auto* f : flows_) flows[f->name()] = f->snapshot();
  return Json{{"vars", fields_json()}, {"works", std::move(works)}, {"flows", std::move(flows)}};
}

bool Flow::has_child(const std::string& name) const { return child_by_name_.count(name) != 0; }

Work* Flow::existing_work_for(const std::string& name, const std::string& type_name,
                              const WorkOptions& options) {
  if (runtime_ == nullptr || !runtime_->in_flow_run()) return nullptr;
  auto it = child_by_name_.find(name);
  if (it == child_by_name_.end()) return nullptr;
  auto* w = dynamic_cast<Work*>(it->second);
  if (w == nullptr || w->type_name() != type_name) {
    const std::string other =
        w == nullptr ? std::string("a flow")
                     : "a work of type " + w->type_name() +
                           (w->options_from_journal_ ? ", made again from the journal of the "
                                                       "resumed run"
                                                     : "");
    throw std::invalid_argument(
        "add_work<" + type_name + ">(\"" + name + "\") in '" + path() + "': another child (" +
        other + ") already has this name; pick another name" +
        (w != nullptr && w->options_from_journal_ ? " (or start a new run rather than --resume)"
                                                  : ""));
  }
  if (w->options_from_journal_) {
    // The code is the source of truth; the journaled options only bridged
    // the time from the resume to this call.
    w->options_from_journal_ = false;
    w->options_ = options;
    runtime_->on_work_options_changed(*w);
  }
  return w;
}

Work& Flow::adopt_work(std::string name, std::unique_ptr<Work> work, const std::string& type_name,
                       WorkOptions options) {
  check_child_name(name, "Work");
  // WorkOptions' setters have checked every value (src/core/work.cpp).
  children_.push_back(std::move(work));
  auto& ref = static_cast<Work&>(*children_.back());
  ref.options_ = std::move(options);
  ref.type_name_ = type_name;
  ref.set_parent(this, std::move(name));
  works_.push_back(&ref);
  child_by_name_[ref.name()] = &ref;
  if (runtime_ != nullptr) {
    ref.attach(runtime_);
    runtime_->on_work_added(ref);
  }
  return ref;
}

Flow& Flow::adopt_flow(std::string name, std::unique_ptr<Flow> flow) {
  check_child_name(name, "Flow");
  if (runtime_ != nullptr) {
    throw std::logic_error("add_flow(\"" + name + "\") in '" + path() +
                           "': child flows must be declared before the app starts (as members)");
  }
  children_.push_back(std::move(flow));
  auto& ref = static_cast<Flow&>(*children_.back());
  ref.set_parent(this, std::move(name));
  flows_.push_back(&ref);
  child_by_name_[ref.name()] = &ref;
  return ref;
}

void Flow::set_work_env(Work& work, WorkOptions::EnvMap env) {
  if (work.parent() != this) {
    throw std::invalid_argument("set_work_env on '" + work.path() + "' from '" + path() +
                                "': a flow can only set the environment of its own works");
  }
  work.options_.env(std::move(env));  // checks names and values
}

void Flow::refresh_paths() {
  Component::refresh_paths();
  for (auto& c : children_) c->refresh_paths();
}

void Flow::attach(detail::Runtime* runtime) {
  Component::attach(runtime);
  for (auto& c : children_) c->attach(runtime);
}

void Flow::stop(std::string message) {
  if (runtime_ == nullptr) return;
  runtime_->stop_app(std::move(message), false);
  if (runtime_->in_flow_run()) throw FlowEnded{};
}

void Flow::fail(std::string message) {
  if (runtime_ == nullptr) return;
  runtime_->stop_app(std::move(message), true);
  if (runtime_->in_flow_run()) throw FlowEnded{};
}

void Flow::schedule_in(std::chrono::milliseconds delay) {
  if (runtime_ != nullptr) runtime_->schedule_in(delay);
}

namespace detail {

// NOLINTNEXTLINE(performance-unnecessary-value-param)
WorkStatus Runtime::call_work(Work& work, Json /*args*/) {
  throw std::logic_error("Work::call on '" + work.path() +
                         "': works can only be called from a flow's run()");
}
void Runtime::stop_work(Work& work) {
  throw std::logic_error("Work::stop on '" + work.path() + "': only a flow can stop a work");
}
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void Runtime::stop_app(std::string /*message*/, bool /*failed*/) {}
void Runtime::schedule_in(std::chrono::milliseconds) {}
void Runtime::on_work_added(Work&) {}
void Runtime::on_work_options_changed(Work&) {}
void Runtime::publish_url(Work& work, const std::string& url) { set_url(work, url); }
void Runtime::set_identity(Work& work, const std::string& path, const std::string& type) {
  auto dot = path.rfind('.');
  work.name_ = dot == std::string::npos ? path : path.substr(dot + 1);
  work.path_ = path;
  work.type_name_ = type;
}

}  // namespace detail
}  // namespace lightning
