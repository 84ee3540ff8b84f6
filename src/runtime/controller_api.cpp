// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Controller's posted API: what other threads may ask of the controller. Each
// function posts a named handler onto the loop; nothing here runs on the
// caller's thread but the post.
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
               const uint64_t version = publisher_.version();
               if (base_version && *base_version != version) {
                 return answer(FailedPrecondition(
                     "the state moved on from version " + std::to_string(*base_version) + " to " +
                     std::to_string(version) + "; take a snapshot and apply the patch again"));
               }
               auto changes = apply_app_patch(*root_, patch);
               if (!changes.ok()) return answer(changes.status());
               {
                 auto batch = publisher_.batch();  // one external patch, one batch
                 for (const FieldChange& c : *changes) {
                   on_field_changed(*c.owner, *c.field, c.field->to_json());
                 }
               }
               answer(publisher_.version());
             });
}

void Controller::post_stop(std::string message, int exit_code) {
  loop_.post("Controller.Stop", [this, message = std::move(message), exit_code]() mutable {
    stop_app(std::move(message), exit_code != 0);
    if (exit_code != 0) exit_code_ = exit_code;
  });
}

void Controller::post_kill_now() {
  loop_.post("Controller.KillNow", [this] { supervisor_.stop_all_now(); });
}

void Controller::post_snapshot(std::function<void(Json, uint64_t)> done) {
  loop_.post("Controller.Snapshot",
             [this, done = std::move(done)] { done(root_->snapshot(), publisher_.version()); });
}

void Controller::post_subscribe(StateObserver* observer, std::function<void(Json, uint64_t)> done) {
  loop_.post("Controller.Subscribe", [this, observer, done = std::move(done)] {
    publisher_.add_observer(observer);
    if (done) done(root_->snapshot(), publisher_.version());
  });
}

void Controller::post_unsubscribe(StateObserver* observer, std::function<void()> done) {
  loop_.post("Controller.Unsubscribe", [this, observer, done = std::move(done)] {
    publisher_.remove_observer(observer);
    if (done) done();
  });
}

}  // namespace lightning::runtime
