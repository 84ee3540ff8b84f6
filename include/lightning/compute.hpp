// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lightning/json.hpp"

namespace lightning {

/// What a work needs to run: CPUs, memory, GPUs and an accelerator model.
/// Set it on a work with WorkOptions::compute(); the scheduler places the
/// work only where all of it is free (docs/design/scheduling.md). A value
/// type with fluent setters:
///
///   WorkOptions().compute(Compute().gpus(1).cpus(4).memory_gb(16).accelerator("H100"))
///   WorkOptions().compute(Compute::preset("gpu"))      // or Compute::gpu()
///
/// Units: CPUs are logical CPUs (what sched_getaffinity and Slurm's
/// --cpus-per-task count) and may be fractional, kept in millicores
/// (1 CPU = 1000 millicores, Kubernetes' unit; values round to the nearest
/// millicore). Memory is kept in bytes; memory_gb() takes GiB (2^30 bytes)
/// and memory_mb() MiB (2^20 bytes), as Slurm's --mem=16G and Kubernetes'
/// 16Gi mean. GPUs are whole devices.
///
/// A default Compute asks for nothing: the work may run anywhere. For packing
/// works onto workers, a work that gives no CPUs counts as 1 CPU
/// (kDefaultMilliCpus) and no memory. Setters given a value out of range
/// throw std::invalid_argument naming the allowed range.
class Compute {
 public:
  static constexpr double kMaxCpus = 100'000;
  static constexpr int64_t kMaxMemoryBytes = int64_t{1} << 50;  ///< 1 PiB
  static constexpr int kMaxGpus = 1024;
  static constexpr size_t kMaxAcceleratorLength = 64;
  /// What a work that gives no CPUs counts as when works are packed: 1 CPU.
  static constexpr int64_t kDefaultMilliCpus = 1000;

  /// Logical CPUs, fractional allowed (0.5 = half a CPU); 0 (default) = not
  /// given. Throws std::invalid_argument unless 0 <= n <= 100,000 and n is 0
  /// or at least 0.001 (one millicore).
  Compute& cpus(double n);
  /// Memory in GiB (2^30 bytes), fractional allowed; 0 = not given. Throws
  /// std::invalid_argument unless 0 <= gib <= 1 PiB (1,048,576 GiB).
  Compute& memory_gb(double gib);
  /// Memory in MiB (2^20 bytes); 0 = not given. Throws std::invalid_argument
  /// unless 0 <= mib <= 1 PiB.
  Compute& memory_mb(double mib);
  /// Memory in bytes; 0 = not given. Throws std::invalid_argument unless
  /// 0 <= bytes <= 2^50 (1 PiB).
  Compute& memory_bytes(int64_t bytes);
  /// Whole GPUs; 0 (default) = none. Throws std::invalid_argument unless
  /// 0 <= n <= 1024.
  Compute& gpus(int n);
  /// The GPU model the work needs, matched case-insensitively as a part of
  /// the model name the worker reports ("H100" matches "NVIDIA H100 80GB
  /// HBM3"); empty (default) = any model. Given without gpus(), the work asks
  /// for one GPU of that model. Throws std::invalid_argument unless it has at
  /// most 64 characters from letters, digits, ' ', '-', '_' and '.'.
  Compute& accelerator(std::string model);

  /// CPUs asked, as given (0 = not given).
  double cpus() const { return static_cast<double>(milli_cpus_) / 1000.0; }
  /// CPUs asked in millicores (0 = not given).
  int64_t milli_cpus() const { return milli_cpus_; }
  /// What the scheduler charges a worker for this work: milli_cpus(), or
  /// kDefaultMilliCpus when none were given.
  int64_t charged_milli_cpus() const { return milli_cpus_ > 0 ? milli_cpus_ : kDefaultMilliCpus; }
  int64_t memory_bytes() const { return memory_bytes_; }
  /// GPUs asked: as given, or 1 when only an accelerator was given.
  int gpus() const { return gpus_ > 0 ? gpus_ : (accelerator_.empty() ? 0 : 1); }
  const std::string& accelerator() const { return accelerator_; }
  /// Nothing asked: no CPUs, memory, GPUs or accelerator given.
  bool is_empty() const {
    return milli_cpus_ == 0 && memory_bytes_ == 0 && gpus_ == 0 && accelerator_.empty();
  }

  /// The named presets, by the names preset() takes:
  ///   "cpu-small"  1 CPU, 2 GiB
  ///   "cpu-large"  8 CPUs, 32 GiB
  ///   "gpu"        1 GPU, 4 CPUs, 16 GiB
  ///   "gpu-multi"  4 GPUs, 16 CPUs, 64 GiB
  /// Throws std::invalid_argument for another name, listing these.
  static Compute preset(std::string_view name);
  /// The preset names, in the order above.
  static const std::vector<std::string>& preset_names();
  static Compute cpu_small() { return preset("cpu-small"); }
  static Compute cpu_large() { return preset("cpu-large"); }
  static Compute gpu() { return preset("gpu"); }
  static Compute gpu_multi() { return preset("gpu-multi"); }

  /// {"cpus": 4.0, "memory_bytes": 17179869184, "gpus": 1, "accelerator": "H100"}:
  /// every field, 0 / "" when not given.
  Json to_json() const;
  /// The inverse of to_json(); absent fields are not given. Throws
  /// std::invalid_argument naming the field for a field of the wrong type, a
  /// value out of the setters' ranges, or an unknown field.
  static Compute from_json(const Json& j);
  /// For messages: "2 GPUs (H100), 4 CPUs, 16 GiB"; "nothing" when empty.
  std::string describe() const;

  bool operator==(const Compute& o) const {
    return milli_cpus_ == o.milli_cpus_ && memory_bytes_ == o.memory_bytes_ && gpus_ == o.gpus_ &&
           accelerator_ == o.accelerator_;
  }
  bool operator!=(const Compute& o) const { return !(*this == o); }

 private:
  int64_t milli_cpus_ = 0;
  int64_t memory_bytes_ = 0;
  int gpus_ = 0;
  std::string accelerator_;
};

/// "16 GiB", "1.5 GiB", "512 MiB", "1000 B": memory for messages.
std::string format_memory(int64_t bytes);
/// "4", "0.5": CPUs given in millicores, for messages.
std::string format_cpus(int64_t milli_cpus);

}  // namespace lightning
