// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What `lightning-run ...` and `lightning run ...` both do, so the two stay one.
#pragma once

#include <functional>
#include <string>

namespace lightning::cli {

/// Parses argv[1..] as lightning-run's command line (run_options.hpp), builds
/// the app and execs it: returns only for --help, --build-only, or by throwing
/// CliError / Interrupted. `program` names the command in usage and errors
/// ("lightning-run", "lightning run").
int run_app_command(int argc, char** argv, const std::string& program);

/// Runs `body` and turns what it throws into the process's end: CliError
/// prints "<program>: error: <what>" on stderr and returns its exit code;
/// Interrupted dies of the same signal; any other exception returns 1.
int report_errors(const std::string& program, const std::function<int()>& body);

}  // namespace lightning::cli
