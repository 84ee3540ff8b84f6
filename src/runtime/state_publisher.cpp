// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/state_publisher.hpp"

#include <algorithm>
#include <utility>

#include "core/json_io.hpp"
#include "lightning/component.hpp"
#include "lightning/work.hpp"

namespace lightning::runtime {

StatePublisher::StatePublisher(StateHistoryLimits limits) { set_history_limits(limits); }

// ---------------------------------------------------------------- pointers

Json::json_pointer StatePublisher::pointer_of(const Component& component) {
  if (component.parent() == nullptr) return Json::json_pointer();
  const bool is_work = dynamic_cast<const Work*>(&component) != nullptr;
  return pointer_of(*component.parent()) / (is_work ? "works" : "flows") / component.name();
}

Json::json_pointer StatePublisher::field_pointer(const Component& owner, const std::string& field) {
  return pointer_of(owner) / "vars" / field;
}

Json::json_pointer StatePublisher::status_pointer(const Work& work) {
  return pointer_of(work) / "status";
}

Json::json_pointer StatePublisher::url_pointer(const Work& work) {
  return pointer_of(work) / "url";
}

// ---------------------------------------------------------------- changes

void StatePublisher::record(const Json::json_pointer& pointer, const Json& value,
                            detail::PatchBuilder::Op op) {
  LIGHTNING_CHECK(!delivering_, "a StateObserver recorded a state change (", pointer.to_string(),
                  ") while a batch was being delivered");
  ++version_;
  if (!is_active()) return;
  if (ops_.empty()) batch_first_version_ = version_;
  ops_.set(pointer, value, op);
  if (depth_ == 0) publish();
}

void StatePublisher::field_changed(const Component& owner, const StateFieldBase& field,
                                   const Json& value) {
  if (!is_active()) {
    ++version_;
    return;
  }
  record(field_pointer(owner, field.name()), value);
}

void StatePublisher::status_changed(const Work& work) {
  if (!is_active()) {
    ++version_;
    return;
  }
  record(status_pointer(work), work.status().to_json());
}

void StatePublisher::url_changed(const Work& work) {
  if (!is_active()) {
    ++version_;
    return;
  }
  record(url_pointer(work), work.url().empty() ? Json(nullptr) : Json(work.url()));
}

void StatePublisher::work_added(const Work& work) {
  if (!is_active()) {
    ++version_;
    return;
  }
  record(pointer_of(work), work.snapshot(), detail::PatchBuilder::Op::kAdd);
}

// ---------------------------------------------------------------- batches

void StatePublisher::end_batch() {
  LIGHTNING_CHECK(depth_ > 0, "end_batch() without begin_batch()");
  if (--depth_ == 0 && !ops_.empty()) publish();
}

void StatePublisher::publish() {
  auto batch = std::make_shared<StateBatch>();
  batch->first_version = batch_first_version_;
  batch->last_version = version_;
  batch->patch = ops_.take();
  const bool keep = limits_.max_batches > 0;
  if (keep) batch->bytes = detail::dump_json(batch->patch).size();
  std::shared_ptr<const StateBatch> published = std::move(batch);
  if (keep) {
    history_.push_back(published);
    history_bytes_ += published->bytes;
    trim_history();
  }
  delivering_ = true;
  for (StateObserver* o : observers_) o->on_state_batch(*published);
  delivering_ = false;
}

void StatePublisher::trim_history() {
  // The newest batch always stays, even alone over the byte cap: a reader one
  // batch behind can still catch up.
  auto over = [&] {
    return history_.size() > limits_.max_batches ||
           (limits_.max_bytes > 0 && history_bytes_ > limits_.max_bytes);
  };
  while (history_.size() > 1 && over()) {
    history_floor_ = history_.front()->last_version;
    history_bytes_ -= history_.front()->bytes;
    history_.pop_front();
  }
}

// ---------------------------------------------------------------- readers

void StatePublisher::add_observer(StateObserver* observer) {
  LIGHTNING_CHECK(observer != nullptr, "add_observer(nullptr)");
  LIGHTNING_CHECK(!delivering_, "add_observer() while a batch is being delivered");
  observers_.push_back(observer);
}

void StatePublisher::remove_observer(StateObserver* observer) {
  LIGHTNING_CHECK(!delivering_, "remove_observer() while a batch is being delivered");
  observers_.erase(std::remove(observers_.begin(), observers_.end(), observer), observers_.end());
}

void StatePublisher::set_history_limits(StateHistoryLimits limits) {
  const bool was_on = limits_.max_batches > 0;
  limits_ = limits;
  if (limits_.max_batches == 0) {
    history_.clear();
    history_bytes_ = 0;
    history_floor_ = version_;
    return;
  }
  if (!was_on) history_floor_ = version_;
  trim_history();
}

Result<std::vector<std::shared_ptr<const StateBatch>>> StatePublisher::since(
    uint64_t version) const {
  std::vector<std::shared_ptr<const StateBatch>> out;
  if (version == version_) return out;
  if (version > version_) {
    return InvalidArgument("state version " + std::to_string(version) +
                           " is newer than this app's (" + std::to_string(version_) +
                           "); take a snapshot");
  }
  if (limits_.max_batches == 0 || version < history_floor_) {
    return NotFound("state version " + std::to_string(version) +
                    " is older than the kept history (oldest replayable version " +
                    std::to_string(limits_.max_batches == 0 ? version_ : history_floor_) +
                    "); take a snapshot");
  }
  // Batches are in version order: skip those the reader has seen.
  auto first = std::upper_bound(
      history_.begin(), history_.end(), version,
      [](uint64_t v, const std::shared_ptr<const StateBatch>& b) { return v < b->last_version; });
  out.assign(first, history_.end());
  return out;
}

void StatePublisher::restore_version(uint64_t version) {
  LIGHTNING_CHECK(depth_ == 0 && ops_.empty(), "restore_version() inside a batch");
  version_ = version;
  history_.clear();
  history_bytes_ = 0;
  history_floor_ = version_;
}

}  // namespace lightning::runtime
