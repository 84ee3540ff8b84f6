// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app: cooperative stops. A work that checkpoints when
// lightning::stop_requested() turns true, stopped by the flow's stop(), by
// Work::stop(), by its call's timeout, or by a signal the test sends.
// Usage: stops_app [flags] -- <scenario> [options...]
//   scenarios: stop | work_stop | timeout | long
//   options:   own_handler  the work has its own SIGTERM handler and never
//                           asks stop_requested() (the case)
//              escape       the work also starts `setsid sleep 300`
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "app_support.hpp"

namespace {

using integ_app::monotonic_ns;
using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

/// How long the checkpoint takes to write, and the grace period: a stop that
/// waited for the grace period would stand out.
constexpr int kCleanupMs = 300;
constexpr auto kGrace = std::chrono::seconds(20);

bool has_option(const std::string& option) {
  const auto& a = lightning::app_args();
  return std::find(a.begin(), a.end(), option) != a.end();
}

volatile sig_atomic_t g_sigterm = 0;
void on_sigterm(int) { g_sigterm = 1; }

/// Writes `text` to `path` whole (the test polls for the file).
void publish(const std::string& path, const std::string& text) {
  integ_app::write_file(path + ".tmp", text);
  std::rename((path + ".tmp").c_str(), path.c_str());
}

/// Starts a child in the work's process group that waits for a signal.
pid_t spawn_grandchild() {
  const pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

/// Starts `setsid sleep 300`: a descendant in a session of its own.
pid_t spawn_escaped() {
  FILE* sh = popen("setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!", "r");
  if (sh == nullptr) return 0;
  int pid = 0;
  if (std::fscanf(sh, "%d", &pid) != 1) pid = 0;
  pclose(sh);
  return pid;
}

/// Publishes "<run dir>/<name>.running" ("pid=P zygote=Z pgid=G grandchild=C
/// [escaped=E]"), waits up to 60 s to be asked to stop, then "writes a
/// checkpoint" for kCleanupMs and publishes "<run dir>/<name>.checkpoint"
/// ("stop_seen_ns=A saved_ns=B", CLOCK_MONOTONIC) before it returns.
struct Checkpointer : Work {
  State<bool> running{this, "running", false};
  State<bool> checkpointed{this, "checkpointed", false};
  void run(const Json&) override {
    std::string line = "pid=" + std::to_string(getpid()) + " zygote=" + std::to_string(getppid()) +
                       " pgid=" + std::to_string(getpgrp()) +
                       " grandchild=" + std::to_string(spawn_grandchild());
    if (has_option("escape")) line += " escaped=" + std::to_string(spawn_escaped());
    const bool own_handler = has_option("own_handler");
    if (own_handler) signal(SIGTERM, on_sigterm);
    auto asked = [&] { return own_handler ? g_sigterm != 0 : lightning::stop_requested(); };
    // Asked once before it says it runs: a SIGTERM that comes before a work's
    // first stop_requested() ends it at once (nothing to save yet).
    if (asked()) return;
    publish(lightning::run_dir() + "/" + name() + ".running", line);
    running = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!asked() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!asked()) return;  // never stopped: the call just ends
    const int64_t seen = monotonic_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(kCleanupMs));
    publish(lightning::run_dir() + "/" + name() + ".checkpoint",
            "stop_seen_ns=" + std::to_string(seen) + " saved_ns=" + std::to_string(monotonic_ns()));
    checkpointed = true;
    std::cout << name() << ": checkpoint saved" << std::endl;
  }
};

WorkOptions checkpointer_options() { return WorkOptions().parallel(true).grace_period(kGrace); }

/// `stop`: the flow stops the app once the work runs.
struct StopRoot : Flow {
  Checkpointer& w = add_work<Checkpointer>("w", checkpointer_options());
  void run() override {
    w.call();
    if (w.running.get()) stop("stopped while the work ran");
  }
};

/// `work_stop`: the flow stops the work once it runs, then the app once the
/// work's call is stopped (the shutdown waits for the work's process).
struct WorkStopRoot : Flow {
  Checkpointer& w = add_work<Checkpointer>("w", checkpointer_options());
  bool stopped_work = false;
  void run() override {
    w.call();
    if (w.running.get() && !stopped_work) {
      stopped_work = true;
      w.stop();
    }
    if (w.status().has_stopped()) stop("work stopped");
  }
};

/// `timeout`: the call times out after 500 ms; the flow then stops the app.
struct TimeoutRoot : Flow {
  Checkpointer& w = add_work<Checkpointer>(
      "w", checkpointer_options().timeout(std::chrono::milliseconds(500)).raise_exception(false));
  State<Json> seen{this, "seen", Json()};
  void run() override {
    const auto st = w.call();
    if (st.is_done()) {
      seen = st.to_json();
      stop("the call timed out");
    }
  }
};

/// `long`: only a signal ends the call; the flow records how it ended and
/// stops the app.
struct LongRoot : Flow {
  Checkpointer& w = add_work<Checkpointer>("w", checkpointer_options().raise_exception(false));
  State<Json> seen{this, "seen", Json()};
  void run() override {
    const auto st = w.call();
    if (st.is_done()) {
      seen = st.to_json();
      stop("the call ended");
    }
  }
};

/// `pair`: two checkpointing works; either failing fails the app (the
/// shutdown then gives the other its cleanup).
struct PairRoot : Flow {
  Checkpointer& w = add_work<Checkpointer>("w", checkpointer_options());
  Checkpointer& v = add_work<Checkpointer>("v", checkpointer_options());
  void run() override {
    w.call();
    v.call();
  }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"stop", integ_app::scenario<StopRoot>()},
                                  {"work_stop", integ_app::scenario<WorkStopRoot>()},
                                  {"timeout", integ_app::scenario<TimeoutRoot>()},
                                  {"long", integ_app::scenario<LongRoot>()},
                                  {"pair", integ_app::scenario<PairRoot>()}});
}
