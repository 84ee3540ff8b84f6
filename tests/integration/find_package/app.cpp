// Built against an installed Lightning via find_package; the root flow stops
// in its first run, so a working install exits 0 without starting any work.
#include <iostream>
#include <lightning/lightning.hpp>

struct Root : lightning::Flow {
  lightning::State<int> runs{this, "runs", 0};
  void run() override {
    runs = runs + 1;
    std::cout << "find_package app " << lightning::kVersion << " ran" << std::endl;
    stop();
  }
};

LIGHTNING_APP(Root)
