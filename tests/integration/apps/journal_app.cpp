// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for the journal (tests/integration/journal_test.cpp): the flow
// calls a blocking work with ever-new args, one after the other, and counts
// the calls that succeeded. Usage: journal_app [flags] -- <calls>
//   <calls>: how many calls before stop(); -1: call for ever (until killed).
// Prints "done N" after each. In every consistent state the work's `last`
// (the i of the latest call it ran) is `done` - 1 or `done`.
// With $JOURNAL_APP_COUNTER set (a file outside the run), the work appends
// "<i> <its pid>\n" to it each time it runs a call, before anything else: a count kept
// outside the app of how often each call ran (the resume tests). While a file
// "<counter>.block-<i>" exists, the call for i waits for its removal.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <lightning/lightning.hpp>
#include <string>
#include <thread>

#include "app_support.hpp"

namespace {

struct Counter : lightning::Work {
  lightning::State<int64_t> last{this, "last", -1};
  void run(const lightning::Json& args) override {
    const int64_t i = args.at("i").get<int64_t>();
    integ_app::count_call_and_hold(i);
    last = i;
  }
};

struct Root : lightning::Flow {
  Counter& w = add_work<Counter>("w");  // blocking: call() ends the run until done
  lightning::State<int64_t> done{this, "done", 0};
  int64_t limit = 20;

  Root() {
    if (!lightning::app_args().empty()) limit = std::stoll(lightning::app_args()[0]);
  }

  void run() override {
    if (limit >= 0 && done.get() >= limit) {
      stop();
      return;
    }
    w.call({{"i", done.get()}});
    done = done + 1;  // a change: the flow runs again and makes the next call
    std::printf("done %lld\n", static_cast<long long>(done.get()));
    std::fflush(stdout);
  }
};

}  // namespace

LIGHTNING_APP(Root)
