// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Benchmark app for --resume (bench/resume.sh): the flow calls a work with
// ever-new args, one after the other, until <calls> have succeeded, and then
// waits (for the kill). Resumed with all of them journaled, its first run
// finds <calls> done and stops: the resumed process's wall time is what a
// resume costs (load the journal, hash the binary, restore the state and the
// call tables, start). Args: -- <calls> (default 10000).
#include <cstdio>
#include <lightning/lightning.hpp>
#include <string>

namespace {

struct Echo : lightning::Work {
  void run(const lightning::Json& /*args*/) override {}
};

struct Root : lightning::Flow {
  Echo& w = add_work<Echo>("w");  // blocking: one call per flow run
  lightning::State<int64_t> done{this, "done", 0};
  int64_t calls = 10000;
  bool first_run = true;

  Root() {
    if (!lightning::app_args().empty()) calls = std::stoll(lightning::app_args()[0]);
  }

  void run() override {
    if (first_run && done.get() >= calls) {
      std::printf("resumed with %lld calls done\n", static_cast<long long>(done.get()));
      std::fflush(stdout);
      stop();
      return;
    }
    first_run = false;
    if (done.get() >= calls) return;  // all done: wait to be killed
    w.call({{"i", done.get()}});
    done = done + 1;
    if (done.get() == calls) {
      std::printf("calls done\n");
      std::fflush(stdout);
    }
  }
};

}  // namespace

LIGHTNING_APP(Root)
