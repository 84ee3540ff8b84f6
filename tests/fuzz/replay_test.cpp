// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Replays a fuzz target's committed inputs (corpus/<target>/ and
// regressions/<target>/) through its LLVMFuzzerTestOneInput in an ordinary
// build, without libFuzzer. Each input runs in a child process, so a crash,
// an abort from a broken invariant or a hang fails the test and names the
// input instead of taking the whole test down. Built once per target (see
// CMakeLists.txt), which defines LIGHTNING_FUZZ_TARGET, LIGHTNING_FUZZ_CORPUS
// and LIGHTNING_FUZZ_REGRESSIONS.
#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "fuzz_check.hpp"

namespace {

namespace fs = std::filesystem;

constexpr auto kPerInputDeadline = std::chrono::seconds(30);

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.empty() && name[0] != '.' && name != "README.md") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Runs the target on `input` in a child process; empty when it passed, else
/// what went wrong.
std::string replay(const std::string& input) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return std::string("fork failed: ") + strerror(errno);
  if (pid == 0) {
    // What libFuzzer does with an exception that escapes the target: terminate.
    // It must not reach gtest, which would go on running tests in the child.
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "uncaught %s: %s\n", typeid(e).name(), e.what());
      std::abort();
    } catch (...) {
      std::fprintf(stderr, "uncaught exception that is not a std::exception\n");
      std::abort();
    }
    std::exit(0);  // exit, not _exit: the target's atexit clean-up runs
  }
  const auto deadline = std::chrono::steady_clock::now() + kPerInputDeadline;
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return std::string("waitpid failed: ") + strerror(errno);
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return "did not finish within " + std::to_string(kPerInputDeadline.count()) + " s (hang)";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "ended with status " + std::to_string(status);
}

TEST(FuzzReplayTest, EveryCommittedInputPassesTheTarget) {
  const auto corpus = inputs_in(LIGHTNING_FUZZ_CORPUS);
  const auto regressions = inputs_in(LIGHTNING_FUZZ_REGRESSIONS);
  ASSERT_FALSE(corpus.empty()) << LIGHTNING_FUZZ_TARGET << " has no seeds in "
                               << LIGHTNING_FUZZ_CORPUS;
  std::vector<fs::path> all = corpus;
  all.insert(all.end(), regressions.begin(), regressions.end());
  int failed = 0;
  for (const auto& path : all) {
    const std::string what = replay(read_file(path));
    if (!what.empty()) ++failed;
    EXPECT_TRUE(what.empty()) << LIGHTNING_FUZZ_TARGET << " on " << path.string() << ": " << what;
  }
  std::printf("%s: replayed %zu inputs (%zu seeds, %zu regressions), %d failed\n",
              LIGHTNING_FUZZ_TARGET, all.size(), corpus.size(), regressions.size(), failed);
}

}  // namespace
