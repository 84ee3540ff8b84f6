// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "scheduler/local_resources.hpp"

#include <dirent.h>
#include <sched.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace lightning::scheduler {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A non-negative decimal integer that fits in int64_t, and nothing else.
std::optional<int64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text(size_t{64} * 1024, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

int sched_affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

// The cgroup v2 directories from this process's cgroup up to the root.
std::vector<std::string> cgroup_chain(const std::string& root) {
  std::vector<std::string> dirs;
  const auto self = read_small_file(root + "/proc/self/cgroup");
  if (!self) return dirs;
  auto path = parse_cgroup_path(*self);
  if (!path) return dirs;
  std::string p = *path;
  for (;;) {
    dirs.push_back(root + "/sys/fs/cgroup" + (p == "/" ? "" : p));
    if (p == "/" || p.empty()) break;
    const size_t slash = p.rfind('/');
    p = slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
  }
  return dirs;
}

int count_nvidia_devices(const std::string& root) {
  DIR* d = ::opendir((root + "/dev").c_str());
  if (d == nullptr) return 0;
  int n = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.size() > 6 && name.substr(0, 6) == "nvidia" && parse_count(name.substr(6))) ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace

std::optional<int64_t> parse_cpu_max(std::string_view text) {
  text = trim(text);
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto quota = parse_count(text.substr(0, space));
  const auto period = parse_count(trim(text.substr(space + 1)));
  if (!quota || !period || *period == 0) return std::nullopt;
  // Millicores, rounded down; at least 1.
  const __int128 milli = static_cast<__int128>(*quota) * 1000 / *period;
  if (milli > std::numeric_limits<int64_t>::max()) return std::nullopt;
  return std::max<int64_t>(static_cast<int64_t>(milli), 1);
}

std::optional<int64_t> parse_memory_max(std::string_view text) { return parse_count(trim(text)); }

std::optional<int64_t> parse_meminfo_total(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.substr(0, 9) != "MemTotal:") continue;
    line = trim(line.substr(9));
    const size_t space = line.find(' ');
    const auto kb = parse_count(space == std::string_view::npos ? line : line.substr(0, space));
    if (!kb || *kb > std::numeric_limits<int64_t>::max() / 1024) return std::nullopt;
    return *kb * 1024;
  }
  return std::nullopt;
}

std::optional<std::string> parse_cgroup_path(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.substr(0, 3) == "0::" && line.size() > 3 && line[3] == '/') {
      const std::string_view path = line.substr(3);
      if (path.find("..") != std::string_view::npos) return std::nullopt;
      return std::string(path);
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> parse_visible_devices(std::string_view text) {
  text = trim(text);
  if (text == "all") return std::nullopt;
  std::vector<std::string> out;
  if (text.empty() || text == "none" || text == "void" || text == "NoDevFiles") return out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find(',', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = trim(text.substr(at, end - at));
    at = end + 1;
    const bool uuid = item.substr(0, 4) == "GPU-" || item.substr(0, 4) == "MIG-";
    if (!uuid && !parse_count(item)) break;  // CUDA ignores the rest after an invalid entry
    out.emplace_back(item);
  }
  return out;
}

LocalResources detect_local_resources(const LocalProbe& probe) {
  LocalResources out;
  auto getenv = [&probe](const char* name) -> std::optional<std::string> {
    if (probe.getenv) return probe.getenv(name);
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start
    return v == nullptr ? std::nullopt : std::optional<std::string>(v);
  };
  const std::vector<std::string> chain = cgroup_chain(probe.root);

  // CPUs
  const int affinity = probe.affinity_cpus ? probe.affinity_cpus() : sched_affinity_cpus();
  int64_t milli = static_cast<int64_t>(std::max(affinity, 1)) * 1000;
  std::optional<int64_t> quota;
  for (const auto& dir : chain) {
    if (auto text = read_small_file(dir + "/cpu.max")) {
      if (auto q = parse_cpu_max(*text)) quota = quota ? std::min(*quota, *q) : *q;
    }
  }
  out.cpus_source = "sched_getaffinity: " + std::to_string(affinity) + "; cgroup cpu.max: " +
                    (quota ? format_cpus(*quota) + " CPUs" : std::string("no limit"));
  if (quota) milli = std::min(milli, *quota);
  out.resources.milli_cpus = milli;

  // Memory
  int64_t memory = 0;
  if (auto text = read_small_file(probe.root + "/proc/meminfo")) {
    memory = parse_meminfo_total(*text).value_or(0);
  }
  std::optional<int64_t> limit;
  for (const auto& dir : chain) {
    if (auto text = read_small_file(dir + "/memory.max")) {
      if (auto l = parse_memory_max(*text)) limit = limit ? std::min(*limit, *l) : *l;
    }
  }
  out.memory_source = "/proc/meminfo MemTotal: " + format_memory(memory) + "; cgroup memory.max: " +
                      (limit ? format_memory(*limit) : std::string("no limit"));
  if (limit && (memory == 0 || *limit < memory)) memory = *limit;
  out.resources.memory_bytes = memory;

  // GPUs: from the environment when it lists them, else the device files.
  std::optional<std::vector<std::string>> listed;
  for (const char* var : {"CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"}) {
    if (auto value = getenv(var)) {
      listed = parse_visible_devices(*value);
      if (listed) {
        out.gpus_source = std::string(var) + "=" + value->substr(0, 200);
        break;
      }
    }
  }
  if (listed) {
    for (size_t i = 0; i < listed->size(); ++i) {
      const auto n = parse_count((*listed)[i]);
      out.resources.gpus.push_back(
          Gpu{n && *n <= 1'000'000 ? static_cast<int>(*n) : static_cast<int>(i), "", 0});
    }
  } else {
    const int n = count_nvidia_devices(probe.root);
    for (int i = 0; i < n; ++i) out.resources.gpus.push_back(Gpu{i, "", 0});
    const bool cuda_set = getenv("CUDA_VISIBLE_DEVICES").has_value();
    out.gpus_source =
        std::string(cuda_set ? "CUDA_VISIBLE_DEVICES=all" : "CUDA_VISIBLE_DEVICES unset") + ", " +
        (n == 0 ? std::string("no NVIDIA device")
                : std::to_string(n) + " /dev/nvidia<N> device files");
  }
  return out;
}

std::string local_misfit(const Compute& compute, const LocalResources& local) {
  const Resources& r = local.resources;
  std::string asked;
  std::string has;
  if (compute.gpus() > static_cast<int>(r.gpus.size())) {
    asked = std::to_string(compute.gpus()) + (compute.gpus() == 1 ? " GPU" : " GPUs");
    has = std::to_string(r.gpus.size()) + " (" + local.gpus_source + ")";
  } else if (compute.milli_cpus() > r.milli_cpus) {
    asked = format_cpus(compute.milli_cpus()) + (compute.milli_cpus() == 1000 ? " CPU" : " CPUs");
    has = format_cpus(r.milli_cpus) + " (" + local.cpus_source + ")";
  } else if (compute.memory_bytes() > r.memory_bytes && r.memory_bytes > 0) {
    asked = format_memory(compute.memory_bytes()) + " of memory";
    has = format_memory(r.memory_bytes) + " (" + local.memory_source + ")";
  } else {
    return "";
  }
  return "asks for " + asked + "; this machine has " + has +
         "; run it on a cluster (--cluster slurm) or lower WorkOptions::compute";
}

}  // namespace lightning::scheduler
