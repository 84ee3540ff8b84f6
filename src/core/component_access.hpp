// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "lightning/flow.hpp"
#include "lightning/work.hpp"

namespace lightning {

/// The core's own access to components' internals, for code in src/core that
/// is not a runtime (Component, Flow and Work befriend it). Runtimes use
/// detail::Runtime's protected helpers instead.
struct ComponentAccess {
  static void set_status(Work& work, WorkStatus status) { work.status_ = std::move(status); }

  /// Whether `flow` has a child (work or flow) named `name`.
  static bool has_child(const Flow& flow, const std::string& name) { return flow.has_child(name); }

  /// Adds `work` to `flow` as add_work() does, marked as made from a journal
  /// (its options are replaced by the first add_work() of its name in run()).
  /// Throws std::invalid_argument for a bad or taken name.
  static Work& adopt_journaled_work(Flow& flow, std::string name, std::unique_ptr<Work> work,
                                    const std::string& type_name, WorkOptions options) {
    Work& w = flow.adopt_work(std::move(name), std::move(work), type_name, std::move(options));
    w.options_from_journal_ = true;
    return w;
  }

  /// Removes the last `n` works adopt_journaled_work() added to `flow`, before
  /// the app started (undoes a load that failed).
  static void drop_last_works(Flow& flow, size_t n) {
    for (; n > 0; --n) {
      flow.child_by_name_.erase(flow.works_.back()->name());
      flow.works_.pop_back();
      flow.children_.pop_back();
    }
  }
};

}  // namespace lightning
