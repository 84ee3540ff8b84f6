// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>
#include <string>

namespace lightning::cli {

/// A problem lightning-run reports as "lightning-run: error: <what>" and exits
/// with `exit_code`: bad usage (2), a missing file or config, a failed build (1).
class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& what, int exit_code = 1)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// The build was interrupted by `signal` (forwarded to the compiler); after
/// cleaning up, lightning-run dies of the same signal.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal) : std::runtime_error("interrupted"), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace lightning::cli
