// ScriptWork (docs/components/script.md): a flow runs two commands, one after
// the other, and reads what they printed from their state.
//   lightning-run docs/examples/components/script_app.cpp
#include <iostream>
#include <lightning/components/script.hpp>
#include <lightning/lightning.hpp>

using lightning::components::ScriptCommand;
using lightning::components::ScriptWork;

// A work with a default command: each call runs it unless its args say otherwise.
struct CountFiles : ScriptWork {
  CountFiles() : ScriptWork(ScriptCommand{{"sh", "-c", "ls \"$DIR\" | wc -l"}}) {}
};

struct Root : lightning::Flow {
  ScriptWork& hello = add_work<ScriptWork>("hello");
  CountFiles& count = add_work<CountFiles>("count");

  void run() override {
    // argv[0] is looked up on PATH; env and cwd are optional.
    hello.call({{"argv", {"sh", "-c", "echo \"hello from $USER_NAME in $(pwd)\""}},
                {"env", {{"USER_NAME", "lightning"}}},
                {"cwd", "/tmp"}});
    count.call({{"env", {{"DIR", "/usr/include"}}}});  // the default command, with an env
    std::cout << hello.stdout_tail.get() << "\n"
              << "/usr/include holds " << count.stdout_tail.get() << " entries (pid "
              << count.pid.get() << ", exit code " << count.exit_code.get() << ")" << std::endl;
    stop("done");
  }
};

LIGHTNING_APP(Root)
