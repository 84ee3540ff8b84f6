// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// CPU time and resident memory of a process, from Linux's /proc (proc(5)).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lightning::util {

struct ProcessUsage {
  double cpu_seconds = 0;       ///< user + system CPU time so far, seconds
  uint64_t resident_bytes = 0;  ///< resident set size, bytes
};

/// utime + stime (fields 14 and 15, in clock ticks) from the text of
/// /proc/<pid>/stat; the command name (field 2) may hold spaces and ')'.
/// Nothing when the text is not such a line.
std::optional<uint64_t> parse_stat_cpu_ticks(std::string_view stat);
/// The start time (field 22, clock ticks since boot) from the text of
/// /proc/<pid>/stat; nothing when the text is not such a line, or when the
/// process is a zombie or dead (state Z or X: it runs no more code). With
/// the pid, it names one process even after the pid is reused.
std::optional<uint64_t> parse_stat_start_time(std::string_view stat);
/// parse_stat_start_time() of process `pid` now; nothing when it is gone.
std::optional<uint64_t> read_process_start_time(int pid);
/// Resident pages (field 2) from the text of /proc/<pid>/statm.
std::optional<uint64_t> parse_statm_resident_pages(std::string_view statm);

/// The usage of process `pid` now; nothing when it is gone or /proc cannot be read.
std::optional<ProcessUsage> read_process_usage(int pid);

}  // namespace lightning::util
