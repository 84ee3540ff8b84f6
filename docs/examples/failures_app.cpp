// Handling failures: automatic retries, a crash the flow inspects
// (raise_exception(false)), and a timeout.
//   lightning-run docs/examples/failures_app.cpp
#include <lightning/lightning.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using lightning::Json;
using lightning::WorkOptions;
using lightning::WorkStatus;

// Throws on its first two calls. An exception does not end the work's process,
// so the plain member `tries_` survives from one attempt to the next.
struct Flaky : lightning::Work {
  lightning::State<int> succeeded_on{this, "succeeded_on", 0};
  int tries_ = 0;

  void run(const Json&) override {
    ++tries_;
    if (tries_ < 3) throw std::runtime_error("transient error on try " + std::to_string(tries_));
    succeeded_on = tries_;
  }
};

struct Crasher : lightning::Work {
  void run(const Json&) override {
    std::fprintf(stderr, "crasher: about to abort\n");
    std::abort();
  }
};

struct Sleeper : lightning::Work {
  void run(const Json& args) override {
    std::this_thread::sleep_for(std::chrono::seconds(args.at("seconds").get<int>()));
  }
};

struct Root : lightning::Flow {
  Flaky& flaky = add_work<Flaky>("flaky", WorkOptions().retries(3).retry_backoff(50ms));
  Crasher& crasher =
      add_work<Crasher>("crasher", WorkOptions().parallel(true).raise_exception(false));
  Sleeper& sleeper = add_work<Sleeper>(
      "sleeper", WorkOptions().parallel(true).raise_exception(false).timeout(300ms));

  void run() override {
    flaky.call();  // blocking: fails twice, is retried, succeeds on attempt 3

    // Start each call once, then watch status(). Calling again with the same
    // args after the flow has seen a failure would start the call again.
    if (crasher.status().call_id == 0) crasher.call();
    if (sleeper.status().call_id == 0) sleeper.call({{"seconds", 30}});
    if (!crasher.status().is_done() || !sleeper.status().is_done()) return;

    std::cout << "flaky succeeded on try " << flaky.succeeded_on << std::endl;
    report("crasher", crasher.status());
    report("sleeper", sleeper.status());
    stop("all failures handled");
  }

  static void report(const std::string& name, const WorkStatus& st) {
    std::cout << name << ": " << lightning::to_string(st.stage) << ", reason " << st.reason;
    if (st.signal) std::cout << ", signal " << *st.signal;
    if (st.exit_code) std::cout << ", exit code " << *st.exit_code;
    std::cout << "\n  " << st.message << std::endl;
  }
};

LIGHTNING_APP(Root)
