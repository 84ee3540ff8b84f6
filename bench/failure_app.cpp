// Benchmark app: how soon the flow sees a work's failure. The work writes its
// CLOCK_MONOTONIC time to a file right before it throws or crashes (abort);
// the flow reads it when it first sees has_failed(). Args: -- [iterations]
#include <lightning/lightning.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {
int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
std::string stamp_file() { return lightning::run_dir() + "/fail_stamp"; }
}  // namespace

struct Failer : lightning::Work {
  void run(const lightning::Json& args) override {
    { std::ofstream(stamp_file()) << now_ns(); }
    if (args.at("how") == "abort") std::abort();
    throw std::runtime_error("planned failure");
  }
};

struct Root : lightning::Flow {
  Failer& w = add_work<Failer>("w", lightning::WorkOptions().parallel(true).raise_exception(false));
  int iters = 30;
  int i = 0;
  std::vector<double> seen_exception_ms, seen_crash_ms;
  Root() {
    if (!lightning::app_args().empty()) iters = std::stoi(lightning::app_args()[0]);
  }
  void run() override {
    const bool crash = i % 2 == 1;
    auto st = w.call({{"how", crash ? "abort" : "throw"}, {"i", i}});
    if (!st.has_failed()) return;
    const int64_t seen = now_ns();
    int64_t t = 0;
    std::ifstream(stamp_file()) >> t;
    (crash ? seen_crash_ms : seen_exception_ms).push_back((seen - t) / 1e6);
    if (++i < 2 * iters) {
      schedule_in(std::chrono::milliseconds(0));
      return;
    }
    auto med = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("{\"failure_seen_ms\": {\"exception_p50\": %.2f, \"crash_p50\": %.2f, \"crash_max\": %.2f}}\n",
                med(seen_exception_ms), med(seen_crash_ms),
                *std::max_element(seen_crash_ms.begin(), seen_crash_ms.end()));
    std::fflush(stdout);
    stop();
  }
};

LIGHTNING_APP(Root)
