// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app: how failures of works and flows are reported. Usage:
//   failures_app [flags] -- <scenario> [args...]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include "app_support.hpp"

namespace {

using integ_app::arg;
using integ_app::monotonic_ns;
using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

struct Thrower : Work {
  void run(const Json& args) override {
    throw std::runtime_error(args.value("what", std::string("thrower: bad input 42")));
  }
};

struct Aborter : Work {
  void run(const Json& args) override {
    for (int i = 1; i <= args.value("noise_lines", 0); ++i) {
      std::fprintf(stderr, "aborter: noise %03d\n", i);
    }
    std::fprintf(stderr, "aborter: some noise before\n");
    std::fprintf(stderr, "aborter: last words before abort\n");
    std::abort();
  }
};

struct Exiter : Work {
  void run(const Json& args) override {
    std::fprintf(stderr, "exiter: exiting with %d\n", args.value("code", 7));
    std::exit(args.value("code", 7));
  }
};

/// Runs for 30 s without ever looking at anything but the clock.
struct Sleeper : Work {
  void run(const Json&) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
};

WorkOptions observed() { return WorkOptions().parallel(true).raise_exception(false); }

/// `one_failure <kind>`: calls the work of that kind (raise_exception(false))
/// and records the status the flow saw when the call was done. Kinds:
/// exception, abort, abort_after_noise (60 lines of stderr first), exit (7),
/// exit0, timeout.
struct OneFailureRoot : Flow {
  Thrower& thrower = add_work<Thrower>("thrower", observed());
  Aborter& aborter = add_work<Aborter>("aborter", observed());
  Exiter& exiter = add_work<Exiter>("exiter", observed());
  Sleeper& sleeper =
      add_work<Sleeper>("sleeper", observed()
                                       .timeout(std::chrono::milliseconds(300))
                                       .grace_period(std::chrono::milliseconds(500)));
  State<Json> seen{this, "seen", Json()};
  const std::string kind = arg(1);

  void run() override {
    Work* w = kind == "exception"                              ? static_cast<Work*>(&thrower)
              : kind == "abort" || kind == "abort_after_noise" ? static_cast<Work*>(&aborter)
              : kind == "exit" || kind == "exit0"              ? static_cast<Work*>(&exiter)
              : kind == "timeout"                              ? static_cast<Work*>(&sleeper)
                                                               : nullptr;
    if (w == nullptr) throw std::invalid_argument("unknown failure kind '" + kind + "'");
    Json args = Json::object();
    if (kind == "abort_after_noise") args["noise_lines"] = 60;
    if (kind == "exit0") args["code"] = 0;
    const auto st = w->call(args);
    if (st.is_done()) {
      seen = st.to_json();
      stop();
    }
  }
};

/// `fatal <exception|exit>`: a work with the default raise_exception(true) fails.
struct FatalRoot : Flow {
  Thrower& doomed = add_work<Thrower>("doomed");
  Exiter& crasher = add_work<Exiter>("crasher");
  State<bool> after_call{this, "after_call", false};
  void run() override {
    if (arg(1) == "exception") {
      doomed.call({{"what", "doomed: cannot continue"}});
    } else {
      crasher.call({{"code", 3}});
    }
    after_call = true;  // never reached: the blocking call failed
  }
};

/// Fails its first two attempts (a crash, then an exception) and succeeds on
/// the third; counts attempts in a file since a crash restarts the process.
struct Flaky : Work {
  State<int> succeeded_on{this, "succeeded_on", 0};
  void run(const Json& args) override {
    const int attempt = integ_app::bump_counter(args.at("counter").get<std::string>());
    std::fprintf(stderr, "flaky: attempt %d\n", attempt);
    if (attempt == 1) std::_Exit(1);
    if (attempt == 2) throw std::runtime_error("flaky: attempt 2 fails too");
    succeeded_on = attempt;
  }
};

/// `retries <n>`
struct RetriesRoot : Flow {
  Flaky& flaky = add_work<Flaky>("flaky", WorkOptions()
                                              .retries(std::stoi(arg(1)))
                                              .retry_backoff(std::chrono::milliseconds(20))
                                              .raise_exception(false));
  State<Json> seen{this, "seen", Json()};
  void run() override {
    const auto st = flaky.call({{"counter", lightning::run_dir() + "/attempts"}});
    seen = st.to_json();
    stop();
  }
};

/// Fails on its first call only.
struct FailsOnce : Work {
  void run(const Json& args) override {
    if (integ_app::bump_counter(args.at("counter").get<std::string>()) == 1) {
      throw std::runtime_error("fails_once: first call fails");
    }
  }
};

/// `rerun`: a failed call (raise_exception(false)) is run again when the
/// flow calls it again in a later run.
struct RerunRoot : Flow {
  FailsOnce& work = add_work<FailsOnce>("work", observed());
  State<Json> first_failure{this, "first_failure", Json()};
  State<Json> final_status{this, "final_status", Json()};
  void run() override {
    const auto st = work.call({{"counter", lightning::run_dir() + "/calls"}});
    if (st.has_failed() && first_failure->is_null()) first_failure = st.to_json();
    if (st.has_succeeded()) {
      final_status = st.to_json();
      stop();
    }
  }
};

/// Writes its CLOCK_MONOTONIC time to args["stamp"] right before failing.
struct FailsNow : Work {
  void run(const Json& args) override {
    const std::string how = args.at("how").get<std::string>();
    integ_app::write_file(args.at("stamp").get<std::string>(), std::to_string(monotonic_ns()));
    if (how == "crash") std::abort();
    throw std::runtime_error("fails_now: on purpose");
  }
};

/// `latency <exception|crash>`: records when the flow first sees has_failed().
struct LatencyRoot : Flow {
  FailsNow& work = add_work<FailsNow>("work", observed());
  State<int64_t> seen_ns{this, "seen_ns", 0};
  State<std::string> reason{this, "reason", ""};
  void run() override {
    const auto st = work.call({{"how", arg(1)}, {"stamp", lightning::run_dir() + "/stamp"}});
    if (st.has_failed() && seen_ns == 0) {
      seen_ns = monotonic_ns();
      reason = st.reason;
      stop();
    }
  }
};

/// `flow_throws`: Flow::run itself throws.
struct FlowThrowsRoot : Flow {
  void run() override { throw std::runtime_error("flow exploded: value 42 out of range"); }
};

/// `flow_fails`: the flow gives up with fail().
struct FlowFailsRoot : Flow {
  void run() override { fail("gave up: no data in the bucket"); }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"one_failure", integ_app::scenario<OneFailureRoot>()},
                                  {"fatal", integ_app::scenario<FatalRoot>()},
                                  {"retries", integ_app::scenario<RetriesRoot>()},
                                  {"rerun", integ_app::scenario<RerunRoot>()},
                                  {"latency", integ_app::scenario<LatencyRoot>()},
                                  {"flow_throws", integ_app::scenario<FlowThrowsRoot>()},
                                  {"flow_fails", integ_app::scenario<FlowFailsRoot>()}});
}
