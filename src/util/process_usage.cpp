// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/process_usage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

namespace lightning::util {

namespace {

/// The `index`-th (0-based) space-separated field of `text`.
std::optional<uint64_t> field(std::string_view text, size_t index) {
  size_t pos = 0;
  for (size_t i = 0;; ++i) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) return std::nullopt;
    const size_t end = std::min(text.find(' ', pos), text.size());
    if (i == index) {
      uint64_t value = 0;
      const auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + end, value);
      if (ec != std::errc() || ptr != text.data() + end) return std::nullopt;
      return value;
    }
    pos = end;
  }
}

std::optional<std::string> read_small_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text(4096, '\0');
  const ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n <= 0) return std::nullopt;
  text.resize(static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

/// The state (field 3) of a /proc/<pid>/stat line, and the numbers after it
/// (field 4 on); the command name (field 2) may hold spaces and ')'.
std::optional<std::pair<char, std::string_view>> state_and_numbers(std::string_view stat) {
  const size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  const std::string_view rest = stat.substr(paren + 1);
  const size_t state = rest.find_first_not_of(' ');
  if (state == std::string_view::npos) return std::nullopt;
  return std::make_pair(rest[state], rest.substr(std::min(rest.size(), state + 1)));
}

}  // namespace

std::optional<uint64_t> parse_stat_cpu_ticks(std::string_view stat) {
  const auto parsed = state_and_numbers(stat);
  if (!parsed) return std::nullopt;
  // The numbers start at field 4: utime is field 14.
  const auto utime = field(parsed->second, 10);
  const auto stime = field(parsed->second, 11);
  if (!utime || !stime) return std::nullopt;
  return *utime + *stime;
}

std::optional<uint64_t> parse_stat_start_time(std::string_view stat) {
  const auto parsed = state_and_numbers(stat);
  if (!parsed || parsed->first == 'Z' || parsed->first == 'X') return std::nullopt;
  return field(parsed->second, 18);  // field 22
}

std::optional<uint64_t> read_process_start_time(int pid) {
  if (pid <= 0) return std::nullopt;
  const auto stat = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::nullopt;
  return parse_stat_start_time(*stat);
}

std::optional<uint64_t> parse_statm_resident_pages(std::string_view statm) {
  return field(statm, 1);
}

std::optional<ProcessUsage> read_process_usage(int pid) {
  if (pid <= 0) return std::nullopt;
  const std::string dir = "/proc/" + std::to_string(pid);
  const auto stat = read_small_file(dir + "/stat");
  const auto statm = read_small_file(dir + "/statm");
  if (!stat || !statm) return std::nullopt;
  const auto ticks = parse_stat_cpu_ticks(*stat);
  const auto pages = parse_statm_resident_pages(*statm);
  if (!ticks || !pages) return std::nullopt;
  static const long kTicksPerSecond = ::sysconf(_SC_CLK_TCK);
  static const long kPageSize = ::sysconf(_SC_PAGESIZE);
  ProcessUsage usage;
  usage.cpu_seconds = static_cast<double>(*ticks) / static_cast<double>(kTicksPerSecond);
  usage.resident_bytes = *pages * static_cast<uint64_t>(kPageSize);
  return usage;
}

}  // namespace lightning::util
