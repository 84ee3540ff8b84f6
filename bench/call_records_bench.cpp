// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What one call record costs the controller: fills a CallTable (the
// controller's record of one work's calls) with N done calls of ever-new args
// and measures the heap with mallinfo2() before and after, for succeeded calls
// (kept for cache_calls) and finally failed ones (kept for their re-run
// backoff); then calls N more and shows the table stays at its bound.
// Prints one JSON line per case. Usage: bench_call_records [N=100000]
// Figures go in docs/design/state-and-calls.md and WorkOptions::max_cached_calls.
#include <malloc.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <string>

#include "runtime/call_table.hpp"
#include "util/event_loop.hpp"

namespace {

using lightning::Json;
using lightning::runtime::CallPolicy;
using lightning::runtime::CallTable;

size_t heap_in_use() { return mallinfo2().uordblks; }

/// Typical small args: an index and a name, as a sweep or a batch job passes.
Json args_of(int64_t i) { return Json{{"i", i}, {"item", "item-" + std::to_string(i)}}; }

void measure(const char* what, bool fail, int64_t n) {
  boost::asio::io_context io;
  lightning::util::AsioClock clock(io);
  CallPolicy policy;
  policy.max_cached_calls = static_cast<size_t>(n);
  CallTable table(clock, policy,
                  CallTable::Hooks{[](const lightning::runtime::CallRecord&, bool) {}, [] {},
                                   [](uint64_t, std::chrono::milliseconds) {}});
  auto one = [&](int64_t i) {
    table.call(args_of(i), static_cast<uint64_t>(i + 1), true);
    table.next_to_dispatch();
    table.mark_dispatched(1);
    table.start_current();
    if (fail) {
      table.fail_current("exception", "std::runtime_error: item " + std::to_string(i) + " failed",
                         false);
    } else {
      table.succeed_current();
    }
  };
  one(-1);  // the first record allocates the table's buckets and lists
  malloc_trim(0);
  const size_t before = heap_in_use();
  for (int64_t i = 0; i < n; ++i) one(i);
  const size_t filled = heap_in_use();
  const size_t records = table.remembered();
  for (int64_t i = n; i < 2 * n; ++i) one(i);  // past the bound: the LRU evicts
  const size_t after = heap_in_use();
  std::printf(
      "{\"case\": \"%s\", \"n\": %lld, \"records\": %zu, \"bytes_per_record\": %.0f, "
      "\"records_after_2n_calls\": %zu, \"heap_growth_over_next_n_calls_bytes\": %lld}\n",
      what, static_cast<long long>(n), records,
      static_cast<double>(filled - before) / static_cast<double>(n), table.remembered(),
      static_cast<long long>(after) - static_cast<long long>(filled));
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::stoll(argv[1]) : 100000;
  measure("succeeded", false, n);
  measure("failed", true, n);
  return 0;
}
