// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Controller's posted API: what other threads may ask of the controller. Each
// function posts a named handler onto the loop; nothing here runs on the
// caller's thread but the post, or the answer once the app has finished.
#include <spdlog/spdlog.h>

#include <utility>

#include "runtime/app_patch.hpp"
#include "runtime/controller.hpp"

namespace lightning::runtime {
namespace {

constexpr const char* kFinished = "the app has finished";

/// Calls `done` exactly once: with the answer, or with Unavailable when it is
/// destroyed unanswered (a handler still queued when the loop stopped is
/// destroyed with the loop without running). Move-only, like the handler.
template <class T>
class Answer {
 public:
  explicit Answer(std::function<void(T)> done) : done_(std::move(done)) {}
  Answer(Answer&& other) noexcept : done_(std::exchange(other.done_, nullptr)) {}
  Answer& operator=(Answer&&) = delete;
  Answer(const Answer&) = delete;
  Answer& operator=(const Answer&) = delete;
  ~Answer() {
    if (done_) std::exchange(done_, nullptr)(Unavailable(kFinished));
  }

  void operator()(T answer) {
    if (done_) std::exchange(done_, nullptr)(std::move(answer));
  }

 private:
  std::function<void(T)> done_;
};

}  // namespace

void Controller::post_apply_patch(Json patch, std::optional<uint64_t> base_version,
                                  std::function<void(Result<uint64_t>)> done) {
  Answer<Result<uint64_t>> answer(std::move(done));
  if (finished_) return answer(Unavailable(kFinished));
  loop_.post(
      "Controller.ApplyPatch",
      [this, patch = std::move(patch), base_version, answer = std::move(answer)]() mutable -> void {
        if (finished_) return answer(Unavailable(kFinished));
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
  if (finished_) return;
  loop_.post("Controller.Stop", [this, message = std::move(message), exit_code]() mutable {
    if (finished_) return;
    if (stopping_ && failed_ && failed_by_outside_signal_at_ &&
        exit_code == 128 + failed_by_outside_signal_ &&
        clock_.now() - *failed_by_outside_signal_at_ <= kSharedSignalWindow) {
      spdlog::info("the signal that failed a work reached the app too: a stop, not a failure");
      failed_ = false;
      exit_code_ = 0;
      final_message_ = message + " (a work got it too: " + final_message_ + ")";
    }
    stop_app(std::move(message), /*failed=*/false);
    if (exit_code != 0) exit_code_ = exit_code;
  });
}

void Controller::post_fail(std::string message) {
  if (finished_) return;
  loop_.post("Controller.Fail", [this, message = std::move(message)]() mutable {
    if (!finished_) stop_app(std::move(message), /*failed=*/true);
  });
}

void Controller::post_kill_now() {
  if (finished_) return;
  loop_.post("Controller.KillNow", [this] {
    if (!finished_) supervisor_.stop_all_now();
  });
}

void Controller::post_snapshot(std::function<void(Result<StateSnapshot>)> done) {
  Answer<Result<StateSnapshot>> answer(std::move(done));
  if (finished_) return answer(Unavailable(kFinished));
  loop_.post("Controller.Snapshot", [this, answer = std::move(answer)]() mutable {
    if (finished_) return answer(Unavailable(kFinished));
    answer(StateSnapshot{root_->snapshot(), publisher_.version()});
  });
}

void Controller::post_subscribe(StateObserver* observer,
                                std::function<void(Result<StateSnapshot>)> done) {
  Answer<Result<StateSnapshot>> answer(std::move(done));
  if (finished_) return answer(Unavailable(kFinished));
  loop_.post("Controller.Subscribe", [this, observer, answer = std::move(answer)]() mutable {
    if (finished_) return answer(Unavailable(kFinished));
    publisher_.add_observer(observer);
    api_subscribers_.insert(observer);
    answer(StateSnapshot{root_->snapshot(), publisher_.version()});
  });
}

void Controller::post_unsubscribe(StateObserver* observer, std::function<void(Status)> done) {
  Answer<Status> answer(std::move(done));
  if (finished_) return answer(Unavailable(kFinished));
  loop_.post("Controller.Unsubscribe", [this, observer, answer = std::move(answer)]() mutable {
    if (finished_) return answer(Unavailable(kFinished));
    publisher_.remove_observer(observer);
    api_subscribers_.erase(observer);
    answer(Status::Ok());
  });
}

}  // namespace lightning::runtime
