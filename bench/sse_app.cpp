// Benchmark app (not a test) for bench/http_sse.sh: a work assigns a field,
// `t_ns`, its CLOCK_MONOTONIC time in ns, every 2 ms, K times (default 500),
// once `<run dir>/go` exists (the SSE client creates it when it is connected),
// then the app stops. bench_sse_clients measures how long after each
// assignment the client had it. Args: -- [K]
#include <lightning/lightning.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

namespace {
int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
}  // namespace

struct Ticker : lightning::Work {
  lightning::State<int64_t> t_ns{this, "t_ns", 0};
  void run(const lightning::Json& args) override {
    const std::string go = lightning::run_dir() + "/go";
    while (!std::ifstream(go).good()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const int k = args.at("k").get<int>();
    for (int i = 0; i < k; ++i) {
      t_ns = now_ns();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
};

struct Root : lightning::Flow {
  Ticker& ticker = add_work<Ticker>("ticker", lightning::WorkOptions().parallel(true));
  void run() override {
    const int k = lightning::app_args().empty() ? 500 : std::stoi(lightning::app_args()[0]);
    if (ticker.call({{"k", k}}).has_succeeded()) stop();
  }
};

LIGHTNING_APP(Root)
