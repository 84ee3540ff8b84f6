// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace lightning::cli {

/// --verbose output: "lightning-run: <line>" on stderr, so that the app's
/// stdout stays the app's.
class Log {
 public:
  explicit Log(bool verbose) : verbose_(verbose) {}
  bool verbose() const { return verbose_; }
  void info(const std::string& line) const {
    if (verbose_) std::fprintf(stderr, "lightning-run: %s\n", line.c_str());
  }
  /// A line printed whether or not --verbose: slow work the user waits for
  /// (fetching, building a component). Never on a cache hit.
  void progress(const std::string& line) const {
    std::fprintf(stderr, "lightning-run: %s\n", line.c_str());
  }

 private:
  bool verbose_;
};

/// Seconds since construction, formatted for the log ("1.23 s" / "0.8 ms").
class Stopwatch {
 public:
  std::string elapsed() const {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    char buf[32];
    if (s < 1) {
      std::snprintf(buf, sizeof(buf), "%.1f ms", s * 1000);
    } else {
      std::snprintf(buf, sizeof(buf), "%.2f s", s);
    }
    return buf;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace lightning::cli
