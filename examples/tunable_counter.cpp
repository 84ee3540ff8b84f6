// An app you steer over its HTTP API while it runs (docs/api.md):
//  - `target` is writable from outside: POST /api/v1/state changes it, and the
//    flow stops once the work's count reaches it;
//  - routes of its own under /app/api (Flow::configure_api):
//      GET  /app/api/progress        {"count": N, "target": M}
//      POST /app/api/target          {"target": M} -> {"target": M}
//      POST /app/api/wait_for        {"count": N}  -> answered once the count reaches N
//                                    (a deferred route: it does not hold the loop)
//
//   lightning-run examples/tunable_counter.cpp -- --port 7501
//   curl -s localhost:7501/app/api/progress
//   curl -s -X POST -H "Authorization: Bearer $(cat .lightning/runs/*/api-token)" \
//        -d '{"target": 50}' localhost:7501/app/api/target
#include <chrono>
#include <lightning/lightning.hpp>
#include <thread>
#include <vector>

struct Ticker : lightning::Work {
  lightning::State<int> count{this, "count", 0};
  void run(const lightning::Json& args) override {
    const auto period = std::chrono::milliseconds(args.value("period_ms", 5));
    for (;;) {
      count = count + 1;
      std::this_thread::sleep_for(period);
    }
  }
};

struct Root : lightning::Flow {
  Ticker& ticker = add_work<Ticker>("ticker", lightning::WorkOptions().parallel(true));
  /// Where the count stops; far away until someone sets it.
  lightning::State<int> target{this, "target", 1000000000, lightning::External::kWritable};
  std::vector<std::pair<int, lightning::Responder>> waiting_;

  void run() override {
    ticker.call({{"period_ms", 5}});
    const int count = ticker.count;
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (count >= it->first || !it->second.is_pending()) {
        it->second.reply({{"count", count}});
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    if (count >= target) stop("reached the target " + std::to_string(target.get()));
  }

  lightning::Json progress(const lightning::Json&) {
    return {{"count", ticker.count.get()}, {"target", target.get()}};
  }

  lightning::Json set_target(const lightning::Json& body) {
    if (!body.is_object() || !body.contains("target") || !body.at("target").is_number_integer()) {
      throw lightning::HttpError(400, R"(send {"target": <integer>})");
    }
    target = body.at("target").get<int>();
    return {{"target", target.get()}};
  }

  void wait_for(const lightning::Json& body, lightning::Responder answer) {
    const int count = body.value("count", 0);
    if (ticker.count >= count) {
      answer.reply({{"count", ticker.count.get()}});
    } else {
      waiting_.emplace_back(count, std::move(answer));
    }
  }

  std::vector<lightning::Route> configure_api() override {
    return {lightning::Route::get("/progress", &Root::progress),
            lightning::Route::post("/target", &Root::set_target),
            lightning::Route::post_deferred("/wait_for", &Root::wait_for)
                .timeout(std::chrono::seconds(10))};
  }
};

LIGHTNING_APP(Root)
