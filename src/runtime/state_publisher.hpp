// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/patch_builder.hpp"
#include "lightning/json.hpp"
#include "util/status.hpp"

namespace lightning {
class Component;
class StateFieldBase;
class Work;
}  // namespace lightning

namespace lightning::runtime {

/// One batch of state changes: everything one Flow::run, one incoming delta
/// (or whatever else the owner brackets with begin_batch/end_batch) changed.
/// Immutable once published. StatePublisher publishes each batch owned by a
/// std::shared_ptr, so an observer that keeps it past on_state_batch() (the
/// journal's writer thread) takes a reference with weak_from_this().lock()
/// instead of copying the patch on the flow loop; that is null for a batch
/// not owned by a shared_ptr (tests), which the observer copies.
struct StateBatch : std::enable_shared_from_this<StateBatch> {
  /// Versions of the first and the last change in the batch: the app's state
  /// version goes from first_version - 1 to last_version. last_version is the
  /// id a stream gives this batch (an SSE client's Last-Event-ID).
  uint64_t first_version = 0;
  uint64_t last_version = 0;
  /// RFC 6902 JSON Patch against Flow::snapshot() of the root at version
  /// first_version - 1; applied to it, gives the snapshot at last_version.
  /// Only whole-value `add` and `replace` ops, one per pointer (changes of the
  /// same pointer are coalesced, last value wins), so replaying a batch on any
  /// state between first_version - 1 and last_version also gives last_version.
  Json patch;
  /// Size of `patch` as compact JSON text (what the history's byte cap
  /// counts); 0 when the publisher keeps no history.
  size_t bytes = 0;
};

/// Sees every batch of state changes once, at the batch's end, in version
/// order, on the controller's loop. The HTTP state stream and the journal
/// plug in here. Must not throw, and must not record state changes.
class StateObserver {
 public:
  virtual ~StateObserver() = default;
  virtual void on_state_batch(const StateBatch& batch) = 0;
};

/// How much published history StatePublisher keeps for readers that resume
/// from a version (since()). Both caps 0: no history (the default).
struct StateHistoryLimits {
  size_t max_batches = 0;  ///< 0: no history.
  size_t max_bytes = 0;    ///< 0: no byte cap (only max_batches counts).
};

/// Owns the app's state version and turns state changes into batches of JSON
/// Patch ops against Flow::snapshot() of the root, for observers and for a
/// bounded history that readers replay from a version.
///
/// Owned by the controller; lives on its loop thread and is single-threaded
/// (other threads post onto the loop, and may keep the shared_ptrs since()
/// returns: batches are immutable).
///
/// Every change adds one to the version, whether or not anyone listens. With
/// no observer and no history that is all a change costs: no pointer, no JSON.
///
/// How to wire it into the controller:
///   - member `StatePublisher publisher_;` replaces state_version_, observers_,
///     publish(), pointer_of() and escape_pointer_segment();
///   - around root_->run() in run_flows() and around applying a delta:
///       auto batch = publisher_.batch();   // RAII; ends the batch (delivers)
///   - on_field_changed:   publisher_.field_changed(owner, field, value);
///   - delta applied:      for (auto* f : res.changed) publisher_.field_changed(*r.work, *f,
///   f->to_json());
///     (or record(field_pointer(...), ...) to skip to_json() when !is_active())
///   - latest call status: publisher_.status_changed(*r.work);
///   - on_work_added:      publisher_.work_added(work);
///   - state_version():    publisher_.version(); add_observer: publisher_.add_observer();
///   - resume (journal):   load the snapshot, then publisher_.restore_version(v).
/// A change recorded outside any batch (a timer, a process exit) is a batch of
/// its own, delivered at once.
///
///   StatePublisher pub;
///   pub.add_observer(&stream);
///   {
///     auto batch = pub.batch();
///     pub.field_changed(root, root.loss, 0.5);
///     pub.field_changed(root, root.loss, 0.25);
///   }  // stream gets one batch: versions 1..2,
///   [{"op":"replace","path":"/vars/loss","value":0.25}]
class StatePublisher {
 public:
  explicit StatePublisher(StateHistoryLimits limits = {});
  StatePublisher(const StatePublisher&) = delete;
  StatePublisher& operator=(const StatePublisher&) = delete;

  /// The app's state version: the number of changes so far (or since the
  /// version restore_version() set).
  uint64_t version() const { return version_; }

  // ---------------------------------------------------------------- pointers

