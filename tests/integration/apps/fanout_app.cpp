// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for `--resume` of works made inside Flow::run()
// (tests/integration/journal_test.cpp, ResumeTest): the root makes its works
// on the fly, one per step, and calls each (blocking) before it makes the
// next: "t9", "t8", ... (names whose sorted order is not the order they were
// made in). Usage: fanout_app [flags] -- <works>   (at most 9)
// Each work is made with WorkOptions().retries(1).retry_backoff(0): a failed
// call is run once more. At the end the root prints "order: t9 t8 ..." (its
// works() in order) and stops.
// As in journal_app.cpp, with $JOURNAL_APP_COUNTER set the work appends
// "<i> <its pid>\n" to that file each time it runs, and waits while
// "<counter>.block-<i>" exists; if "<counter>.fail-<i>" exists, it removes it
// and fails (once).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <lightning/lightning.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "app_support.hpp"

namespace {

struct Task : lightning::Work {
  lightning::State<int64_t> ran{this, "ran", -1};
  void run(const lightning::Json& args) override {
    const int64_t i = args.at("i").get<int64_t>();
    const std::string counter = integ_app::count_call_and_hold(i);
    if (!counter.empty() && ::unlink((counter + ".fail-" + std::to_string(i)).c_str()) == 0) {
      throw std::runtime_error("failing once, as asked");
    }
    ran = i;
  }
};

struct Root : lightning::Flow {
  lightning::State<int64_t> made{this, "made", 0};
  int64_t limit = 4;

  Root() {
    if (!lightning::app_args().empty()) limit = std::stoll(lightning::app_args()[0]);
  }

  void run() override {
    for (int64_t i = 0; i < limit; ++i) {
      // Made on the fly: the first time run() gets here, and on a resume,
      // given back as the journal had it.
      Task& t = add_work<Task>(
          "t" + std::to_string(9 - i),
          lightning::WorkOptions().retries(1).retry_backoff(std::chrono::milliseconds(0)));
      if (made.get() < i + 1) made = i + 1;
      t.call({{"i", i}});  // blocking: run() ends here until it is done
    }
    std::string order;
    for (const lightning::Work* w : works()) order += " " + w->name();
    std::printf("order:%s\n", order.c_str());
    std::fflush(stdout);
    stop();
  }
};

}  // namespace

LIGHTNING_APP(Root)
