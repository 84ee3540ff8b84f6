// Built against an installed Lightning's built-in component Lightning::script
// (the package config defines one target per built-in component): a root
// flow with a ScriptWork that it never calls, so the app exits 0 at once.
#include <iostream>
#include <lightning/components/script.hpp>
#include <lightning/lightning.hpp>

struct Root : lightning::Flow {
  lightning::components::ScriptWork& echo = add_work<lightning::components::ScriptWork>("echo");
  void run() override {
    std::cout << "find_package script app ran" << std::endl;
    stop();
  }
};

LIGHTNING_APP(Root)
