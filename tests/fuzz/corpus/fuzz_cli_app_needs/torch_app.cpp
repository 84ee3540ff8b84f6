// Benchmark app that links libtorch: the zygote makes work start-up independent
// of libtorch's ~0.5 s process start. N parallel works each run a small
// matmul; prints launch -> all succeeded. Args: -- N
#include <lightning/lightning.hpp>
#include <torch/torch.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace {
int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
}  // namespace

struct MatMul : lightning::Work {
  lightning::State<double> sum{this, "sum", 0.0};
  void run(const lightning::Json&) override {
    auto a = torch::ones({16, 16});
    sum = a.matmul(a).sum().item<double>();
  }
};

struct Root : lightning::Flow {
  int n = 10;
  int64_t t0 = 0;
  Root() {
    if (!lightning::app_args().empty()) n = std::stoi(lightning::app_args()[0]);
  }
  void run() override {
    if (t0 == 0) t0 = now_ns();
    int done = 0;
    for (int i = 0; i < n; ++i) {
      auto& w = add_work<MatMul>("w" + std::to_string(i), lightning::WorkOptions().parallel(true));
      done += w.call().has_succeeded() ? 1 : 0;
    }
    if (done == n) {
      std::printf("{\"torch_works\": %d, \"all_succeeded_ms\": %.2f, \"sum\": %.0f}\n", n,
                  (now_ns() - t0) / 1e6, works()[0] != nullptr ? static_cast<MatMul*>(works()[0])->sum.get() : 0.0);
      std::fflush(stdout);
      stop();
    }
  }
};

LIGHTNING_APP(Root)
