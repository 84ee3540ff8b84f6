// Benchmark app: N parallel trivial works, launch -> all succeeded, and the
// memory of N idle works. Args: -- N [hold]
//   N     number of works (default 50)
//   hold  if "hold", keep the works idle after they succeeded and print
//         "READY <controller pid>" so bench/run.sh can sum PSS, then wait
//         for SIGTERM.
#include <lightning/lightning.hpp>

#include <cstdio>
#include <ctime>
#include <string>
#include <unistd.h>

namespace {
int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
}  // namespace

struct Noop : lightning::Work {
  void run(const lightning::Json&) override {}
};

struct Root : lightning::Flow {
  int n = 50;
  bool hold = false;
  int64_t t0 = 0;
  bool reported = false;
  Root() {
    const auto& a = lightning::app_args();
    if (!a.empty()) n = std::stoi(a[0]);
    hold = a.size() > 1 && a[1] == "hold";
  }
  void run() override {
    if (t0 == 0) t0 = now_ns();
    int done = 0;
    for (int i = 0; i < n; ++i) {
      auto& w = add_work<Noop>("w" + std::to_string(i), lightning::WorkOptions().parallel(true));
      done += w.call().has_succeeded() ? 1 : 0;
    }
    if (done == n && !reported) {
      reported = true;
      std::printf("{\"works\": %d, \"all_succeeded_ms\": %.2f}\n", n, (now_ns() - t0) / 1e6);
      if (hold) std::printf("READY %d\n", static_cast<int>(getpid()));
      std::fflush(stdout);
      if (!hold) stop();
    }
  }
};

LIGHTNING_APP(Root)
