// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "lightning/flow.hpp"
#include "lightning/work.hpp"

namespace lightning {

/// Thrown by Work::call() on a non-parallel work whose call is not done: it
/// ends the calling flow's run() (Lightning's parallel=False). Deliberately not
/// a std::exception, so `catch (const std::exception&)` in user code lets it pass.
struct FlowBlocked {
  std::string work_path;
};

/// Thrown by Flow::stop() and Flow::fail() called inside run(): ends the
/// current run() there, as FlowBlocked does (code after them does not run).
/// Not a std::exception either; the controller catches it.
struct FlowEnded {};

namespace detail {

/// What components talk to: the controller on the flow side, the work process
/// on the work side. Also the one place with access to components' internals.
class Runtime {
 public:
  virtual ~Runtime() = default;

  /// A State field assigned a new value (not called for values a peer sent).
  virtual void on_field_changed(Component& owner, const StateFieldBase& field, Json value) = 0;
  virtual WorkStatus call_work(Work& work, Json args);
  virtual void stop_work(Work& work);
  virtual void stop_app(std::string message, bool failed);
  virtual void schedule_in(std::chrono::milliseconds delay);
  /// A work joined the tree after the app started (created inside run()).
  virtual void on_work_added(Work& work);
  /// A work's WorkOptions were replaced after it joined the tree (the first
  /// add_work() in run() of a work a resume made from the journal).
  virtual void on_work_options_changed(Work& work);
  virtual bool in_flow_run() const { return false; }
  /// Work::publish_url() was called with a valid `url`: store it (set_url) and
  /// tell whoever must know.
  virtual void publish_url(Work& work, const std::string& url);

 protected:
  static void attach_tree(Component& root, Runtime* runtime) { root.attach(runtime); }
  static void set_status(Work& work, WorkStatus status) { work.status_ = std::move(status); }
  static WorkRecord*& record_of(Work& work) { return work.record_; }
  static void set_url(Work& work, std::string url) { work.url_ = std::move(url); }
  static void set_identity(Work& work, const std::string& path, const std::string& type);
};

/// What is wrong with `url` as a URL a work publishes (Work::publish_url()),
/// or an empty string when nothing is.
std::string published_url_problem(std::string_view url);

}  // namespace detail
}  // namespace lightning
