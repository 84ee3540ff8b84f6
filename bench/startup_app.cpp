// Benchmark app: prints CLOCK_MONOTONIC (ns) at its first Flow::run and stops.
#include <lightning/lightning.hpp>

#include <cstdio>
#include <ctime>

struct Root : lightning::Flow {
  void run() override {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    std::printf("FIRST_RUN %lld\n", static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
    std::fflush(stdout);
    stop();
  }
};

LIGHTNING_APP(Root)
