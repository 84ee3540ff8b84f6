// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
//
// lightning: one command for an app's whole life (docs/cli.md).
//   lightning run [flags] app.cpp [-- app args]     what lightning-run does
//   lightning status | logs PATH [-f] [--tail N] | stop [PATH] | state [--watch]
//                                                   talk to a running app's HTTP API
//   lightning install component SOURCE[@REV] | list components | remove component NAME
//   lightning init component|app NAME | build component [DIR] [--test]
//                                                   make and install components
//   lightning update [NAME...] [--app APP.cpp | DIR]  move lightning.lock on purpose

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "app_components.hpp"
#include "cli_options.hpp"
#include "run_command.hpp"

int main(int argc, char** argv) {
  using namespace lightning::cli;
  // `lightning run ...` takes lightning-run's command line as it is (parsed by
  // CLI11 in run_options.cpp); everything else is parsed here.
  if (argc >= 2 && std::strcmp(argv[1], "run") == 0) {
    return report_errors("lightning run",
                         [&] { return run_app_command(argc - 1, argv + 1, "lightning run"); });
  }
  // `lightning update ...`: lightning.lock (app_components.hpp).
  if (argc >= 2 && std::strcmp(argv[1], "update") == 0) {
    return report_errors("lightning update", [&] {
      bool help = false;
      std::string help_text;
      const UpdateOptions options = parse_update_options(argc - 1, argv + 1, help, help_text);
      if (help) {
        std::fputs(help_text.c_str(), stdout);
        return 0;
      }
      return update_command(options, stdout);
    });
  }
  return report_errors("lightning", [&] {
    const CliCommand command = parse_cli_command(argc, argv);
    if (command.help) {
      std::fputs(command.help_text.c_str(), stdout);
      return 0;
    }
    return run_cli_command(command, stdout);
  });
}
