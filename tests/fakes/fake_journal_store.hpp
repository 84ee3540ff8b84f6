// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal_store.hpp"

namespace lightning::testing {

/// The in-memory JournalStore: keeps every group it is given, in order. A test
/// keeps the Shared part (the Journal owns the store itself), and can hold
/// writes at a gate (to see what the writer groups while it is busy) or make
/// writes fail from the n-th on. Written by the journal's writer thread, read
/// by the test: everything is under `mu`.
class FakeJournalStore final : public journal::JournalStore {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable changed;
    std::vector<journal::JournalGroup> groups;  ///< what was written, in order
    bool gate_open = true;                      ///< false: write() waits
    size_t writes_at_gate = 0;                  ///< writes waiting at the gate
    std::optional<size_t> fail_from;            ///< writes with this index and later fail
    Status failure = ResourceExhausted("cannot write fake: database or disk is full");
    std::string incomplete;  ///< what mark_incomplete() said
    bool closed = false;

    /// Waits (up to `within`) until `n` writes wait at the gate.
    bool wait_for_writes_at_gate(size_t n, std::chrono::milliseconds within) {
      std::unique_lock<std::mutex> lock(mu);
      return changed.wait_for(lock, within, [&] { return writes_at_gate >= n; });
    }
    void open_gate() {
      {
        std::lock_guard<std::mutex> lock(mu);
        gate_open = true;
      }
      changed.notify_all();
    }
    std::vector<journal::JournalGroup> snapshot_of_groups() {
      std::lock_guard<std::mutex> lock(mu);
      return groups;
    }
  };

  explicit FakeJournalStore(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  std::string describe() const override { return "fake"; }

  Status write(const journal::JournalGroup& group) override {
    std::unique_lock<std::mutex> lock(shared_->mu);
    ++shared_->writes_at_gate;
    shared_->changed.notify_all();
    shared_->changed.wait(lock, [&] { return shared_->gate_open; });
    --shared_->writes_at_gate;
    if (shared_->fail_from && writes_ >= *shared_->fail_from) return shared_->failure;
    ++writes_;
    shared_->groups.push_back(group);
    return Status::Ok();
  }

  void mark_incomplete(const std::string& why) override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->incomplete = why;
  }

  Status close() override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->closed = true;
    return Status::Ok();
  }

 private:
  std::shared_ptr<Shared> shared_;
  size_t writes_ = 0;  // successful and failed attempts up to the first failure
};

}  // namespace lightning::testing
