// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for ScriptWork: one scenario per run, chosen by the first app
// argument; the second is a directory the test owns (for files the scripts
// write: pids, markers). Each root flow calls the work once and stops the app
// when the call is done, keeping the call's status in its state ("seen").
// Usage: script_app [flags] -- <scenario> <dir>
//   ok | fail | not_found | env_cwd | stop | stop_stubborn | kill9 | big
#include <chrono>
#include <fstream>
#include <iterator>
#include <lightning/components/script.hpp>
#include <lightning/lightning.hpp>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::WorkOptions;
using lightning::components::ScriptCommand;
using lightning::components::ScriptWork;

const std::string& scenario() { return lightning::app_args().at(0); }
const std::string& dir() { return lightning::app_args().at(1); }

bool file_has(const std::string& path, const std::string& text) {
  std::ifstream in(path);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content.find(text) != std::string::npos;
}

/// A subclass with a default command: `env_cwd` overrides only part of it.
struct Greeter : ScriptWork {
  Greeter() : ScriptWork(ScriptCommand{{"sh", "-c", "echo \"$GREETING from $(pwd)\""}}) {}
};

Json args_of(const std::string& s) {
  const std::string d = dir();
  if (s == "ok") {
    return {{"shell", "echo hello; echo warning >&2; echo world; printf 'no newline'"}};
  }
  if (s == "fail") return {{"shell", "echo working; echo 'bad input: x' >&2; exit 3"}};
  if (s == "not_found") return {{"argv", {"no-such-command-lightning", "--flag"}}};
  if (s == "stop") {
    return {{"shell", "sleep 300 & echo $! > " + d + "/grandchild; echo started; wait"}};
  }
  if (s == "stop_stubborn") {
    // The shell and its sleep ignore SIGTERM: only the SIGKILL after the grace ends them.
    return {{"shell", "trap '' TERM; sleep 300 & echo $! > " + d +
                          "/grandchild; echo started; wait; wait; wait"},
            {"grace_period_ms", 300}};
  }
  if (s == "kill9") {
    return {{"shell", "sleep 300 & echo $! > " + d + "/grandchild; echo $$ > " + d +
                          "/shell; echo $PPID > " + d + "/work.tmp; mv " + d + "/work.tmp " + d +
                          "/work; wait"}};
  }
  if (s == "big") {
    // 20 MB in 20,000 lines of 1,000 bytes, then a marker line.
    return {{"shell", "yes $(printf '%0999d' 7) | head -n 20000; echo last-line; echo done >&2"}};
  }
  throw std::invalid_argument("unknown scenario " + s);
}

struct Root : Flow {
  ScriptWork& w = add_work<ScriptWork>(
      "w",
      WorkOptions().parallel(true).raise_exception(false).grace_period(std::chrono::seconds(5)));
  Greeter& greeter = add_work<Greeter>("greeter", WorkOptions().raise_exception(false));
  ScriptWork& waiter = add_work<ScriptWork>("waiter", WorkOptions().parallel(true));
  State<Json> seen{this, "seen", Json()};
  bool stopped_work = false;

  void run() override {
    if (scenario() == "env_cwd") {
      const auto st = greeter.call({{"env", {{"GREETING", "hi"}}}, {"cwd", dir()}});
      if (st.is_done()) {
        seen = st.to_json();
        stop("done");
      }
      return;
    }
    // `stop`, `stop_stubborn`, `kill9`: once w's call is done the app lives on,
    // so that the work forker's clean-up at the app's end cannot be what ends
    // the command's processes: a second command waits until the test writes
    // to the FIFO <dir>/release. w is called once (a failure is not re-run).
    const bool holds = scenario() != "ok" && scenario() != "fail" && scenario() != "not_found" &&
                       scenario() != "big";
    if (holds && !seen.get().is_null()) {
      if (waiter.call({{"shell", "read line < " + dir() + "/release"}}).is_done()) stop("done");
      return;
    }
    const auto st = w.call(args_of(scenario()));
    const bool stops = scenario() == "stop" || scenario() == "stop_stubborn";
    // The script said it started (its tail reaches the flow within kTailInterval).
    if (stops && !stopped_work && w.stdout_tail.get() == "started" &&
        file_has(dir() + "/grandchild", "\n")) {
      stopped_work = true;
      w.stop();
    }
    if (st.is_done()) {
      seen = st.to_json();
      if (!holds) stop("done");
    }
  }
};

}  // namespace

LIGHTNING_APP(Root)
