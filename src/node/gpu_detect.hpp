// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The GPUs a lightning-worker offers (docs/design/worker-node.md, "GPUs").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.hpp"

namespace lightning::node {

/// One GPU of the node. `index` is the node's physical index, the number
/// CUDA_VISIBLE_DEVICES takes on that node when nothing has renumbered the
/// devices (NVML's order, which is CUDA's with CUDA_DEVICE_ORDER=PCI_BUS_ID).
struct NodeGpu {
  int index = 0;
  std::string model;         ///< "NVIDIA H100 80GB HBM3"; empty when unknown
  int64_t memory_bytes = 0;  ///< 0 when unknown
  std::string uuid;          ///< "GPU-..."; empty when unknown
};

/// What detect_gpus() found and how.
struct GpuDetection {
  std::vector<NodeGpu> gpus;
  /// RegisterWorker.detected_by["gpus"]: "nvml", "CUDA_VISIBLE_DEVICES",
  /// "SLURM_STEP_GPUS", "SLURM_JOB_GPUS", "--gpus" or "none".
  std::string detected_by;
  /// For the log: why NVML was not used, which variable filtered it, ...
  std::string note;
};

/// Environment lookup; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char*)>;

/// Where detect_gpus() looks; tests replace both.
struct GpuProbe {
  /// Null: getenv.
  EnvLookup getenv;
  /// Every GPU of the node; an error when NVML is not there. Null: query_nvml().
  std::function<Result<std::vector<NodeGpu>>()> nvml;
};

/// Every GPU of the node through NVML, loaded with dlopen(`library`)
/// (nothing about CUDA at link time): index, model, memory and UUID.
/// Unavailable with the reason when the library, or a driver behind it, is
/// not there (dlerror's text, NVML's error string). `library` is the driver's
/// libnvidia-ml.so.1 but in tests (a fake NVML).
Result<std::vector<NodeGpu>> query_nvml(const char* library = "libnvidia-ml.so.1");

/// The node's GPUs, in order of preference:
///  1. NVML, filtered by CUDA_VISIBLE_DEVICES when it is set (indices or
///     GPU-UUIDs, as Slurm sets it for the allocation): the GPUs kept are
///     reported with their physical (NVML) index, not renumbered;
///  2. without NVML, the bare indices in CUDA_VISIBLE_DEVICES, else
///     SLURM_STEP_GPUS, else SLURM_JOB_GPUS (model and memory unknown);
///  3. else none.
/// Never throws.
GpuDetection detect_gpus(const GpuProbe& probe = {});

/// The --gpus flag: "none" (or "") -> no GPUs, "0,1,3" -> those indices (model
/// empty), detected_by "--gpus". InvalidArgument naming the bad entry for
/// anything else (negative, not a number, repeated, more than 1024 entries).
Result<GpuDetection> gpus_from_flag(std::string_view text);

/// "0,1,3" -> {0,1,3}: bare, comma-separated, non-negative decimal indices,
/// spaces around entries allowed; nullopt for anything else (a UUID, "all",
/// an empty entry, a number above 1023). "" -> an empty list.
std::optional<std::vector<int>> parse_gpu_indices(std::string_view text);

/// The GPUs of `all` that a CUDA_VISIBLE_DEVICES list (parsed with
/// scheduler::parse_visible_devices) names, in the list's order: an entry is
/// an index, a full "GPU-..." UUID or a unique prefix of one, as CUDA accepts;
/// MIG devices and entries that match nothing are left out.
std::vector<NodeGpu> filter_visible(const std::vector<NodeGpu>& all,
                                    const std::vector<std::string>& visible);

}  // namespace lightning::node
