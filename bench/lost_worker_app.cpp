// Benchmark app for bench/cluster.sh's "lost": `victim` (retries(1)) writes
// <run dir>/victim.running with the worker it runs on (its
// $LIGHTNING_CACHE_DIR, under the worker's --work-dir) and blocks; the script
// kills that worker. The second attempt writes <run dir>/victim.rerun with
// its start time (CLOCK_MONOTONIC, ns, shared by all processes on one
// machine) and the app ends.
#include <lightning/lightning.hpp>

#include <chrono>
#include <cstdlib>
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

struct Victim : lightning::Work {
  void run(const lightning::Json&) override {
    const int64_t started = now_ns();
    const std::string dir = lightning::run_dir();
    const char* cache = std::getenv("LIGHTNING_CACHE_DIR");
    if (!std::ifstream(dir + "/victim.running").good()) {
      std::ofstream(dir + "/victim.running.tmp") << (cache != nullptr ? cache : "") << "\n";
      std::rename((dir + "/victim.running.tmp").c_str(), (dir + "/victim.running").c_str());
      while (!lightning::stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return;
    }
    std::ofstream(dir + "/victim.rerun.tmp") << started << "\n";
    std::rename((dir + "/victim.rerun.tmp").c_str(), (dir + "/victim.rerun").c_str());
  }
};

struct Root : lightning::Flow {
  Victim& victim = add_work<Victim>("victim", lightning::WorkOptions().retries(1).retry_backoff(
                                                  std::chrono::milliseconds(0)));
  void run() override {
    if (victim.call().has_succeeded()) stop();
  }
};

LIGHTNING_APP(Root)
