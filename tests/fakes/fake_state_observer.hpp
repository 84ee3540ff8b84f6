// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "runtime/state_publisher.hpp"

namespace lightning::testing {

/// Records every batch of state changes the controller publishes, in order,
/// and the ops in them one by one (changes(), at()).
class FakeStateObserver final : public runtime::StateObserver {
 public:
  struct Change {
    uint64_t version;  ///< last_version of the batch it came in
    std::string pointer;
    Json value;
  };

  void on_state_batch(const runtime::StateBatch& batch) override {
    batches_.push_back(batch);
    for (const Json& op : batch.patch) {
      changes_.push_back(
          Change{batch.last_version, op.at("path").get<std::string>(), op.value("value", Json())});
    }
  }

  const std::vector<runtime::StateBatch>& batches() const { return batches_; }
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
  std::vector<runtime::StateBatch> batches_;
  std::vector<Change> changes_;
};

}  // namespace lightning::testing
