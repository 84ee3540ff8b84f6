// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
//
// lightning-run: compile a single-file Lightning app (cached) and exec it.
//   lightning-run [flags] app.cpp [-- app args]
// The same as `lightning run` (lightning_main.cpp). See docs/design/lightning-run.md.

#include "run_command.hpp"

int main(int argc, char** argv) {
  return lightning::cli::report_errors("lightning-run", [&] {
    return lightning::cli::run_app_command(argc, argv, "lightning-run");
  });
}
