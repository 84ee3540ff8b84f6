// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "worker/stop_flag.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "lightning/stop.hpp"

namespace lightning {

bool stop_requested() noexcept {
  worker::StopFlag& flag = worker::StopFlag::of_process();
  flag.note_asked();
  return flag.requested();
}

}  // namespace lightning

namespace lightning::worker {
namespace {

constexpr int kStopSignals[] = {SIGTERM, SIGINT};

// The flag whose handler is installed (null when none is): what the handler sets.
std::atomic<StopFlag*> g_handler_flag{nullptr};

void handle_stop_signal(int sig, siginfo_t* info, void*) {
  const int saved_errno = errno;
  StopFlag* flag = g_handler_flag.load();
  const int64_t sender = info != nullptr ? static_cast<int64_t>(info->si_pid) : 0;
  if (flag == nullptr || flag->on_signal(sig, sender) == StopFlag::SignalAction::kEndProcess) {
    // The default action, then the signal again: it is blocked while this
    // handler runs, so it ends the process as soon as the handler returns.
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
    kill(getpid(), sig);
  }
  errno = saved_errno;
}

bool is_our_handler(const struct sigaction& sa) {
  return (sa.sa_flags & SA_SIGINFO) != 0 && sa.sa_sigaction == handle_stop_signal;
}

}  // namespace

StopFlag& StopFlag::of_process() {
  static StopFlag flag;
  return flag;
}

StopCause StopFlag::cause() const noexcept {
  StopCause c;
  c.requested = requested();
  c.outside_signal = outside_signal_.load();
  c.outside_sender = outside_sender_.load();
  return c;
}

StopFlag::SignalAction StopFlag::on_signal(int sig, int64_t sender) noexcept {
  const int64_t launcher = launcher_pid_.load();
  if (launcher == 0 || sender != launcher) {
    int none = 0;
    if (!outside_signal_.compare_exchange_strong(none, sig)) return SignalAction::kEndProcess;
    outside_sender_.store(sender);
  }
  requested_.store(true, std::memory_order_release);
  return SignalAction::kStopRequested;
}

void StopFlag::begin_call() {
  std::lock_guard<std::mutex> lock(mu_);
  in_call_ = true;
  if (asked_.load()) install();
}

void StopFlag::end_call() {
  std::lock_guard<std::mutex> lock(mu_);
  in_call_ = false;
  restore();
}

void StopFlag::note_asked() noexcept {
  if (asked_.load(std::memory_order_relaxed)) return;
  try {
    std::lock_guard<std::mutex> lock(mu_);
    asked_.store(true);
    if (in_call_) install();
  } catch (...) {  // a mutex that cannot be locked: the flag still works, without the handler
    asked_.store(true);
  }
}

bool StopFlag::handler_installed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return installed_;
}

void StopFlag::reset_for_testing() {
  std::lock_guard<std::mutex> lock(mu_);
  restore();
  in_call_ = false;
  asked_.store(false);
  requested_.store(false);
  outside_signal_.store(0);
  outside_sender_.store(0);
  launcher_pid_.store(0);
}

void StopFlag::install() {
  if (installed_) return;
  StopFlag* none = nullptr;
  if (!g_handler_flag.compare_exchange_strong(none, this)) return;  // another flag has it
  struct sigaction ours = {};
  ours.sa_sigaction = handle_stop_signal;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  for (int sig : kStopSignals) {
    struct sigaction current = {};
    if (sigaction(sig, nullptr, &current) != 0) continue;
    // Only over the default action: SIG_IGN, or a handler of the work's own, stays.
    if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL) {
      sigaction(sig, &ours, nullptr);
    }
  }
  installed_ = true;
}

void StopFlag::restore() {
  if (!installed_) return;
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig : kStopSignals) {
    struct sigaction current = {};
    if (sigaction(sig, nullptr, &current) == 0 && is_our_handler(current)) {
      sigaction(sig, &dfl, nullptr);
    }
  }
  installed_ = false;
  g_handler_flag.store(nullptr);
}

}  // namespace lightning::worker
