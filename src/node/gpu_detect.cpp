// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/gpu_detect.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <set>

#include "scheduler/local_resources.hpp"

namespace lightning::node {
namespace {

// The few NVML declarations used, from nvml.h (NVML's ABI is stable; the
// header is not needed to build).
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
struct NvmlMemory {
  unsigned long long total;  // NOLINT(google-runtime-int): NVML's type
  unsigned long long free;   // NOLINT(google-runtime-int)
  unsigned long long used;   // NOLINT(google-runtime-int)
};
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr unsigned kNvmlNameSize = 96;
constexpr unsigned kNvmlUuidSize = 96;
constexpr int kMaxGpuIndex = 1023;

using InitFn = NvmlReturn (*)();
using ShutdownFn = NvmlReturn (*)();
using CountFn = NvmlReturn (*)(unsigned*);
using HandleFn = NvmlReturn (*)(unsigned, NvmlDevice*);
using NameFn = NvmlReturn (*)(NvmlDevice, char*, unsigned);
using MemoryFn = NvmlReturn (*)(NvmlDevice, NvmlMemory*);
using UuidFn = NvmlReturn (*)(NvmlDevice, char*, unsigned);
using ErrorStringFn = const char* (*)(NvmlReturn);

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

std::optional<int> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > kMaxGpuIndex) return std::nullopt;
  return v;
}

}  // namespace

Result<std::vector<NodeGpu>> query_nvml(const char* library) {
  void* lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* err = dlerror();
    return Unavailable(std::string("NVML not loaded: ") + (err != nullptr ? err : "dlopen failed"));
  }
  struct Closer {
    void* lib;
    ~Closer() { dlclose(lib); }
  } closer{lib};
  auto sym = [&](const char* name) { return dlsym(lib, name); };
  auto init = reinterpret_cast<InitFn>(sym("nvmlInit_v2"));
  auto shutdown = reinterpret_cast<ShutdownFn>(sym("nvmlShutdown"));
  auto count = reinterpret_cast<CountFn>(sym("nvmlDeviceGetCount_v2"));
  auto handle = reinterpret_cast<HandleFn>(sym("nvmlDeviceGetHandleByIndex_v2"));
  auto name = reinterpret_cast<NameFn>(sym("nvmlDeviceGetName"));
  auto memory = reinterpret_cast<MemoryFn>(sym("nvmlDeviceGetMemoryInfo"));
  auto uuid = reinterpret_cast<UuidFn>(sym("nvmlDeviceGetUUID"));
  auto error_string = reinterpret_cast<ErrorStringFn>(sym("nvmlErrorString"));
  if (init == nullptr || shutdown == nullptr || count == nullptr || handle == nullptr ||
      name == nullptr || memory == nullptr || uuid == nullptr) {
    return Unavailable(std::string("NVML (") + library +
                       ") lacks nvmlInit_v2 or a device query function");
  }
  auto why = [&](const char* call, NvmlReturn rc) {
    std::string text = error_string != nullptr ? error_string(rc) : "";
    return std::string(call) + " failed: " + (text.empty() ? "error " + std::to_string(rc) : text);
  };
  if (NvmlReturn rc = init(); rc != kNvmlSuccess) return Unavailable(why("nvmlInit_v2", rc));
  std::vector<NodeGpu> gpus;
  unsigned n = 0;
  NvmlReturn rc = count(&n);
  if (rc != kNvmlSuccess) {
    shutdown();
    return Unavailable(why("nvmlDeviceGetCount_v2", rc));
  }
  for (unsigned i = 0; i < n && i <= static_cast<unsigned>(kMaxGpuIndex); ++i) {
    NvmlDevice dev = nullptr;
    if (handle(i, &dev) != kNvmlSuccess) continue;  // e.g. a GPU this process may not use
    NodeGpu g;
    g.index = static_cast<int>(i);
    char text[kNvmlNameSize > kNvmlUuidSize ? kNvmlNameSize : kNvmlUuidSize] = {};
    if (name(dev, text, kNvmlNameSize) == kNvmlSuccess) g.model = std::string(text);
    NvmlMemory mem{};
    if (memory(dev, &mem) == kNvmlSuccess) g.memory_bytes = static_cast<int64_t>(mem.total);
    char id[kNvmlUuidSize] = {};
    if (uuid(dev, id, kNvmlUuidSize) == kNvmlSuccess) g.uuid = std::string(id);
    gpus.push_back(std::move(g));
  }
  shutdown();
  return gpus;
}