  /// JSON pointer of a component in Flow::snapshot() of the root: "" for the
  /// root, "/works/<name>", "/flows/<name>/works/<name>", ...
  static Json::json_pointer pointer_of(const Component& component);
  /// "<pointer_of(owner)>/vars/<field>".
  static Json::json_pointer field_pointer(const Component& owner, const std::string& field);
  /// "<pointer_of(work)>/status".
  static Json::json_pointer status_pointer(const Work& work);
  /// "<pointer_of(work)>/url".
  static Json::json_pointer url_pointer(const Work& work);

  // ---------------------------------------------------------------- changes

  /// Records one change: `value` is the new value at `pointer` (add: the
  /// location did not exist before). Adds one to the version.
  void record(const Json::json_pointer& pointer, const Json& value,
              detail::PatchBuilder::Op op = detail::PatchBuilder::Op::kReplace);
  /// A state field of `owner` changed to `value` (a replace of its pointer).
  void field_changed(const Component& owner, const StateFieldBase& field, const Json& value);
  /// The status of `work` (its latest call's) changed (a replace of /status).
  void status_changed(const Work& work);
  /// The URL `work` published changed (a replace of /url; null when cleared).
  void url_changed(const Work& work);
  /// `work` joined the tree (an add of its whole snapshot).
  void work_added(const Work& work);

  // ---------------------------------------------------------------- batches

  /// Starts a batch; batches nest, and the outermost end_batch() publishes
  /// everything recorded since the outermost begin_batch() as one batch.
  void begin_batch() { ++depth_; }
  /// Ends a batch; at the outermost end, observers get the batch (if it has
  /// any change) and it joins the history.
  void end_batch();
  bool in_batch() const { return depth_ > 0; }

  /// RAII for begin_batch/end_batch.
  class BatchScope {
   public:
    explicit BatchScope(StatePublisher& publisher) : publisher_(&publisher) {
      publisher_->begin_batch();
    }
    ~BatchScope() {
      if (publisher_ != nullptr) publisher_->end_batch();
    }
    BatchScope(BatchScope&& other) noexcept : publisher_(other.publisher_) {
      other.publisher_ = nullptr;
    }
    BatchScope(const BatchScope&) = delete;
    BatchScope& operator=(const BatchScope&) = delete;
    BatchScope& operator=(BatchScope&&) = delete;

   private:
    StatePublisher* publisher_;
  };
  [[nodiscard]] BatchScope batch() { return BatchScope(*this); }

  // ---------------------------------------------------------------- readers

  /// Observers get every batch published after they were added. Not while a
  /// batch is being delivered.
  void add_observer(StateObserver* observer);
  void remove_observer(StateObserver* observer);

  /// Changes the history caps; the history starts (or restarts) at the
  /// current version when it was off.
  void set_history_limits(StateHistoryLimits limits);
  const StateHistoryLimits& history_limits() const { return limits_; }

  /// The batches that take a reader at `version` (a version it saw: an event
  /// id, or the version of a snapshot it took) to version(), oldest first;
  /// empty when it is up to date. An error when the history cannot: the
  /// reader must take a snapshot instead.
  ///   - kNotFound: `version` is older than the history (batches after it were
  ///     dropped by the caps, or recorded while the history was off);
  ///   - kInvalidArgument: `version` is newer than version() (e.g. from an
  ///     earlier run of the app).
  Result<std::vector<std::shared_ptr<const StateBatch>>> since(uint64_t version) const;
  /// The oldest version since() can resume from.
  uint64_t oldest_replayable_version() const { return history_floor_; }
  size_t history_batches() const { return history_.size(); }
  size_t history_bytes() const { return history_bytes_; }

  /// Sets the version (resuming from a journal or a state file) and clears the
  /// history. Not inside a batch.
  void restore_version(uint64_t version);

  /// Whether changes are turned into ops (someone observes or keeps history).
  bool is_active() const { return !observers_.empty() || limits_.max_batches > 0; }

 private:
  void publish();
  void trim_history();

  uint64_t version_ = 0;
  int depth_ = 0;
  bool delivering_ = false;

  detail::PatchBuilder ops_;
  uint64_t batch_first_version_ = 0;  // version of the first op in ops_

  std::vector<StateObserver*> observers_;

  StateHistoryLimits limits_;
  std::deque<std::shared_ptr<const StateBatch>> history_;
  size_t history_bytes_ = 0;
  uint64_t history_floor_ = 0;  // history covers versions after this one
};

}  // namespace lightning::runtime
