// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Shared by the integration-test apps: scenario selection from the app's
// arguments, and small helpers for files and the monotonic clock.
#pragma once

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <lightning/lightning.hpp>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace integ_app {

using lightning::Json;

/// CLOCK_MONOTONIC in nanoseconds: comparable across processes on one host.
inline int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

inline bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

/// Adds one to the number in `path` (0 when missing) and returns the new value.
/// Survives process restarts, unlike a State field of a crashed work.
inline int bump_counter(const std::string& path) {
  int n = 0;
  std::ifstream(path) >> n;
  ++n;
  write_file(path, std::to_string(n));
  return n;
}

/// Waits (inside a work's body, not a test) until `path` exists; false at the deadline.
inline bool wait_for_file(const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!file_exists(path)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

/// For the resume tests, which count outside the app how often each call
/// ran: with $JOURNAL_APP_COUNTER set (a file outside the run), appends
/// "<i> <this pid>\n" to it (one write: one whole line), then waits while
/// "<counter>.block-<i>" exists. The counter's path, or "" when it is unset.
inline std::string count_call_and_hold(int64_t i) {
  const char* counter = std::getenv("JOURNAL_APP_COUNTER");
  if (counter == nullptr) return "";
  const std::string line = std::to_string(i) + " " + std::to_string(::getpid()) + "\n";
  const int fd = ::open(counter, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    (void)!::write(fd, line.data(), line.size());
    ::close(fd);
  }
  const std::string block = std::string(counter) + ".block-" + std::to_string(i);
  while (::access(block.c_str(), F_OK) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return counter;
}

/// App argument `i` ("" when missing).
inline std::string arg(size_t i) {
  const auto& a = lightning::app_args();
  return i < a.size() ? a[i] : std::string();
}

using Scenarios = std::map<std::string, std::function<std::unique_ptr<lightning::Flow>()>>;

template <class F>
std::function<std::unique_ptr<lightning::Flow>()> scenario() {
  return [] { return std::unique_ptr<lightning::Flow>(std::make_unique<F>()); };
}

/// main() of a multi-scenario app: `app [flags] -- <scenario> [args...]` runs
/// the root flow registered under <scenario>.
inline int run_scenario(int argc, char** argv, const Scenarios& scenarios) {
  return lightning::run_app(argc, argv, [&scenarios]() -> std::unique_ptr<lightning::Flow> {
    auto it = scenarios.find(arg(0));
    if (it == scenarios.end()) {
      std::string known;
      for (const auto& [name, make] : scenarios) known += " " + name;
      throw std::invalid_argument("unknown scenario '" + arg(0) + "'; known:" + known);
    }
    return it->second();
  });
}

}  // namespace integ_app
