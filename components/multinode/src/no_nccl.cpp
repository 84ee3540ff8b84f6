// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// A build without LIGHTNING_WITH_CUDA: no NCCL backend, no GPU.
#include <stdexcept>

#include "nccl_process_group.hpp"

namespace lightning::components {

bool has_nccl_backend() { return false; }
int cuda_device_count() { return 0; }

namespace detail {
std::unique_ptr<ProcessGroup> make_nccl_process_group(
    const TorchrunEnv& /*env*/, const c10::intrusive_ptr<c10d::Store>& /*store*/,
    std::chrono::milliseconds /*timeout*/) {
  throw std::runtime_error(
      "init_process_group: the NCCL backend is not in this build; configure with "
      "-DLIGHTNING_WITH_CUDA=ON (CUDA toolkit with NCCL), or use Backend::kGloo");
}
}  // namespace detail

}  // namespace lightning::components
