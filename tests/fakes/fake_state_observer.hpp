// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/controller.hpp"

namespace lightning::testing {

/// Records every state change the controller publishes, in order.
class FakeStateObserver final : public runtime::StateObserver {
 public:
  struct Change {
    uint64_t version;
    std::string pointer;
    Json value;
  };

  void on_state_change(uint64_t version, const std::string& pointer, const Json& value) override {
    changes_.push_back(Change{version, pointer, value});
  }

  const std::vector<Change>& changes() const { return changes_; }
  /// Changes published at `pointer`, in order.
  std::vector<Change> at(const std::string& pointer) const {
    std::vector<Change> out;
    for (const auto& c : changes_) {
      if (c.pointer == pointer) out.push_back(c);
    }
    return out;
  }

 private:
  std::vector<Change> changes_;
};

}  // namespace lightning::testing
