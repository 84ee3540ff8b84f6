// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Controller's posted API: what other threads may ask of the controller. Each
// function posts a named handler onto the loop; nothing here runs on the
// caller's thread but the post.
#include <algorithm>

#include "runtime/app_patch.hpp"
#include "runtime/controller.hpp"

namespace lightning::runtime {

void Controller::post_apply_patch(Json patch, std::optional<uint64_t> base_version,
                                  std::function<void(Result<uint64_t>)> done) {
  loop_.post("Controller.ApplyPatch",
             [this, patch = std::move(patch), base_version, done = std::move(done)]() -> void {
               auto answer = [&](Result<uint64_t> r) {
                 if (done) done(std::move(r));
               };
               if (stopping_) return answer(FailedPrecondition("the app is shutting down"));
               if (base_version && *base_version != state_version_) {
                 return answer(FailedPrecondition("the state moved on from version " +
                                                  std::to_string(*base_version) + " to " +
                                                  std::to_string(state_version_) +
                                                  "; take a snapshot and apply the patch again"));
               }
               auto changes = apply_app_patch(*root_, patch);
               if (!changes.ok()) return answer(changes.status());
               for (const FieldChange& c : *changes)
                 on_field_changed(*c.owner, *c.field, c.field->to_json());
               answer(state_version_);
             });
}

void Controller::post_stop(std::string message, int exit_code) {
  loop_.post("Controller.Stop", [this, message = std::move(message), exit_code]() mutable {
    stop_app(std::move(message), exit_code != 0);
    if (exit_code != 0) exit_code_ = exit_code;
  });
}

void Controller::post_kill_now() {
  loop_.post("Controller.KillNow", [this] {
    for (auto& [id, r] : by_process_) launcher_.stop(id, std::chrono::milliseconds(0));
  });
}

void Controller::post_snapshot(std::function<void(Json, uint64_t)> done) {
  loop_.post("Controller.Snapshot",
             [this, done = std::move(done)] { done(root_->snapshot(), state_version_); });
}

void Controller::post_subscribe(StateObserver* observer, std::function<void(Json, uint64_t)> done) {
  loop_.post("Controller.Subscribe", [this, observer, done = std::move(done)] {
    observers_.push_back(observer);
    if (done) done(root_->snapshot(), state_version_);
  });
}

void Controller::post_unsubscribe(StateObserver* observer, std::function<void()> done) {
  loop_.post("Controller.Unsubscribe", [this, observer, done = std::move(done)] {
    observers_.erase(std::remove(observers_.begin(), observers_.end(), observer), observers_.end());
    if (done) done();
  });
}

}  // namespace lightning::runtime
