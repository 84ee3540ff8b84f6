// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lightning/flow.hpp"

namespace lightning {

using RootFactory = std::function<std::unique_ptr<Flow>()>;

/// Runs an app: the entry point LIGHTNING_APP expands to. Parses
///   app [--run-dir DIR] [--log-level trace|debug|info|warn|error] [-- app args]
/// and returns the process exit code: 0 when the app succeeded.
/// An app with its own main() must call run_app() first thing, before it
/// starts a thread or opens anything: it forks the work forker (zygote) from
/// the still single-threaded process, and a replacement forker (after the
/// first one died) re-runs the binary's main() up to this call with
/// argv = {"lightning-zygote"} (docs/design/processes-and-threads.md).
int run_app(int argc, char** argv, const RootFactory& make_root);

/// Arguments after "--" on the app's command line, in flows and works alike.
const std::vector<std::string>& app_args();

/// Directory of the current run (logs, final state), in flows and works alike.
const std::string& run_dir();

namespace detail {
/// Sets what run_dir() and app_args() return (a work process inherits them).
void set_process_context(std::string run_dir, std::vector<std::string> app_args);
}  // namespace detail

}  // namespace lightning

/// Defines main() for an app whose root flow is `RootFlow`.
#define LIGHTNING_APP(RootFlow)                                                 \
  int main(int argc, char** argv) {                                             \
    return ::lightning::run_app(argc, argv, [] {                                \
      return std::unique_ptr<::lightning::Flow>(std::make_unique<RootFlow>()); \
    });                                                                         \
  }
