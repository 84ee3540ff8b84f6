// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app: process lifecycle (shutdown, signals), work output and logs, and a
// flow that waits for the test. Usage: lifecycle_app [flags] -- <scenario> [args...]
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

using integ_app::arg;
using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

bool has_flag(const std::string& flag) {
  const auto& a = lightning::app_args();
  return std::find(a.begin(), a.end(), flag) != a.end();
}

/// Forks a child that waits for a signal (in the work's process group) and
/// returns its pid.
pid_t spawn_grandchild() {
  const pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

/// Records its pid, its parent's (the zygote) and, if asked, a grandchild's.
struct PidWork : Work {
  State<int> pid{this, "pid", 0};
  State<int> zygote{this, "zygote", 0};
  State<int> grandchild{this, "grandchild", 0};
  void run(const Json& args) override {
    pid = static_cast<int>(getpid());
    zygote = static_cast<int>(getppid());
    if (args.value("grandchild", false)) grandchild = static_cast<int>(spawn_grandchild());
  }
};

/// `pids`: three works (two parallel, one blocking) record their pids; the
/// flow stops once all succeeded, with the processes idle but alive.
struct PidsRoot : Flow {
  PidWork& a = add_work<PidWork>("a", WorkOptions().parallel(true));
  PidWork& b = add_work<PidWork>("b", WorkOptions().parallel(true));
  PidWork& c = add_work<PidWork>("c");
  void run() override {
    const bool a_done = a.call({{"grandchild", true}}).has_succeeded();
    const bool b_done = b.call().has_succeeded();
    c.call();
    if (a_done && b_done) stop("all pids recorded");
  }
};

/// Prints "<name> pid=P zygote=Z [grandchild=G]" and then, if args["seconds"]
/// is set, stays in the call that long without checking anything but the clock.
struct Busy : Work {
  State<int> pid{this, "pid", 0};  // set once the pid line is out
  void run(const Json& args) override {
    if (args.value("ignore_sigterm", false)) signal(SIGTERM, SIG_IGN);
    std::string line =
        name() + " pid=" + std::to_string(getpid()) + " zygote=" + std::to_string(getppid());
    if (args.value("grandchild", false)) {
      line += " grandchild=" + std::to_string(spawn_grandchild());
    }
    std::cout << line << std::endl;
    pid = static_cast<int>(getpid());
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(args.value("seconds", 0));
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
};

/// `long [grandchild] [stubborn] [idle_grace_3s] [busy_grace_3s]`: `idle`
/// finishes at once (its process stays up), `busy` is in a 30 s call; with
/// `stubborn`, busy ignores SIGTERM. Both have a 400 ms grace period, 3 s with
/// `idle_grace_3s` / `busy_grace_3s`. Only a signal or the 30 s end the app.
struct LongRoot : Flow {
  Busy& idle = add_work<Busy>(
      "idle", WorkOptions().parallel(true).grace_period(
                  std::chrono::milliseconds(has_flag("idle_grace_3s") ? 3000 : 400)));
  Busy& busy = add_work<Busy>(
      "busy", WorkOptions().parallel(true).grace_period(
                  std::chrono::milliseconds(has_flag("busy_grace_3s") ? 3000 : 400)));
  void run() override {
    idle.call();
    const auto st = busy.call({{"seconds", 30},
                               {"grandchild", has_flag("grandchild")},
                               {"ignore_sigterm", has_flag("stubborn")}});
    if (st.is_done()) stop("the long call ended on its own");
  }
};

/// `stop_work`: once busy is running, the flow stops it with Work::stop().
struct StopWorkRoot : Flow {
  Busy& busy = add_work<Busy>(
      "busy", WorkOptions().parallel(true).grace_period(std::chrono::milliseconds(400)));
  State<bool> stop_requested{this, "stop_requested", false};
  State<Json> seen{this, "seen", Json()};
  void run() override {
    const auto st = busy.call({{"seconds", 30}});
    // Stop it once its pid line is out (the test reads the pid from the log).
    if (st.is_running() && busy.pid.get() != 0 && !stop_requested) {
      stop_requested = true;
      busy.stop();
    }
    if (busy.status().is_done()) {
      seen = busy.status().to_json();
      stop("busy stopped");
    }
  }
};

/// Writes to stdout and stderr.
struct Chatty : Work {
  void run(const Json&) override {
    std::cout << "chatty: hello on stdout" << std::endl;
    std::cerr << "chatty: hello on stderr" << std::endl;
    std::printf("chatty: printf line %d\n", 2);
    std::fprintf(stderr, "chatty: fprintf line %d\n", 2);
    std::fflush(stdout);
  }
};

/// `chatty`
struct ChattyRoot : Flow {
  Chatty& chatty = add_work<Chatty>("chatty");
  void run() override {
    chatty.call();
    stop();
  }
};

struct Ok : Work {
  State<int> calls{this, "calls", 0};
  void run(const Json&) override { calls = calls + 1; }
};

/// `gate <file>`: waits until <file> exists (polling with schedule_in), then
/// calls a work and stops. Keeps the controller up while a test pokes at it.
struct GateRoot : Flow {
  Ok& ok = add_work<Ok>("ok");
  State<bool> released{this, "released", false};
  void run() override {
    if (!integ_app::file_exists(arg(1))) {
      schedule_in(std::chrono::milliseconds(10));
      return;
    }
    released = true;
    ok.call();
    stop("released");
  }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"pids", integ_app::scenario<PidsRoot>()},
                                  {"long", integ_app::scenario<LongRoot>()},
                                  {"stop_work", integ_app::scenario<StopWorkRoot>()},
                                  {"chatty", integ_app::scenario<ChattyRoot>()},
                                  {"gate", integ_app::scenario<GateRoot>()}});
}
