// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cluster/slurm_output.hpp"

#include <array>
#include <cctype>

namespace lightning::cluster {
namespace {

constexpr size_t kQuoteMax = 200;

// `text` for an error message: at most kQuoteMax bytes, control bytes as '?'.
std::string quote(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kQuoteMax)) {
    out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  }
  if (text.size() > kQuoteMax) out += "...";
  return "'" + out + "'";
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_of(std::string_view s, bool (*ok)(char)) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}
bool is_state_char(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
// Node lists: "n1,gpu[01-04,07],login-2".
bool is_node_list_char(char c) { return is_host_char(c) || c == ',' || c == '[' || c == ']'; }
bool is_printable(char c) { return std::isprint(static_cast<unsigned char>(c)) != 0; }

}  // namespace

Result<SlurmJobId> parse_sbatch_parsable(std::string_view out) {
  std::string_view last;
  for (auto line : split_lines(out)) {
    line = trim(line);
    if (!line.empty()) last = line;
  }
  if (last.empty()) return InvalidArgument("sbatch --parsable printed no job id");
  SlurmJobId job;
  std::string_view id = last;
  const auto semi = last.find(';');
  if (semi != std::string_view::npos) {
    id = last.substr(0, semi);
    const std::string_view cluster = last.substr(semi + 1);
    if (cluster.empty() || cluster.size() > 64 || !all_of(cluster, is_host_char)) {
      return InvalidArgument("sbatch --parsable printed " + quote(last) +
                             ", not '<job id>;<cluster>'");
    }
    job.cluster = std::string(cluster);
  }
  if (id.empty() || id.size() > 19 || !all_of(id, is_digit)) {
    return InvalidArgument("sbatch --parsable printed " + quote(last) + ", not a job id");
  }
  job.id = std::string(id);
  return job;
}

Result<std::optional<SqueueRow>> parse_squeue(std::string_view out, const std::string& job_id) {
  for (auto line : split_lines(out)) {
    line = trim(line);
    const auto bar = line.find('|');
    if (bar == std::string_view::npos) continue;  // a header ("CLUSTER: x"), a blank line
    if (line.substr(0, bar) != job_id) continue;
    std::array<std::string_view, 4> fields{};
    size_t n = 0;
    size_t start = 0;
    // The reason may be any text; the node list never has a '|': split the
    // first two fields from the front and the node list from the back.
    const auto last_bar = line.rfind('|');
    std::string_view head = line.substr(0, last_bar);
    for (; n < 2; ++n) {
      const auto b = head.find('|', start);
      if (b == std::string_view::npos) break;
      fields[n] = head.substr(start, b - start);
      start = b + 1;
    }
    if (n != 2 || last_bar < start) {
      return InvalidArgument("squeue printed " + quote(line) + ", not 'id|state|reason|nodes'");
    }
    fields[2] = head.substr(start);
    fields[3] = line.substr(last_bar + 1);
    SqueueRow row;
    row.job_id = std::string(fields[0]);
    if (fields[1].empty() || fields[1].size() > 32 || !all_of(fields[1], is_state_char)) {
      return InvalidArgument("squeue printed " + quote(line) + ": " + quote(fields[1]) +
                             " is not a job state");
    }
    row.state = std::string(fields[1]);
    if (fields[2].size() > 256 || !all_of(fields[2], is_printable)) {
      return InvalidArgument("squeue printed " + quote(line) + ": the reason is not plain text");
    }
    row.reason = std::string(fields[2]);
    if (fields[3].size() > 65536 || !all_of(fields[3], is_node_list_char)) {
      return InvalidArgument("squeue printed " + quote(line) + ": " + quote(fields[3]) +
                             " is not a node list");
    }
    row.node_list = std::string(fields[3]);
    return std::optional<SqueueRow>(std::move(row));
  }
  return std::optional<SqueueRow>();
}

Result<std::vector<std::string>> parse_hostnames(std::string_view out) {
  std::vector<std::string> names;
  for (auto line : split_lines(out)) {
    line = trim(line);
    if (line.empty()) continue;
    if (line.size() > 253 || !all_of(line, is_host_char)) {
      return InvalidArgument("scontrol show hostnames printed " + quote(line) +
                             ", not a host name");
    }
    names.emplace_back(line);
  }
  if (names.empty()) return InvalidArgument("scontrol show hostnames printed no host name");
  return names;
}

bool is_active_job_state(const std::string& state) {
  static constexpr std::array<std::string_view, 10> kEnded = {
      "COMPLETED", "CANCELLED", "FAILED",   "TIMEOUT",       "NODE_FAIL",
      "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED"};
  for (auto s : kEnded) {
    if (state == s) return false;
  }
  return true;
}

bool job_may_requeue(const std::string& state) {
  return state == "TIMEOUT" || state == "PREEMPTED" || state == "NODE_FAIL" ||
         state == "COMPLETED";
}

}  // namespace lightning::cluster
