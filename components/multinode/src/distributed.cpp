// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/components/distributed.hpp"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <vector>

#include "nccl_process_group.hpp"

namespace lightning::components {
namespace {

// c10::Error::what() carries a C++ backtrace; users want the sentence.
std::string message_of(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

int read_int(const char* name, int min, int max, const int* fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') {
    if (fallback != nullptr) return *fallback;
    throw std::runtime_error(std::string("TorchrunEnv: ") + name +
                             " is not set; run this work under lightning::components::MultiNode "
                             "(or torchrun), which sets RANK, WORLD_SIZE, MASTER_ADDR, ...");
  }
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    throw std::runtime_error(std::string("TorchrunEnv: ") + name + "='" + text +
                             "' is not a number in " + std::to_string(min) + ".." +
                             std::to_string(max));
  }
  return static_cast<int>(value);
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

class GlooProcessGroup : public ProcessGroup {
 public:
  GlooProcessGroup(int rank, int world_size, c10::intrusive_ptr<c10d::ProcessGroupGloo> group)
      : ProcessGroup(rank, world_size), group_(std::move(group)) {}

  std::string backend_name() const override { return "gloo"; }

  void broadcast(torch::Tensor& tensor, int root) override {
    std::vector<at::Tensor> tensors{tensor};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    run("broadcast", [&] { return group_->broadcast(tensors, options); });
  }

  void allreduce_sum(torch::Tensor& tensor) override {
    std::vector<at::Tensor> tensors{tensor};
    run("allreduce", [&] { return group_->allreduce(tensors); });
  }

  void barrier() override {
    run("barrier", [&] { return group_->barrier(); });
  }

