// Benchmark app: measures, with real work processes over real gRPC,
//  - dispatch: flow calls a parallel work -> the work's body starts
//  - blocking: flow calls a non-parallel work -> flow sees it succeeded
//  - state:    work assigns a field -> flow sees the new value
// Times come from CLOCK_MONOTONIC, shared by all processes on one machine.
// Prints one JSON object with medians and p90s (µs), and the loop thread's CPU
// per iteration of each phase (µs, CLOCK_THREAD_CPUTIME_ID: run() is on the
// loop thread). Args: -- [iterations]
// With $LIGHTNING_BENCH_GO_FILE set, it starts only once that file exists
// (bench/http_sse.sh connects SSE clients first).
#include <lightning/lightning.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace {
int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}
}  // namespace

struct Echo : lightning::Work {
  lightning::State<int64_t> started_ns{this, "started_ns", 0};
  lightning::State<int64_t> stamp_ns{this, "stamp_ns", 0};
  void run(const lightning::Json& args) override {
    if (args.value("mode", "") == "start") started_ns = now_ns();
    if (args.value("mode", "") == "stamp") stamp_ns = now_ns();
  }
};

/// False while $LIGHTNING_BENCH_GO_FILE names a file that does not exist yet.
bool go() {
  const char* file = std::getenv("LIGHTNING_BENCH_GO_FILE");
  return file == nullptr || std::ifstream(file).good();
}

struct Root : lightning::Flow {
  Echo& par = add_work<Echo>("par", lightning::WorkOptions().parallel(true));
  Echo& blk = add_work<Echo>("blk");
  int iters = 200;
  int i = 0;
  int phase = 0;  // 0 warm-up, 1 dispatch, 2 blocking, 3 state
  int64_t t0 = 0;
  int64_t last_started = 0, last_stamp = 0;
  std::vector<double> dispatch, blocking, state;
  int64_t cpu_at[4] = {};  // the loop thread's CPU time when each phase began, and at the end

  Root() {
    if (!lightning::app_args().empty()) iters = std::stoi(lightning::app_args()[0]);
  }

  void run() override {
    if (phase == 0 && !go()) {
      schedule_in(std::chrono::milliseconds(5));
      return;
    }
    if (phase == 0) {  // warm up both processes
      if (!par.call({{"i", -1}}).has_succeeded()) return;
      blk.call({{"i", -1}});
      phase = 1;
      cpu_at[0] = thread_cpu_ns();
    }
    if (phase == 1) {
      if (par.started_ns.get() != last_started && par.status().has_succeeded()) {
        dispatch.push_back((par.started_ns.get() - t0) / 1e3);
        last_started = par.started_ns.get();
        ++i;
      }
      if (par.status().is_done() || i == 0) {
        if (i >= iters) {
          phase = 2;
          cpu_at[1] = thread_cpu_ns();
          i = 0;
        } else if (t0 == 0 || par.started_ns.get() == last_started) {
          t0 = now_ns();
          par.call({{"mode", "start"}, {"i", i}});
          return;
        }
      }
      if (phase == 1) return;
    }
    if (phase == 2) {
      while (i < iters) {
        if (t0 == 0) t0 = now_ns();
        blk.call({{"i", i}});  // ends run() here until done
        blocking.push_back((now_ns() - t0) / 1e3);
        t0 = 0;
        ++i;
      }
      phase = 3;
      i = 0;
      cpu_at[2] = thread_cpu_ns();
    }
    if (phase == 3) {
      if (par.stamp_ns.get() != last_stamp) {
        state.push_back((now_ns() - par.stamp_ns.get()) / 1e3);
        last_stamp = par.stamp_ns.get();
      }
      if (static_cast<int>(state.size()) >= iters) {
        cpu_at[3] = thread_cpu_ns();
        auto per_iter = [&](int p) { return (cpu_at[p + 1] - cpu_at[p]) / 1e3 / iters; };
        std::printf(
            "{\"iterations\": %d, \"dispatch_us\": {\"p50\": %.1f, \"p90\": %.1f}, "
            "\"blocking_us\": {\"p50\": %.1f, \"p90\": %.1f}, \"state_us\": {\"p50\": %.1f, "
            "\"p90\": %.1f}, \"loop_cpu_us_per_iteration\": {\"dispatch\": %.1f, "
            "\"blocking\": %.1f, \"state\": %.1f}}\n",
            iters, pct(dispatch, 0.5), pct(dispatch, 0.9), pct(blocking, 0.5), pct(blocking, 0.9),
            pct(state, 0.5), pct(state, 0.9), per_iter(0), per_iter(1), per_iter(2));
        std::fflush(stdout);
        stop();
        return;
      }
      par.call({{"mode", "stamp"}, {"i", 100000 + i++}});
    }
  }
};

LIGHTNING_APP(Root)
