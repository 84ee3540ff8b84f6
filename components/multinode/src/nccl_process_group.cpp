// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The NCCL backend (LIGHTNING_WITH_CUDA): compiled against the CUDA toolkit's
// cuda_runtime.h and nccl.h, linked with libcudart and libnccl. It does not
// need a CUDA build of libtorch: a CPU tensor is staged through a device
// buffer (copy in, ncclAllReduce/ncclBroadcast, copy out); a CUDA tensor (a
// CUDA libtorch) is reduced in place after a device synchronisation.
#include "nccl_process_group.hpp"

#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace lightning::components {

bool has_nccl_backend() { return true; }

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
  return count;
}

namespace detail {
namespace {

void check_cuda(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess) {
    throw std::runtime_error(std::string("nccl backend: ") + what + ": " + cudaGetErrorString(rc));
  }
}

void check_nccl(ncclResult_t rc, const char* what) {
  if (rc != ncclSuccess) {
    throw std::runtime_error(std::string("nccl backend: ") + what + ": " + ncclGetErrorString(rc));
  }
}

ncclDataType_t nccl_type(c10::ScalarType type) {
  switch (type) {
    case c10::ScalarType::Float:
      return ncclFloat32;
    case c10::ScalarType::Double:
      return ncclFloat64;
    case c10::ScalarType::Half:
      return ncclFloat16;
    case c10::ScalarType::BFloat16:
      return ncclBfloat16;
    case c10::ScalarType::Int:
      return ncclInt32;
    case c10::ScalarType::Long:
      return ncclInt64;
    case c10::ScalarType::Byte:
      return ncclUint8;
    case c10::ScalarType::Char:
      return ncclInt8;
    default:
      throw std::invalid_argument(std::string("nccl backend: dtype ") + c10::toString(type) +
                                  " is not supported by NCCL");
  }
}

class NcclProcessGroup : public ProcessGroup {
 public:
  NcclProcessGroup(const TorchrunEnv& env, const c10::intrusive_ptr<c10d::Store>& store,
                   std::chrono::milliseconds timeout)
      : ProcessGroup(env.rank, env.world_size), timeout_(timeout) {
    int devices = 0;
    const cudaError_t rc = cudaGetDeviceCount(&devices);
    if (rc != cudaSuccess || devices == 0) {
      throw std::runtime_error(
          "init_process_group(Backend::kNccl): no usable GPU on this machine (" +
          std::string(rc != cudaSuccess ? cudaGetErrorString(rc) : "0 devices") +
          "); use Backend::kGloo on CPU");
    }
    if (env.local_rank >= devices) {
      throw std::runtime_error("init_process_group(Backend::kNccl): LOCAL_RANK " +
                               std::to_string(env.local_rank) + " has no GPU of its own (" +
                               std::to_string(devices) +
                               " visible); run at most one rank per GPU (nproc_per_node)");
    }
    check_cuda(cudaSetDevice(env.local_rank), "cudaSetDevice(LOCAL_RANK)");
    ncclUniqueId id;
    const std::string key = "lightning/nccl_unique_id";
    if (env.rank == 0) {
      check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
      std::vector<uint8_t> bytes(sizeof(id));
      std::memcpy(bytes.data(), &id, sizeof(id));
      store->set(key, bytes);
    } else {
      store->wait({key}, timeout);
      const std::vector<uint8_t> bytes = store->get(key);
      if (bytes.size() != sizeof(id)) {
        throw std::runtime_error("nccl backend: rank 0's ncclUniqueId in the store has " +
                                 std::to_string(bytes.size()) + " bytes, not " +
                                 std::to_string(sizeof(id)) + " (different NCCL versions?)");
      }
      std::memcpy(&id, bytes.data(), sizeof(id));
    }
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    check_nccl(ncclCommInitRank(&comm_, env.world_size, id, env.rank), "ncclCommInitRank");
  }

  ~NcclProcessGroup() override {
    if (comm_ != nullptr) ncclCommDestroy(comm_);
    if (buffer_ != nullptr) cudaFree(buffer_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  std::string backend_name() const override { return "nccl"; }

  void broadcast(torch::Tensor& tensor, int root) override {
    collective(tensor, "ncclBroadcast", [&](void* data, size_t count, ncclDataType_t type) {
      return ncclBroadcast(data, data, count, type, root, comm_, stream_);
    });
  }

  void allreduce_sum(torch::Tensor& tensor) override {
    collective(tensor, "ncclAllReduce", [&](void* data, size_t count, ncclDataType_t type) {
      return ncclAllReduce(data, data, count, type, ncclSum, comm_, stream_);
    });
  }

  void barrier() override {
    torch::Tensor one = torch::ones({1});
    allreduce_sum(one);
  }

 private:
  template <class Op>
  void collective(torch::Tensor& tensor, const char* what, Op op) {
    if (!tensor.is_contiguous()) {
      throw std::invalid_argument(std::string("nccl backend: ") + what +
                                  " needs a contiguous tensor");
    }
    const ncclDataType_t type = nccl_type(tensor.scalar_type());
    const size_t count = static_cast<size_t>(tensor.numel());
    const size_t bytes = count * tensor.element_size();
    if (tensor.is_cuda()) {
      check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");  // the producer's stream
      check_nccl(op(tensor.data_ptr(), count, type), what);
      wait(what);
      return;
    }
    if (bytes > capacity_) {
      if (buffer_ != nullptr) check_cuda(cudaFree(buffer_), "cudaFree");
      buffer_ = nullptr;
      capacity_ = 0;
      check_cuda(cudaMalloc(&buffer_, bytes), "cudaMalloc");
      capacity_ = bytes;
    }
    check_cuda(cudaMemcpyAsync(buffer_, tensor.data_ptr(), bytes, cudaMemcpyHostToDevice, stream_),
               "cudaMemcpyAsync to the GPU");
    check_nccl(op(buffer_, count, type), what);
    check_cuda(cudaMemcpyAsync(tensor.data_ptr(), buffer_, bytes, cudaMemcpyDeviceToHost, stream_),
               "cudaMemcpyAsync from the GPU");
    wait(what);
  }

  // Waits for the stream with the group's timeout; a peer that died leaves
  // NCCL waiting for ever, so past the deadline the communicator is aborted.
  void wait(const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      const cudaError_t rc = cudaStreamQuery(stream_);
      if (rc == cudaSuccess) return;
      if (rc != cudaErrorNotReady) check_cuda(rc, what);
      ncclResult_t async = ncclSuccess;
      check_nccl(ncclCommGetAsyncError(comm_, &async), "ncclCommGetAsyncError");
      if (async != ncclSuccess || std::chrono::steady_clock::now() > deadline) {
        ncclCommAbort(comm_);
        comm_ = nullptr;
        throw std::runtime_error(
            "rank " + std::to_string(rank()) + " of " + std::to_string(world_size()) + ": nccl " +
            what + " did not finish within " + std::to_string(timeout_.count()) + " ms (" +
            (async != ncclSuccess ? ncclGetErrorString(async) : "timeout") +
            "): a peer died or stopped; MultiNode restarts the gang");
      }
      std::this_thread::yield();
    }
  }

  std::chrono::milliseconds timeout_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  void* buffer_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace

std::unique_ptr<ProcessGroup> make_nccl_process_group(const TorchrunEnv& env,
                                                      const c10::intrusive_ptr<c10d::Store>& store,
                                                      std::chrono::milliseconds timeout) {
  return std::make_unique<NcclProcessGroup>(env, store, timeout);
}

}  // namespace detail
}  // namespace lightning::components
