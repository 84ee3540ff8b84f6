// An app to watch in the dashboard (docs/getting-started.md, "The dashboard"):
// `train` lowers a numeric `loss` for about 2 s (a curve appears by itself),
// then `evaluate` scores it and writes a report page that a static-folder tab
// shows; `serve` stands for a model server and runs until it is stopped. The
// app runs until you stop it (the dashboard's "Stop app", or Ctrl-C).
//   lightning-run examples/dashboard_demo.cpp        # then open the printed URL
//   lightning-run examples/dashboard_demo.cpp -- --steps 100 --step-ms 100
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <lightning/lightning.hpp>
#include <string>
#include <thread>

namespace {

/// The value after `flag` in the app's arguments, or `fallback`.
int app_arg(const std::string& flag, int fallback) {
  const auto& args = lightning::app_args();
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) return std::stoi(args[i + 1]);
  }
  return fallback;
}

}  // namespace

struct Train : lightning::Work {
  lightning::State<double> loss{this, "loss", 2.5};
  lightning::State<int> step{this, "step", 0};
  void run(const lightning::Json& args) override {
    const int steps = args.at("steps").get<int>();
    const auto pause = std::chrono::milliseconds(args.at("step_ms").get<int>());
    for (int i = 1; i <= steps && !lightning::stop_requested(); ++i) {
      std::this_thread::sleep_for(pause);
      step = i;
      loss = 2.5 * std::exp(-4.0 * i / steps) + 0.05 * std::sin(i);
      std::cout << "step " << i << "/" << steps << " loss " << loss.get() << std::endl;
    }
  }
};

struct Evaluate : lightning::Work {
  lightning::State<double> accuracy{this, "accuracy", 0.0};
  void run(const lightning::Json& args) override {
    const double loss = args.at("loss").get<double>();
    accuracy = 1.0 / (1.0 + loss);
    const std::string dir = lightning::run_dir() + "/report";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/index.html")
        << "<!doctype html><title>Report</title><h1>Training report</h1>"
        << "<p>final loss <b id=\"loss\">" << loss << "</b>, accuracy <b>" << accuracy.get()
        << "</b></p>\n";
    std::cout << "accuracy " << accuracy.get() << ", report in " << dir << std::endl;
  }
};

struct Serve : lightning::Work {
  void run(const lightning::Json&) override {
    std::cout << "serving (until stopped)" << std::endl;
    while (!lightning::stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
};

struct Root : lightning::Flow {
  Train& train = add_work<Train>("train", lightning::WorkOptions().parallel(true));
  Evaluate& evaluate = add_work<Evaluate>("evaluate", lightning::WorkOptions().parallel(true));
  Serve& serve = add_work<Serve>("serve", lightning::WorkOptions().parallel(true));

  void run() override {
    const lightning::Json plan{{"steps", app_arg("--steps", 40)},
                               {"step_ms", app_arg("--step-ms", 50)}};
    if (!train.call(plan).has_succeeded()) return;
    if (!evaluate.call({{"loss", train.loss.get()}}).has_succeeded()) return;
    if (!serve.status().has_stopped()) serve.call();  // a server you stopped stays stopped
  }

  lightning::Layout configure_layout() const override {
    return {lightning::Tab::component("Train", train),
            lightning::Tab::static_folder("Report", lightning::run_dir() + "/report"),
            lightning::Tab::url("Model", serve)};
  }
};

LIGHTNING_APP(Root)
