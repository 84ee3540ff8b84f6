// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <unordered_set>

#include "runtime/work_launcher.hpp"
#include "scheduler/local_resources.hpp"
#include "util/event_loop.hpp"

namespace lightning::runtime {

/// Decides whether a launch can ever run where the launcher puts it: "" when
/// it can, else why not (the work's failed call says it). Implemented for a
/// local run by the composition root over scheduler::local_misfit(); the
/// cluster launch path will ask the scheduler instead
/// (docs/design/scheduling.md).
class LaunchCheckInterface {
 public:
  virtual ~LaunchCheckInterface() = default;
  virtual std::string misfit(const v1::LaunchWorkRequest& request) const = 0;
};

/// A WorkLauncherInterface in front of another: a launch that `check`
/// refuses never reaches the inner launcher; its process "exits" at once
/// with ProcessExit::error set to the check's reason (posted onto the loop,
/// as the launcher contract wants), so the work's call fails with reason
/// "start_failed" and that message instead of waiting for resources that
/// will never come. Everything else goes straight through. Owned by the
/// composition root (AppHost) next to the launcher it wraps; loop thread only.
class CheckedLauncher final : public WorkLauncherInterface {
 public:
  CheckedLauncher(WorkLauncherInterface& inner, const LaunchCheckInterface& check,
                  util::EventLoop& loop)
      : inner_(inner), check_(check), loop_(loop) {}

  void set_events(Events events) override;
  void launch(const v1::LaunchWorkRequest& request) override;
  void stop(uint64_t process_id, std::chrono::milliseconds grace) override;
  void shutdown() override { inner_.shutdown(); }

 private:
  WorkLauncherInterface& inner_;
  const LaunchCheckInterface& check_;
  util::EventLoop& loop_;
  Events events_;
  std::unordered_set<uint64_t> refused_;  // refused, exit not yet delivered
};

/// A local run's check: the work's compute request (LaunchWorkRequest's
/// compute_json) against this machine's resources, read once at start
/// (scheduler::detect_local_resources()). Owned by AppHost.
class LocalComputeCheck final : public LaunchCheckInterface {
 public:
  explicit LocalComputeCheck(scheduler::LocalResources local) : local_(std::move(local)) {}
  std::string misfit(const v1::LaunchWorkRequest& request) const override;
  const scheduler::LocalResources& resources() const { return local_; }

 private:
  scheduler::LocalResources local_;
};

}  // namespace lightning::runtime
