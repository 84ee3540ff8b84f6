// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/runtime.hpp"
#include "lightning/component.hpp"

namespace lightning::testing {

/// A detail::Runtime that only records what State fields report, so that the
/// object model can be tested without a controller. Single-threaded.
///
///   FakeRuntime rt;
///   rt.attach(my_flow);
///   my_flow.count = 3;
///   EXPECT_EQ(rt.changes().size(), 1u);
class FakeRuntime final : public detail::Runtime {
 public:
  struct Change {
    std::string owner_path;
    std::string field;
    Json value;
  };

  /// Attaches `root` and its subtree to this runtime.
  void attach(Component& root) { attach_tree(root, this); }

  void on_field_changed(Component& owner, const StateFieldBase& field, Json value) override {
    changes_.push_back(Change{owner.path(), field.name(), std::move(value)});
  }

  const std::vector<Change>& changes() const { return changes_; }
  void clear() { changes_.clear(); }

 private:
  std::vector<Change> changes_;
};

}  // namespace lightning::testing
