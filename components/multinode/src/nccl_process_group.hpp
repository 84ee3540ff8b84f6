// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The NCCL backend of init_process_group (internal). nccl_process_group.cpp
// implements it when the build has LIGHTNING_WITH_CUDA; no_nccl.cpp otherwise.
#pragma once

#include <chrono>
#include <memory>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include "lightning/components/distributed.hpp"

namespace lightning::components::detail {

/// Builds an NCCL communicator on GPU LOCAL_RANK: rank 0's ncclUniqueId
/// passes to the others through `store`. Throws std::runtime_error when
/// there is no usable GPU or NCCL fails.
std::unique_ptr<ProcessGroup> make_nccl_process_group(const TorchrunEnv& env,
                                                      const c10::intrusive_ptr<c10d::Store>& store,
                                                      std::chrono::milliseconds timeout);

}  // namespace lightning::components::detail
