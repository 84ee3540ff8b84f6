// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What every fuzz target includes: the libFuzzer entry point's signature and a
// check that, when an invariant breaks, says which one and aborts. Aborting is
// what both libFuzzer and the replay test (replay_test.cpp) detect as a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace lightning::fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* condition,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n  %s\n", file, line, condition,
               detail.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace lightning::fuzz

/// LIGHTNING_FUZZ_CHECK(cond, detail): `detail` (a std::string expression) is
/// evaluated only when `cond` is false.
#define LIGHTNING_FUZZ_CHECK(cond, detail)                                     \
  do {                                                                         \
    if (!(cond)) ::lightning::fuzz::fail(__FILE__, __LINE__, #cond, (detail)); \
  } while (0)
