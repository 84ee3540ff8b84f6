// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Data-parallel helpers for the works of a MultiNode gang: a process group
// built from the torchrun environment (c10d TCPStore + ProcessGroupGloo on CPU,
// NCCL when built with LIGHTNING_WITH_CUDA), and the two collectives
// data-parallel training needs (docs/components/multinode.md).
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>

namespace lightning::components {

/// This process's place in its gang, as torchrun (and MultiNode) put it in
/// the environment.
struct TorchrunEnv {
  int rank = 0;              ///< RANK: 0..world_size-1
  int local_rank = 0;        ///< LOCAL_RANK: rank within its node group
  int world_size = 1;        ///< WORLD_SIZE
  int local_world_size = 1;  ///< LOCAL_WORLD_SIZE
  int group_rank = 0;        ///< GROUP_RANK: the node group's index
  int restart_count = 0;     ///< TORCHELASTIC_RESTART_COUNT (0 when unset)
  std::string master_addr;   ///< MASTER_ADDR: host of rank 0's TCPStore
  int master_port = 0;       ///< MASTER_PORT

  /// Reads the variables above. Throws std::runtime_error naming the first
  /// one that is missing or not a number in range ("run this work under
  /// lightning::components::MultiNode, or torchrun").
  static TorchrunEnv from_environment();
};

/// Which collective library a ProcessGroup uses.
enum class Backend {
  kGloo,  ///< c10d's ProcessGroupGloo, CPU tensors (Debian's libtorch has it)
  kNccl,  ///< NCCL on this rank's GPU (LOCAL_RANK); only with LIGHTNING_WITH_CUDA
};

struct ProcessGroupOptions {
  Backend backend = Backend::kGloo;
  /// How long the rendezvous (every rank reaching rank 0's TCPStore) and each
  /// collective may take before they throw. torch.distributed's default is
  /// 30 min; 60 s here, so that a peer that never arrives is reported soon.
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

/// The gang's communicator, for data-parallel training. One per process;
/// use it from one thread at a time. Not copyable.
///
///   auto env = lightning::components::TorchrunEnv::from_environment();
///   auto group = lightning::components::init_process_group(env);
///   lightning::components::broadcast_parameters(*model, *group);   // same start on every rank
///   ... loss.backward();
///   lightning::components::allreduce_gradients(*model, *group);    // average, then step
class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  /// "gloo" or "nccl".
  virtual std::string backend_name() const = 0;

  /// Replaces `tensor` (contiguous, any shape) on every rank by rank `root`'s.
  /// Throws std::runtime_error when a peer is gone or the timeout passes.
  virtual void broadcast(torch::Tensor& tensor, int root) = 0;
  /// Replaces `tensor` (contiguous, floating point) by the element-wise sum
  /// over all ranks. Throws std::runtime_error as broadcast().
  virtual void allreduce_sum(torch::Tensor& tensor) = 0;
  /// Returns once every rank has called it. Throws as broadcast().
  virtual void barrier() = 0;

 protected:
  ProcessGroup(int rank, int world_size) : rank_(rank), world_size_(world_size) {}

 private:
  int rank_;
  int world_size_;
};

/// Joins the gang described by `env`: rank 0 hosts a c10d TCPStore on
/// MASTER_ADDR:MASTER_PORT and waits for the other WORLD_SIZE-1 ranks, every
/// rank connects to it, and the backend's communicator is built over it
/// (Gloo: its TCP full mesh, on the interface in GLOO_SOCKET_IFNAME if set, on
/// loopback when MASTER_ADDR is a loopback address, else on this host's name;
/// NCCL: rank 0's ncclUniqueId passes through the store). Throws
/// std::runtime_error, saying which rank waited for what at which address and
/// how to fix it, when a peer does not arrive within options.timeout, when
/// rank 0 cannot bind MASTER_PORT, or for Backend::kNccl in a build without
/// LIGHTNING_WITH_CUDA or on a machine without a usable GPU.
std::unique_ptr<ProcessGroup> init_process_group(const TorchrunEnv& env,
                                                 const ProcessGroupOptions& options = {});

/// Whether this build has the NCCL backend (LIGHTNING_WITH_CUDA).
bool has_nccl_backend();
/// Number of CUDA devices this process can use; 0 without LIGHTNING_WITH_CUDA,
/// without a driver or without a GPU.
int cuda_device_count();

/// Copies rank `root`'s parameters and buffers into every rank's `module`
/// (what DistributedDataParallel does at construction), one broadcast per
/// dtype. Every rank must call it with a module of the same structure.
void broadcast_parameters(torch::nn::Module& module, ProcessGroup& group, int root = 0);

/// Replaces each parameter's gradient by its mean over all ranks (sum, then
/// divide by WORLD_SIZE), one all-reduce per dtype over the flattened
/// gradients: call it between loss.backward() and optimizer.step(). A
/// parameter without a gradient counts as a zero gradient (it gets one).
void allreduce_gradients(torch::nn::Module& module, ProcessGroup& group);

/// A checksum of the module's parameters: the sum over all parameters of
/// sum(p * (index + 1)) as a double, so that equal weights give equal sums
/// and a swap of two values usually does not. For tests and logs that compare
/// ranks.
double parameter_checksum(const torch::nn::Module& module);

}  // namespace lightning::components