std::optional<std::vector<int>> parse_gpu_indices(std::string_view text) {
  std::vector<int> out;
  const std::string all = trim(text);
  if (all.empty()) return out;
  std::string_view rest = all;
  for (;;) {
    const size_t comma = rest.find(',');
    const std::string entry = trim(rest.substr(0, comma));
    std::optional<int> v = parse_index(entry);
    if (!v) return std::nullopt;
    out.push_back(*v);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

Result<GpuDetection> gpus_from_flag(std::string_view text) {
  GpuDetection d;
  d.detected_by = "--gpus";
  const std::string t = trim(text);
  if (t.empty() || t == "none") {
    d.note = "--gpus none";
    return d;
  }
  std::set<int> seen;
  std::string_view rest = t;
  size_t entries = 0;
  for (;;) {
    const size_t comma = rest.find(',');
    const std::string entry = trim(rest.substr(0, comma));
    if (++entries > kMaxGpuIndex + 1) {
      return InvalidArgument("--gpus lists more than 1024 GPUs");
    }
    std::optional<int> v = parse_index(entry);
    if (!v) {
      return InvalidArgument("--gpus '" + t + "': '" + entry +
                             "' is not a GPU index (0 to 1023); give a comma-separated list "
                             "like 0,1,2,3, or 'none'");
    }
    if (!seen.insert(*v).second) {
      return InvalidArgument("--gpus '" + t + "' lists GPU " + entry + " twice");
    }
    NodeGpu g;
    g.index = *v;
    d.gpus.push_back(g);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  d.note = "--gpus " + t;
  return d;
}

std::vector<NodeGpu> filter_visible(const std::vector<NodeGpu>& all,
                                    const std::vector<std::string>& visible) {
  std::vector<NodeGpu> out;
  std::set<int> taken;
  for (const std::string& entry : visible) {
    const NodeGpu* match = nullptr;
    if (std::optional<int> idx = parse_index(entry)) {
      for (const NodeGpu& g : all) {
        if (g.index == *idx) match = &g;
      }
    } else if (entry.rfind("GPU-", 0) == 0) {
      int hits = 0;
      for (const NodeGpu& g : all) {
        if (!g.uuid.empty() && g.uuid.rfind(entry, 0) == 0) {
          match = &g;
          ++hits;
        }
      }
      if (hits != 1) match = nullptr;  // not unique: CUDA refuses it too
    }
    if (match != nullptr && taken.insert(match->index).second) out.push_back(*match);
  }
  return out;
}

GpuDetection detect_gpus(const GpuProbe& probe) {
  EnvLookup env = probe.getenv;
  if (!env) {
    env = [](const char* name) -> std::optional<std::string> {
      const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start
      if (v == nullptr) return std::nullopt;
      return std::string(v);
    };
  }
  const std::optional<std::string> cuda_visible = env("CUDA_VISIBLE_DEVICES");
  Result<std::vector<NodeGpu>> nvml = probe.nvml ? probe.nvml() : query_nvml();
  GpuDetection d;
  if (nvml.ok()) {
    d.detected_by = "nvml";
    if (!cuda_visible) {
      d.gpus = *nvml;
      d.note = "NVML: " + std::to_string(d.gpus.size()) + " GPU(s)";
      return d;
    }
    std::optional<std::vector<std::string>> listed =
        scheduler::parse_visible_devices(*cuda_visible);
    d.gpus = listed ? filter_visible(*nvml, *listed) : *nvml;  // nullopt: "all"
    d.note = "NVML: " + std::to_string(nvml->size()) + " GPU(s), " + std::to_string(d.gpus.size()) +
             " of them in CUDA_VISIBLE_DEVICES=" + *cuda_visible;
    return d;
  }
  d.note = nvml.status().message();
  for (const char* var : {"CUDA_VISIBLE_DEVICES", "SLURM_STEP_GPUS", "SLURM_JOB_GPUS"}) {
    const std::optional<std::string> value = env(var);
    if (!value) continue;
    std::optional<std::vector<int>> indices = parse_gpu_indices(*value);
    if (!indices) {
      d.note += std::string("; ") + var + "=" + *value + " is not a list of indices";
      continue;
    }
    std::set<int> seen;
    for (int i : *indices) {
      if (!seen.insert(i).second) continue;
      NodeGpu g;
      g.index = i;
      d.gpus.push_back(g);
    }
    d.detected_by = var;
    d.note += std::string("; ") + var + "=" + *value;
    return d;
  }
  d.detected_by = "none";
  d.note += "; CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS and SLURM_JOB_GPUS unset: no GPUs";
  return d;
}

}  // namespace lightning::node
