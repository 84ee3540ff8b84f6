// {{name}}: a Lightning app (made by `lightning init app {{name}}`). Run it with
//   lightning run app.cpp
// It exits 0 when the root flow calls stop() and 1 when it fails, so a test is
// just running it (see README.md).
#include <lightning/lightning.hpp>

#include <iostream>
#include <stdexcept>
#include <string>

/// Squares a number in its own process.
struct Square : lightning::Work {
  lightning::State<long> result{this, "result", 0};
  /// args["x"]: the number (an integer).
  void run(const lightning::Json& args) override {
    const long x = args.at("x").get<long>();
    result = x * x;
  }
};

struct Root : lightning::Flow {
  Square& square = add_work<Square>("square");
  lightning::State<bool> done{this, "done", false};

  void run() override {
    if (!square.call({{"x", 12}}).has_succeeded()) return;  // run() runs again when it is done
    std::cout << "12 squared is " << square.result << std::endl;
    if (square.result != 144) {
      throw std::runtime_error("wrong result: " + std::to_string(square.result));  // exit code 1
    }
    done = true;
    stop();
  }
};

LIGHTNING_APP(Root)
