// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: the scheduler's readers of outside input: the kernel's files
// that detect_local_resources() reads (cgroup cpu.max and memory.max,
// /proc/meminfo, /proc/self/cgroup), CUDA_VISIBLE_DEVICES, and
// Compute::from_json (a work's compute request as JSON, as a worker or the
// journal will send it).
//
// Input: the first byte picks the reader, the rest is its text.
// Invariants: nothing crashes, throws (but from_json's
// std::invalid_argument) or hangs; a parsed quota or size is positive /
// non-negative; a cgroup path starts with '/' and has no ".."; a device list
// has no empty entry; a Compute read from JSON is within the setters' ranges
// and writes back to JSON that reads back equal.
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lightning/compute.hpp"
#include "scheduler/local_resources.hpp"

namespace sch = lightning::scheduler;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      if (auto q = sch::parse_cpu_max(text))
        LIGHTNING_FUZZ_CHECK(*q >= 1, "quota below 1 millicore");
      break;
    case 1:
      if (auto m = sch::parse_memory_max(text))
        LIGHTNING_FUZZ_CHECK(*m >= 0, "negative memory.max");
      break;
    case 2:
      if (auto m = sch::parse_meminfo_total(text))
        LIGHTNING_FUZZ_CHECK(*m >= 0, "negative MemTotal");
      break;
    case 3:
      if (auto p = sch::parse_cgroup_path(text)) {
        LIGHTNING_FUZZ_CHECK(!p->empty() && (*p)[0] == '/', "a cgroup path not starting with '/'");
        LIGHTNING_FUZZ_CHECK(p->find("..") == std::string::npos, "a cgroup path with '..'");
      }
      break;
    case 4:
      if (auto list = sch::parse_visible_devices(text)) {
        for (const auto& d : *list) LIGHTNING_FUZZ_CHECK(!d.empty(), "an empty device entry");
      }
      break;
    default: {
      const lightning::Json j = lightning::Json::parse(text, nullptr, false);
      if (j.is_discarded()) break;
      lightning::Compute c;
      try {
        c = lightning::Compute::from_json(j);
      } catch (const std::invalid_argument& e) {
        LIGHTNING_FUZZ_CHECK(std::string(e.what()).rfind("Compute::", 0) == 0,
                             "an error that does not name Compute");
        break;
      }
      LIGHTNING_FUZZ_CHECK(c.gpus() >= 0 && c.gpus() <= lightning::Compute::kMaxGpus,
                           "gpus out of range");
      LIGHTNING_FUZZ_CHECK(
          c.memory_bytes() >= 0 && c.memory_bytes() <= lightning::Compute::kMaxMemoryBytes,
          "memory out of range");
      LIGHTNING_FUZZ_CHECK(lightning::Compute::from_json(c.to_json()) == c,
                           "JSON does not round-trip");
      (void)c.describe();
    }
  }
  return 0;
}
