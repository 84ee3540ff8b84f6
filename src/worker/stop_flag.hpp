// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace lightning::worker {

/// Why a work process was asked to stop, as it knows it.
struct StopCause {
  bool requested = false;      ///< lightning::stop_requested() is true
  int outside_signal = 0;      ///< SIGTERM/SIGINT from outside the runtime; 0: none
  int64_t outside_sender = 0;  ///< that signal's sender (pid); 0: unknown (the kernel)
};

/// The flag behind lightning::stop_requested() in a work process, and the
/// SIGTERM/SIGINT handling around it (docs/design/processes-and-threads.md,
/// "Signals"). Set by the controller's StopRequest (read by the work's reader
/// thread), by the launcher's SIGTERM, or by a SIGTERM/SIGINT from outside;
/// never cleared: a process asked to stop ends after its current call.
///
/// The handler is installed only while a call runs, and only once the work has
/// asked stop_requested() (in this call or an earlier one), and only over the
/// default action (a handler of the work's own is left alone): a work that
/// never asks keeps the usual "SIGTERM ends the process at once", and an idle
/// process still dies at once. A second SIGTERM/SIGINT from outside ends the
/// process; the launcher's signals (its pid is the launcher's) never do: the
/// launcher escalates with SIGKILL after the grace period.
///
/// Thread-safety: requested(), cause(), request() and on_signal() are
/// lock-free and callable from any thread; on_signal() also from a signal
/// handler (async-signal-safe). begin_call(), end_call() and note_asked() may
/// be called from any thread; a mutex orders installing and removing the
/// handler. One instance per process (of_process()); tests make their own
/// to check the rules without signals.
///
///   StopFlag& stop = StopFlag::of_process();
///   stop.begin_call();          // run thread, before Work::run
///   work.run(args);             // may call lightning::stop_requested()
///   stop.end_call();            // default SIGTERM/SIGINT again
///   if (stop.requested()) ...   // end the process after this call
class StopFlag {
 public:
  enum class SignalAction {
    kStopRequested,  ///< the flag is set; the process carries on
    kEndProcess,     ///< a second signal from outside: end the process now
  };

  /// The flag of this process: what lightning::stop_requested() reads.
  static StopFlag& of_process();

  StopFlag() = default;
  StopFlag(const StopFlag&) = delete;
  StopFlag& operator=(const StopFlag&) = delete;

  bool requested() const noexcept { return requested_.load(std::memory_order_acquire); }
  StopCause cause() const noexcept;

  /// The controller asked the process to stop (a StopRequest message).
  void request() noexcept { requested_.store(true, std::memory_order_release); }
  /// A SIGTERM or SIGINT `sig` arrived from pid `sender` (0: unknown). The
  /// launcher's own only sets the flag; the first from anyone else sets it and
  /// is kept as the cause; a second from outside asks to end the process.
  /// Async-signal-safe.
  SignalAction on_signal(int sig, int64_t sender) noexcept;
  /// Signals sent by this pid are the runtime's own stop (0: none known).
  void set_launcher_pid(int64_t pid) noexcept { launcher_pid_.store(pid); }

  /// A call begins (run thread): installs the handler if the work asked before.
  void begin_call();
  /// The call returned: the default action again, unless the work replaced
  /// the handler with its own.
  void end_call();
  /// lightning::stop_requested() was called: later calls get the handler, and
  /// so does the current one. Cheap after the first time.
  void note_asked() noexcept;
  /// Whether this flag's handler is installed now.
  bool handler_installed() const;
  /// Tests only: a fresh flag (not asked, nothing requested, no handler).
  void reset_for_testing();

 private:
  void install();  // mu_ held
  void restore();  // mu_ held

  std::atomic<bool> requested_{false};
  std::atomic<int> outside_signal_{0};
  std::atomic<int64_t> outside_sender_{0};
  std::atomic<int64_t> launcher_pid_{0};
  std::atomic<bool> asked_{false};
  mutable std::mutex mu_;  // guards in_call_, installed_ and the signal dispositions
  bool in_call_ = false;
  bool installed_ = false;

  static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                    std::atomic<int64_t>::is_always_lock_free,
                "the signal handler may only touch lock-free atomics");
};

}  // namespace lightning::worker
