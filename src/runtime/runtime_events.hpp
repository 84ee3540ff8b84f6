// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

#include "lightning/status.hpp"

namespace lightning {
class Work;
}  // namespace lightning

namespace lightning::runtime {

struct CallRecord;

/// What happens to the app's flows and works, for bookkeeping kept outside the
/// controller (the HTTP API's WorkActivity and its metrics, the journal): the controller
/// tells each observer (Controller::add_event_observer) on its loop thread, as
/// it happens. An observer must not throw and must not call back into the
/// controller from these calls. Every method has an empty default.
class RuntimeEventObserver {
 public:
  virtual ~RuntimeEventObserver() = default;
  /// One Flow::run of the root ended (however it ended); `took`: how long it
  /// ran by the controller's clock.
  virtual void on_flow_run(std::chrono::nanoseconds /*took*/) {}
  /// A call of `work` changed status: `is_latest` when it is the call
  /// Work::status() shows (the work's status is then already `status`).
  virtual void on_call_status(const Work& /*work*/, const WorkStatus& /*status*/,
                              bool /*is_latest*/) {}
  /// The same change, with the whole record of the call (call_table.hpp): its
  /// args (as its key), status, attempt, final failures and re-run backoff.
  /// Right after on_call_status. What the journal keeps of every call.
  virtual void on_call_record(const Work& /*work*/, const CallRecord& /*call*/,
                              bool /*is_latest*/) {}
  /// `work` joined the tree (at start for the works declared as members, in
  /// Flow::run() for the others), or its WorkOptions were replaced (the first
  /// add_work() of a work a resume made from the journal). What the journal
  /// keeps to make works again on a resume: path, type, options, order.
  virtual void on_work_declared(const Work& /*work*/) {}
  /// A process of `work` was started, as `pid` (on the launcher's machine).
  virtual void on_process_started(const Work& /*work*/, int /*pid*/) {}
  /// The process `pid` of `work` ended (it was reaped, or its launcher lost it).
  virtual void on_process_exited(const Work& /*work*/, int /*pid*/) {}
};

}  // namespace lightning::runtime
