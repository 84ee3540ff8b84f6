// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lightning/component.hpp"
#include "lightning/layout.hpp"
#include "lightning/registry.hpp"
#include "lightning/route.hpp"
#include "lightning/work.hpp"

namespace lightning {

/// Orchestrates: holds state and child flows and works. The controller calls
/// the root flow's run() whenever state changed (a work's delta, a status
/// change, an external change, a timer asked for with schedule_in()); changes
/// that arrive together cause one call. A parent calls its child flows' run().
/// Runs on the controller's loop thread only.
///
///   struct Root : lightning::Flow {
///     Counter& counter = add_work<Counter>("counter");
///     void run() override {
///       if (counter.call({{"n", 10}}).has_succeeded()) stop();
///     }
///   };
class Flow : public Component {
 public:
  Flow();
  ~Flow() override;

  virtual void run() = 0;

  /// The whole subtree as JSON: {"vars": {...}, "works": {name: {"type",
  /// "vars", "status"}}, "flows": {name: {...}}}. The runtime loads it back,
  /// all or nothing, with detail::load_snapshot (src/core/snapshot.hpp).
  Json snapshot() const override;
  const std::vector<Work*>& works() const { return works_; }
  const std::vector<Flow*>& flows() const { return flows_; }

  /// The dashboard tabs of this flow (Lightning's configure_layout): the
  /// root flow's are the dashboard's tabs (GET /api/v1/layout); any flow's
  /// static folders are served at /app/static/<its path>/<tab name>/. Called
  /// on the loop thread, once at start (a bad layout fails the app there) and
  /// then whenever the dashboard asks, so it may depend on state (works made
  /// on the fly). Default: no tabs (the dashboard shows the tree alone).
  ///
  ///   lightning::Layout configure_layout() const override {
  ///     return {lightning::Tab::component("Train", train),
  ///             lightning::Tab::url("Model", serve),
  ///             lightning::Tab::static_folder("Report", lightning::run_dir() + "/report")};
  ///   }
  virtual Layout configure_layout() const;
  /// HTTP routes this flow serves under /app/api (Lightning's configure_api):
  /// asked once, when the app's HTTP API starts, of every flow in the tree.
  /// Two flows declaring the same method and path stop the app at start.
  /// See lightning::Route (route.hpp) and docs/api.md, "User routes".
  ///
  ///   std::vector<lightning::Route> configure_api() override {
  ///     return {lightning::Route::post("/predict", &Root::predict)};
  ///   }
  virtual std::vector<Route> configure_api() { return {}; }

 protected:
  /// Declares a child work named `name` (a member initializer, or inside run()
  /// for works created on the fly: there, a second call with the same name
  /// returns the existing work, and `options` are not looked at again).
  ///
  /// In a resumed run (`--resume`), works that run() created before the crash
  /// are made again, from the journal, before the first run(): the first
  /// add_work() of such a name returns that work and gives it `options` (the
  /// code's options win over the journaled ones). Throws
  /// std::invalid_argument when the name belongs to a child of another type
  /// (also one the journal says was of another type).
  template <class W>
  W& add_work(const std::string& name, const WorkOptions& options = WorkOptions()) {
    static_assert(std::is_base_of_v<Work, W>, "add_work<W>: W must derive from lightning::Work");
    static_assert(std::is_default_constructible_v<W>,
                  "add_work<W>: W must be default-constructible; pass configuration via call() "
                  "args or State fields");
    (void)detail::WorkType<W>::registered;
    if (Work* existing = existing_work_for(name, detail::WorkType<W>::name(), options)) {
      return static_cast<W&>(*existing);
    }
    return static_cast<W&>(
        adopt_work(name, std::make_unique<W>(), detail::WorkType<W>::name(), options));
  }

  /// Replaces the environment (WorkOptions::env) that `work`, a child of this
  /// flow, gets at its next process launch. A process already running keeps
  /// the environment it started with: stop() the work and call it again to
  /// launch one with the new environment. For launchers that give each launch
  /// an environment of its own, e.g. MultiNode's MASTER_PORT and restart
  /// count (docs/components/multinode.md). Throws std::invalid_argument for a
  /// bad name or value (as WorkOptions::env does) or for a work that is not a
  /// child of this flow.
  void set_work_env(Work& work, WorkOptions::EnvMap env);

  /// Declares a child flow; the parent calls its run().
  template <class F>
  F& add_flow(const std::string& name) {
    static_assert(std::is_base_of_v<Flow, F>, "add_flow<F>: F must derive from lightning::Flow");
    return static_cast<F&>(adopt_flow(name, std::make_unique<F>()));
  }

  /// Ends the app successfully once every work is stopped. Called inside
  /// run() (the usual place), it also ends that run() at once, as a blocking
  /// call does: the code after it does not run, so a State field set after
  /// stop() keeps its old value, also in state.json. (It throws an internal
  /// type that is not a std::exception; a `catch (...)` around it would
  /// swallow that and let run() go on.)
  ///
  ///   if (train.call().has_succeeded()) stop("trained");   // nothing after this runs
  void stop(std::string message = "");
  /// Ends the app with a failure (exit code 1) and this message; inside run(),
  /// ends that run() there, as stop() does.
  void fail(std::string message);
  /// Asks for run() to be called again after `delay` even if nothing changes.
  void schedule_in(std::chrono::milliseconds delay);

 private:
  friend class detail::Runtime;
  friend struct ComponentAccess;

  Work* existing_work_for(const std::string& name, const std::string& type_name,
                          const WorkOptions& options);
  Work& adopt_work(std::string name, std::unique_ptr<Work> work, const std::string& type_name,
                   WorkOptions options);
  Flow& adopt_flow(std::string name, std::unique_ptr<Flow> flow);
  bool has_child(const std::string& name) const override;
  void refresh_paths() override;
  void attach(detail::Runtime* runtime) override;

  std::vector<std::unique_ptr<Component>> children_;
  std::unordered_map<std::string, Component*> child_by_name_;  // sweeps look names up every run
  std::vector<Work*> works_;
  std::vector<Flow*> flows_;
};

}  // namespace lightning