 private:
  template <class Start>
  void run(const char* what, Start start) {
    try {
      auto work = start();
      work->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error("rank " + std::to_string(rank()) + " of " +
                               std::to_string(world_size()) + ": gloo " + what +
                               " failed: " + message_of(e) +
                               " (a peer died or stopped; MultiNode restarts the gang)");
    }
  }

  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

std::shared_ptr<::gloo::transport::Device> gloo_device(const TorchrunEnv& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (is_loopback(env.master_addr)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

std::string where(const TorchrunEnv& env) {
  return env.master_addr + ":" + std::to_string(env.master_port) + " (MASTER_ADDR:MASTER_PORT)";
}

// Groups tensors by dtype, flattens each group into one tensor, applies `op`,
// and copies the result back: one collective per dtype instead of per tensor.
template <class Op>
void flattened(const std::vector<torch::Tensor>& tensors, Op op) {
  std::map<c10::ScalarType, std::vector<torch::Tensor>> by_type;
  for (const auto& t : tensors) by_type[t.scalar_type()].push_back(t);
  torch::NoGradGuard no_grad;
  for (auto& [type, group] : by_type) {
    std::vector<torch::Tensor> flat_parts;
    flat_parts.reserve(group.size());
    for (const auto& t : group) flat_parts.push_back(t.detach().reshape({-1}));
    torch::Tensor flat = torch::cat(flat_parts).contiguous();
    op(flat);
    int64_t offset = 0;
    for (auto& t : group) {
      t.detach().copy_(flat.narrow(0, offset, t.numel()).view_as(t));
      offset += t.numel();
    }
  }
}

}  // namespace

TorchrunEnv TorchrunEnv::from_environment() {
  TorchrunEnv env;
  const int zero = 0;
  env.world_size = read_int("WORLD_SIZE", 1, 1 << 20, nullptr);
  env.rank = read_int("RANK", 0, env.world_size - 1, nullptr);
  env.local_rank = read_int("LOCAL_RANK", 0, env.world_size - 1, nullptr);
  env.local_world_size = read_int("LOCAL_WORLD_SIZE", 1, env.world_size, &env.world_size);
  env.group_rank = read_int("GROUP_RANK", 0, env.world_size - 1, &zero);
  env.restart_count = read_int("TORCHELASTIC_RESTART_COUNT", 0, 1 << 20, &zero);
  env.master_port = read_int("MASTER_PORT", 1, 65535, nullptr);
  const char* addr = std::getenv("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0') {
    throw std::runtime_error(
        "TorchrunEnv: MASTER_ADDR is not set; run this work under "
        "lightning::components::MultiNode (or torchrun), which sets it");
  }
  env.master_addr = addr;
  return env;
}

std::unique_ptr<ProcessGroup> init_process_group(const TorchrunEnv& env,
                                                 const ProcessGroupOptions& options) {
  if (env.world_size < 1 || env.rank < 0 || env.rank >= env.world_size) {
    throw std::invalid_argument("init_process_group: rank " + std::to_string(env.rank) +
                                " is not in 0..WORLD_SIZE-1 (WORLD_SIZE " +
                                std::to_string(env.world_size) + ")");
  }
  if (options.backend == Backend::kNccl && !has_nccl_backend()) {
    throw std::runtime_error(
        "init_process_group: the NCCL backend is not in this build; configure with "
        "-DLIGHTNING_WITH_CUDA=ON (CUDA toolkit with NCCL), or use Backend::kGloo");
  }
  const std::string who =
      "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size);
  const std::string fix = ". Check that all WORLD_SIZE=" + std::to_string(env.world_size) +
                          " ranks were started, that MASTER_ADDR is reachable from each, and "
                          "raise ProcessGroupOptions::timeout if they start slowly";
  c10::intrusive_ptr<c10d::Store> store;
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(env.master_port);
    store_options.isServer = env.rank == 0;
    store_options.numWorkers = static_cast<std::size_t>(env.world_size);
    // c10d 1.13's waitForWorkers gives up silently at the timeout: the
    // arrival check below is what reports a missing peer.
    store_options.waitWorkers = false;
    store_options.timeout = options.timeout;
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
  } catch (const std::exception& e) {
    throw std::runtime_error(
        who + ": " +
        (env.rank == 0 ? "cannot host the TCPStore at " : "could not join rank 0's TCPStore at ") +
        where(env) + " within " + std::to_string(options.timeout.count()) +
        " ms: " + message_of(e) + (env.rank == 0 ? " (is the port taken?)" : "") + fix);
  }
  // Every rank says it is here, then waits for all the others, so that a
  // missing peer is named here rather than as a socket timeout inside Gloo.
  std::vector<std::string> arrivals;
  arrivals.reserve(static_cast<size_t>(env.world_size));
  for (int r = 0; r < env.world_size; ++r)
    arrivals.push_back("lightning/arrived/" + std::to_string(r));
  try {
    store->set(arrivals[static_cast<size_t>(env.rank)], {1});
    store->wait(arrivals, options.timeout);
  } catch (const std::exception& e) {
    std::string missing;
    try {
      for (int r = 0; r < env.world_size; ++r) {
        if (!store->check({arrivals[static_cast<size_t>(r)]})) {
          missing += (missing.empty() ? "" : ", ") + std::to_string(r);
        }
      }
    } catch (const std::exception&) {
      missing = "some";  // the store itself is gone (rank 0 died)
    }
    throw std::runtime_error(
        who + ": rank(s) " + missing + " did not arrive at the rendezvous at " + where(env) +
        " within " + std::to_string(options.timeout.count()) + " ms (" + message_of(e) + ")" + fix);
  }
  if (options.backend == Backend::kNccl) {
    return detail::make_nccl_process_group(env, store, options.timeout);
  }
  try {
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
    gloo_options->devices.push_back(gloo_device(env));
    auto group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, gloo_options);
    return std::make_unique<GlooProcessGroup>(env.rank, env.world_size, std::move(group));
  } catch (const std::exception& e) {
    throw std::runtime_error(who + ": building the Gloo process group over the store at " +
                             where(env) + " failed within " +
                             std::to_string(options.timeout.count()) + " ms: " + message_of(e) +
                             ". A peer left during the rendezvous, or this host's address is not "
                             "reachable from the others (set GLOO_SOCKET_IFNAME)");
  }
}

void broadcast_parameters(torch::nn::Module& module, ProcessGroup& group, int root) {
  std::vector<torch::Tensor> tensors = module.parameters();
  for (const auto& b : module.buffers()) tensors.push_back(b);
  if (tensors.empty()) return;
  flattened(tensors, [&](torch::Tensor& flat) { group.broadcast(flat, root); });
}

void allreduce_gradients(torch::nn::Module& module, ProcessGroup& group) {
  std::vector<torch::Tensor> grads;
  for (auto& p : module.parameters()) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  if (grads.empty()) return;
  const double world = group.world_size();
  flattened(grads, [&](torch::Tensor& flat) {
    group.allreduce_sum(flat);
    flat.div_(world);
  });
}

double parameter_checksum(const torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (const auto& p : module.parameters()) {
    auto flat = p.detach().reshape({-1}).to(torch::kDouble).cpu();
    sum += (flat * torch::arange(1, flat.numel() + 1, torch::kDouble)).sum().item<double>();
  }
  return sum;
}

}  // namespace lightning::components
