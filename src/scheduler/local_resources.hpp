// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What this machine offers the works of a local run, and the check that a
// work's Compute fits in it (docs/design/scheduling.md, "The local case").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lightning/compute.hpp"
#include "scheduler/scheduler.hpp"

namespace lightning::scheduler {

/// This machine's resources as the controller's process sees them, and where
/// each figure came from (for error messages).
struct LocalResources {
  Resources resources;  ///< CPUs in millicores, memory in bytes, GPUs
  /// "sched_getaffinity: 2; cgroup cpu.max: no limit"
  std::string cpus_source;
  /// "/proc/meminfo MemTotal: 23.4 GiB; cgroup memory.max: 8 GiB"
  std::string memory_source;
  /// "CUDA_VISIBLE_DEVICES=0,1", or "CUDA_VISIBLE_DEVICES unset, no NVIDIA device"
  std::string gpus_source;
};

/// Where detect_local_resources() reads; tests point it at a fake tree.
struct LocalProbe {
  /// Prefixed to /proc/... and /sys/fs/cgroup/... and /dev/... ("" = the real ones).
  std::string root;
  /// Environment lookup (CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES); null:
  /// getenv.
  std::function<std::optional<std::string>(const char*)> getenv;
  /// CPUs this process may run on; null: sched_getaffinity (then
  /// std::thread::hardware_concurrency when it fails).
  std::function<int()> affinity_cpus;
};

/// Reads this machine's resources: CPUs from sched_getaffinity, lowered by
/// the cgroup v2 cpu.max quota of this process's cgroup and its ancestors;
/// memory from /proc/meminfo's MemTotal, lowered by cgroup memory.max; GPUs
/// from CUDA_VISIBLE_DEVICES when set, else NVIDIA_VISIBLE_DEVICES when set
/// to a list, else the /dev/nvidia<N> device files. GPU models and memory are
/// not known here (NVML comes with lightning-worker): models are "".
/// Never throws: what cannot be read counts as no limit (cgroup) or 0.
LocalResources detect_local_resources(const LocalProbe& probe = {});

/// Why `compute` can never run on this machine, for the work's failed call:
/// "asks for 2 GPUs; this machine has 0 (CUDA_VISIBLE_DEVICES unset, no
/// NVIDIA device); run it on a cluster (--cluster slurm) or lower
/// WorkOptions::compute". Empty when it fits (an empty Compute always fits;
/// CPUs not given are not checked). The accelerator model is not checked
/// locally (no models without NVML).
std::string local_misfit(const Compute& compute, const LocalResources& local);

// Parsers of what the kernel writes (exposed for tests and the fuzzer; none
// throws, bad input gives nullopt or an empty list).

/// cgroup v2 cpu.max ("150000 100000", "max 100000"): the quota in
/// millicores (1500), nullopt for "max" or anything unreadable.
std::optional<int64_t> parse_cpu_max(std::string_view text);
/// cgroup v2 memory.max ("8589934592\n", "max"): bytes, nullopt for "max".
std::optional<int64_t> parse_memory_max(std::string_view text);
/// /proc/meminfo: MemTotal in bytes.
std::optional<int64_t> parse_meminfo_total(std::string_view text);
/// /proc/self/cgroup: the cgroup v2 path ("0::/user.slice/x" -> "/user.slice/x").
std::optional<std::string> parse_cgroup_path(std::string_view text);
/// CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES: the devices listed,
/// comma-separated indices or GPU-/MIG- UUIDs, as CUDA reads it: entries up to
/// the first invalid one ("0,1,-1,2" -> 0,1); "" , "none", "void",
/// "NoDevFiles" -> none. "all" -> nullopt (not a list: count the devices).
std::optional<std::vector<std::string>> parse_visible_devices(std::string_view text);

}  // namespace lightning::scheduler
