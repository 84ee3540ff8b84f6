// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for the failure drills (drills_test.cpp): a work killed from
// outside mid-call, a run directory whose disk fills up, garbage on the
// controller's port while works are calling, the controller killed while
// works (and their children) run, and works that crash with odd output.
// Usage: drills_app [flags] -- <scenario> [args...]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app_support.hpp"

namespace {

using integ_app::arg;
using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

/// Stays in the call until `deadline` passes, looking at nothing else: only
/// a signal (the drill) ends it early.
void stay_busy(std::chrono::seconds how_long) {
  const auto deadline = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// ------------------------------------------------------------ kill mid-call

/// result = 2 * x; logs one line per call so a re-run would show.
struct Doubler : Work {
  State<int> result{this, "result", 0};
  void run(const Json& args) override {
    std::cout << name() << " ran with x=" << args.at("x").get<int>() << std::endl;
    result = 2 * args.at("x").get<int>();
  }
};

/// First attempt: prints "victim pid=P attempt=1" and stays in the call for
/// 30 s (the test kills it with SIGKILL meanwhile). Later attempts succeed
/// at once. Attempts are counted in a file: a killed process keeps no state.
struct Victim : Work {
  State<int> pid{this, "pid", 0};
  State<int> attempts{this, "attempts", 0};
  State<int> result{this, "result", 0};
  void run(const Json& args) override {
    const int attempt = integ_app::bump_counter(args.at("counter").get<std::string>());
    pid = static_cast<int>(getpid());
    attempts = attempt;
    std::cout << "victim pid=" << getpid() << " attempt=" << attempt << std::endl;
    if (attempt == 1) {
      stay_busy(std::chrono::seconds(30));
      throw std::runtime_error("victim: nobody killed me within 30 s");
    }
    result = 42;
  }
};

/// Mid-call in parallel with the victim: waits until args["go"] exists (the
/// test creates it after the kill), then answers.
struct Bystander : Work {
  State<int> result{this, "result", 0};
  void run(const Json& args) override {
    if (!integ_app::wait_for_file(args.at("go").get<std::string>(), std::chrono::seconds(20))) {
      throw std::runtime_error("bystander: " + args.at("go").get<std::string>() +
                               " never appeared");
    }
    result = 7;
  }
};

/// `kill_mid_call <retries>`: two works succeed first (21 -> 42, 50 -> 100);
/// then victim (retries(<retries>), raise_exception(false)) and bystander run
/// side by side. The flow records the victim's final status and stops.
struct KillMidCallRoot : Flow {
  Doubler& first = add_work<Doubler>("first", WorkOptions().parallel(true));
  Doubler& second = add_work<Doubler>("second", WorkOptions().parallel(true));
  Victim& victim = add_work<Victim>("victim", WorkOptions()
                                                  .parallel(true)
                                                  .retries(std::stoi(arg(1)))
                                                  .retry_backoff(std::chrono::milliseconds(20))
                                                  .raise_exception(false));
  Bystander& bystander = add_work<Bystander>("bystander", WorkOptions().parallel(true));
  State<Json> victim_seen{this, "victim_seen", Json()};

  void run() override {
    // Both calls are made in every run (no short-circuit): they run side by side.
    const bool first_done = first.call({{"x", 21}}).has_succeeded();
    const bool second_done = second.call({{"x", 50}}).has_succeeded();
    if (!first_done || !second_done) return;
    // Once the victim's outcome is seen, stop calling it: calling a failed call
    // again in a later run would re-run it (after the re-run backoff).
    if (victim_seen->is_null()) {
      const auto v = victim.call({{"counter", lightning::run_dir() + "/victim_attempts"}});
      if (v.is_done()) victim_seen = v.to_json();
    }
    const auto b = bystander.call({{"go", lightning::run_dir() + "/go"}});
    if (!victim_seen->is_null() && b.is_done()) stop("victim done");
  }
};

// ------------------------------------------------------------ disk full

/// Prints args["mib"] MiB of numbered lines (stdout, every 16th to stderr).
struct Flooder : Work {
  State<int> lines{this, "lines", 0};
  void run(const Json& args) override {
    const int total = args.at("mib").get<int>() * 1024 * 1024 / 64;
    std::string pad(48, 'x');
    for (int i = 1; i <= total; ++i) {
      std::printf("flood %08d %s\n", i, pad.c_str());  // 64 bytes a line
      if (i % 16 == 0) std::fprintf(stderr, "flood stderr %08d\n", i);
    }
    std::fflush(stdout);
    lines = total;
  }
};

/// `flood <mib> [extra=0]`: flooder prints <mib> MiB, then <extra> works made
/// in run() double 1..extra at once (their "running"/"succeeded" lines put
/// several KiB into controller.log after the disk is full), then a fresh
/// work (its process starts when the disk is already full) doubles 21. The
/// flow prints both results to the app's stdout ("flooder lines=N", "extra
/// sum=S", "after result=42"), since state.json may not fit on the disk.
struct FloodRoot : Flow {
  Flooder& flooder = add_work<Flooder>("flooder");
  Doubler& after = add_work<Doubler>("after");
  State<int> after_result{this, "after_result", 0};
  bool printed_lines = false;
  bool printed_extra = false;
  void run() override {
    flooder.call({{"mib", std::stoi(arg(1))}});
    if (!printed_lines) {
      printed_lines = true;
      std::printf("flooder lines=%d\n", flooder.lines.get());
      std::fflush(stdout);
    }
    const int extra = arg(2).empty() ? 0 : std::stoi(arg(2));
    int sum = 0;
    bool extra_done = true;
    for (int i = 1; i <= extra; ++i) {
      Doubler& d = add_work<Doubler>("extra_" + std::to_string(i));
      extra_done = d.call({{"x", i}}).has_succeeded() && extra_done;
      sum += d.result.get();
    }
    if (!extra_done) return;
    if (!printed_extra && extra > 0) {
      printed_extra = true;
      std::printf("extra sum=%d\n", sum);
      std::fflush(stdout);
    }
    after.call({{"x", 21}});
    after_result = after.result.get();
    std::printf("after result=%d\n", after.result.get());
    std::fflush(stdout);
    stop("flood done");
  }
};

// ------------------------------------------------------------ steady calls

/// result = x * x; counts its calls (the process stays up between calls).
struct Squarer : Work {
  State<int64_t> result{this, "result", 0};
  State<int> calls{this, "calls", 0};
  void run(const Json& args) override {
    const int64_t x = args.at("x").get<int64_t>();
    result = x * x;
    calls = calls + 1;
  }
};

/// `steady <n> <mark file> <release file> <calling file>`: <n> parallel works,
/// each called again with the next x as soon as its previous call succeeded,
/// checking every result. Once every work has finished a call it creates
/// <calling file> (all processes are up and calls flow: the test starts its
/// garbage then, not while slow builds are still starting works). The flow
/// records how many calls had succeeded when it first saw <mark file> and
/// <release file>; after the release it lets the calls in flight finish and
/// stops.
struct SteadyRoot : Flow {
  const int n = std::stoi(arg(1));
  const std::string mark_file = arg(2);
  const std::string release_file = arg(3);
  const std::string calling_file = arg(4);
  bool said_calling = false;
  std::vector<Squarer*> works;
  std::vector<int64_t> next_x;
  std::vector<uint64_t> counted_call;  // call id of the latest call already counted
  State<int64_t> succeeded{this, "succeeded", 0};
  State<int64_t> wrong{this, "wrong", 0};
  State<int64_t> failed{this, "failed", 0};
  State<int64_t> succeeded_at_mark{this, "succeeded_at_mark", -1};
  State<int64_t> succeeded_at_release{this, "succeeded_at_release", -1};
  State<std::vector<int64_t>> per_work{this, "per_work", {}};

  void run() override {
    if (works.empty()) {
      for (int i = 0; i < n; ++i) {
        works.push_back(&add_work<Squarer>("w" + std::to_string(i),
                                           WorkOptions().parallel(true).raise_exception(false)));
        works.back()->call({{"x", 1}});
      }
      next_x.assign(n, 1);
      counted_call.assign(n, 0);
      per_work = std::vector<int64_t>(n, 0);
      return;
    }
    if (succeeded_at_mark < 0 && integ_app::file_exists(mark_file)) {
      succeeded_at_mark = succeeded.get();
    }
    if (succeeded_at_release < 0 && integ_app::file_exists(release_file)) {
      succeeded_at_release = succeeded.get();
    }
    const bool released = succeeded_at_release >= 0;
    int idle = 0;  // works whose latest call is done and that get no further call
    for (int i = 0; i < n; ++i) {
      Squarer& w = *works[i];
      const auto& st = w.status();
      if (!st.is_done()) continue;
      if (st.call_id == counted_call[i]) {  // counted in an earlier run: released
        ++idle;
        continue;
      }
      counted_call[i] = st.call_id;
      if (st.has_succeeded()) {
        if (w.result.get() != next_x[i] * next_x[i]) wrong = wrong + 1;
        per_work.update([&](auto& v) { ++v[i]; });
        succeeded = succeeded + 1;
      } else {
        std::fprintf(stderr, "steady: %s failed: %s\n", w.path().c_str(), st.message.c_str());
        failed = failed + 1;
      }
      if (released) {
        ++idle;
      } else {
        w.call({{"x", ++next_x[i]}});
      }
    }
    if (!said_calling && std::all_of(per_work.get().begin(), per_work.get().end(),
                                     [](int64_t calls) { return calls > 0; })) {
      integ_app::write_file(calling_file, "");
      said_calling = true;
    }
    if (released && idle == n) stop("steady calls done");
  }
};

// ------------------------------------------------------------ controller killed

/// Starts `sleep 300` in the background through the shell (it stays in the
/// work's process group; with args["setsid"], in a session of its own),
/// prints "<name> pid=P zygote=Z grandchild=G" and stays in the call for 30 s.
struct Parent : Work {
  void run(const Json& args) override {
    const std::string command = std::string(args.value("setsid", false) ? "setsid " : "") +
                                "sleep 300 </dev/null >/dev/null 2>&1 & echo $!";
    FILE* sh = popen(command.c_str(), "r");
    if (sh == nullptr) throw std::runtime_error("popen failed");
    int grandchild = 0;
    if (std::fscanf(sh, "%d", &grandchild) != 1) grandchild = 0;
    pclose(sh);
    std::cout << name() << " pid=" << getpid() << " zygote=" << getppid()
              << " grandchild=" << grandchild << std::endl;
    stay_busy(std::chrono::seconds(30));
  }
};

/// `three_parents [setsid]`: three parallel works, each mid-call with a
/// grandchild; with `setsid`, c's grandchild leaves the work's session.
struct ThreeParentsRoot : Flow {
  Parent& a = add_work<Parent>("a", WorkOptions().parallel(true));
  Parent& b = add_work<Parent>("b", WorkOptions().parallel(true));
  Parent& c = add_work<Parent>("c", WorkOptions().parallel(true));
  void run() override {
    const bool a_done = a.call().is_done();
    const bool b_done = b.call().is_done();
    const bool c_done = c.call({{"setsid", arg(1) == "setsid"}}).is_done();
    if (a_done && b_done && c_done) stop("the calls ended on their own");
  }
};

// ------------------------------------------------------------ odd output, then a crash

/// args["how"]:
///  close_then_abort       closes fds 1 and 2, then aborts at once
///  close_wait_then_abort  closes fds 1 and 2, lets the controller see EOF, aborts
///  partial_stderr         writes "crasher: last words without newline" to
///                         stderr with no '\n', then aborts
///  partial_stdout         the same on stdout (written with write(2): a stdio
///                         buffer would die with the process)
struct Crasher : Work {
  void run(const Json& args) override {
    const std::string how = args.at("how").get<std::string>();
    std::fprintf(stderr, "crasher: about to %s\n", how.c_str());
    if (how == "close_then_abort" || how == "close_wait_then_abort") {
      close(STDOUT_FILENO);
      close(STDERR_FILENO);
      if (how == "close_wait_then_abort") {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    } else {
      const std::string words = "crasher: last words without newline";
      const int fd = how == "partial_stdout" ? STDOUT_FILENO : STDERR_FILENO;
      if (write(fd, words.data(), words.size()) < 0) std::abort();
    }
    std::abort();
  }
};

/// `crash <how> [fatal]`: calls crasher with raise_exception(false) and records
/// the status the flow saw; with `fatal`, default options (the app fails).
struct CrashRoot : Flow {
  Crasher& crasher = add_work<Crasher>(
      "crasher", arg(2) == "fatal" ? WorkOptions() : WorkOptions().raise_exception(false));
  State<Json> seen{this, "seen", Json()};
  void run() override {
    const auto st = crasher.call({{"how", arg(1)}});
    seen = st.to_json();
    stop("crasher seen");
  }
};

// ------------------------------------------------------------ the work forker killed

/// Waits until args["wait_for"] exists (the bystander is mid-call), prints
/// "killer pid=P forker=F", SIGKILLs its parent, the work forker (zygote),
/// and stays in the call: it dies with the forker (PR_SET_PDEATHSIG).
struct ForkerKiller : Work {
  void run(const Json& args) override {
    if (!integ_app::wait_for_file(args.at("wait_for").get<std::string>(),
                                  std::chrono::seconds(20))) {
      throw std::runtime_error("killer: the bystander never started");
    }
    const pid_t forker = getppid();
    std::cout << "killer pid=" << getpid() << " forker=" << forker << std::endl;
    if (kill(forker, SIGKILL) != 0) throw std::runtime_error("killer: kill failed");
    stay_busy(std::chrono::seconds(30));
    throw std::runtime_error("killer: still alive 30 s after killing the forker");
  }
};

/// First attempt: creates args["running"], prints "bystander pid=P forker=F
/// attempt=1" and stays in the call (the forker's death ends it). Later
/// attempts print the same line and succeed at once.
struct Patient : Work {
  State<int> attempts{this, "attempts", 0};
  State<int> forker{this, "forker", 0};
  void run(const Json& args) override {
    const int attempt = integ_app::bump_counter(args.at("counter").get<std::string>());
    attempts = attempt;
    forker = static_cast<int>(getppid());
    std::cout << "bystander pid=" << getpid() << " forker=" << getppid() << " attempt=" << attempt
              << std::endl;
    if (attempt == 1) {
      std::ofstream(args.at("running").get<std::string>()) << "running";
      stay_busy(std::chrono::seconds(30));
      throw std::runtime_error("bystander: the forker's death did not end me within 30 s");
    }
  }
};

/// `kill_forker`: bystander (retries(1)) and killer run side by side; the
/// killer kills the work forker while both are mid-call. Once the killer's
/// failure is seen, a fresh work ("after", 21 -> 42) is called; the flow
/// stops when it and the bystander are done.
struct KillForkerRoot : Flow {
  Patient& bystander =
      add_work<Patient>("bystander", WorkOptions()
                                         .parallel(true)
                                         .retries(1)
                                         .retry_backoff(std::chrono::milliseconds(20))
                                         .raise_exception(false));
  ForkerKiller& killer =
      add_work<ForkerKiller>("killer", WorkOptions().parallel(true).raise_exception(false));
  Doubler& after = add_work<Doubler>("after", WorkOptions().parallel(true).raise_exception(false));
  State<Json> killer_seen{this, "killer_seen", Json()};

  void run() override {
    const std::string dir = lightning::run_dir();
    const auto b = bystander.call(
        {{"counter", dir + "/bystander_attempts"}, {"running", dir + "/bystander_running"}});
    if (killer_seen->is_null()) {
      const auto k = killer.call({{"wait_for", dir + "/bystander_running"}});
      if (k.is_done()) killer_seen = k.to_json();
    }
    if (killer_seen->is_null()) return;
    const auto a = after.call({{"x", 21}});
    if (a.is_done() && b.is_done()) stop("forker drill done");
  }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"kill_mid_call", integ_app::scenario<KillMidCallRoot>()},
                                  {"flood", integ_app::scenario<FloodRoot>()},
                                  {"steady", integ_app::scenario<SteadyRoot>()},
                                  {"three_parents", integ_app::scenario<ThreeParentsRoot>()},
                                  {"crash", integ_app::scenario<CrashRoot>()},
                                  {"kill_forker", integ_app::scenario<KillForkerRoot>()}});
}
