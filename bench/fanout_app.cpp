// Benchmark app: N parallel trivial works, launch -> all succeeded, and the
// memory of N idle works. Args: -- N [hold]
//   N     number of works (default 50)
//   hold  if "hold", keep the works idle after they succeeded and print
//         "READY <controller pid>" so bench/run.sh can sum PSS, then wait
//         for SIGTERM.
// With $LIGHTNING_BENCH_GO_FILE set, the clock starts only once that file
// exists (bench/cluster.sh starts its workers first).
#include <lightning/lightning.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {
int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
/// False while $LIGHTNING_BENCH_GO_FILE names a file that does not exist yet.
bool go() {
  const char* file = std::getenv("LIGHTNING_BENCH_GO_FILE");
  return file == nullptr || std::ifstream(file).good();
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
    if (t0 == 0 && !go()) {
      schedule_in(std::chrono::milliseconds(5));
      return;
    }
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
