// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// components/multinode without the runtime: the torchrun environment, the
// options, and the process group with every rank a thread of this process
// (real c10d TCPStore and ProcessGroupGloo on loopback).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <lightning/components/distributed.hpp>
#include <lightning/components/multinode.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace mn = lightning::components;
using std::chrono::milliseconds;

template <class Fn>
std::string message_of_throw(Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

TEST(TorchrunEnvTest, AssignsRanksAsTorchrunDoesForNodeGroups) {
  mn::GangSpec spec;
  spec.nnodes = 2;
  spec.nproc_per_node = 3;
  spec.master_addr = "10.0.0.1";
  spec.master_port = 29500;
  spec.restart_count = 2;
  const auto envs = mn::torchrun_env(spec);
  ASSERT_EQ(envs.size(), 6U);
  for (int rank = 0; rank < 6; ++rank) {
    const auto& env = envs[static_cast<size_t>(rank)];
    EXPECT_EQ(env.at("RANK"), std::to_string(rank));
    EXPECT_EQ(env.at("GROUP_RANK"), std::to_string(rank / 3));
    EXPECT_EQ(env.at("LOCAL_RANK"), std::to_string(rank % 3));
    EXPECT_EQ(env.at("WORLD_SIZE"), "6");
    EXPECT_EQ(env.at("LOCAL_WORLD_SIZE"), "3");
    EXPECT_EQ(env.at("GROUP_WORLD_SIZE"), "2");
    EXPECT_EQ(env.at("MASTER_ADDR"), "10.0.0.1");
    EXPECT_EQ(env.at("MASTER_PORT"), "29500");
    EXPECT_EQ(env.at("TORCHELASTIC_RESTART_COUNT"), "2");
  }
}

TEST(TorchrunEnvTest, RejectsAShapeOrPortThatCannotBe) {
  mn::GangSpec spec;
  spec.master_port = 0;
  EXPECT_NE(message_of_throw([&] { mn::torchrun_env(spec); }).find("is not a TCP port"),
            std::string::npos);
  spec.master_port = 1234;
  spec.nproc_per_node = 0;
  EXPECT_NE(message_of_throw([&] { mn::torchrun_env(spec); }).find("must both be at least 1"),
            std::string::npos);
}

TEST(TorchrunEnvTest, FromEnvironmentReadsTheVariablesAndNamesAMissingOne) {
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("RANK", "3", 1);
  ::setenv("LOCAL_RANK", "1", 1);
  ::setenv("LOCAL_WORLD_SIZE", "2", 1);
  ::setenv("GROUP_RANK", "1", 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", "29501", 1);
  ::setenv("TORCHELASTIC_RESTART_COUNT", "2", 1);
  const auto env = mn::TorchrunEnv::from_environment();
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_world_size, 2);
  EXPECT_EQ(env.group_rank, 1);
  EXPECT_EQ(env.master_addr, "127.0.0.1");
  EXPECT_EQ(env.master_port, 29501);
  EXPECT_EQ(env.restart_count, 2);
  ::setenv("RANK", "4", 1);  // not below WORLD_SIZE
  EXPECT_NE(message_of_throw([] {
              mn::TorchrunEnv::from_environment();
            }).find("RANK='4' is not a number in 0..3"),
            std::string::npos);
  ::unsetenv("MASTER_PORT");
  ::setenv("RANK", "0", 1);
  EXPECT_NE(message_of_throw([] {
              mn::TorchrunEnv::from_environment();
            }).find("MASTER_PORT is not set; run this work under"),
            std::string::npos);
  for (const char* name : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK",
                           "MASTER_ADDR", "TORCHELASTIC_RESTART_COUNT"}) {
    ::unsetenv(name);
  }
}

TEST(MultiNodeOptionsTest, SettersRejectValuesOutOfRangeSayingTheRange) {
  EXPECT_NE(message_of_throw([] { mn::MultiNodeOptions().nproc_per_node(0); }).find("use 1..256"),
            std::string::npos);
  EXPECT_NE(message_of_throw([] { mn::MultiNodeOptions().max_restarts(-1); }).find("use 0..100"),
            std::string::npos);
  EXPECT_NE(message_of_throw([] {
              mn::MultiNodeOptions().args(lightning::Json::array());
            }).find("must be a JSON object"),
            std::string::npos);
  EXPECT_NE(message_of_throw([] {
              mn::MultiNodeOptions().args({{"restart_count", 1}});
            }).find("is set by MultiNode"),
            std::string::npos);
}

TEST(FindFreePortTest, GivesAPortThatCanBeBoundAndNamesABadHost) {
  const int port = mn::find_free_port("127.0.0.1");
  EXPECT_GT(port, 0);
  EXPECT_LE(port, 65535);
  EXPECT_NE(message_of_throw([] {
              mn::find_free_port("no-such-host.invalid");
            }).find("cannot resolve 'no-such-host.invalid'"),
            std::string::npos);
}

// Runs `body(rank)` for every rank of a gang of `world` on threads, with a
// fresh MASTER_PORT; returns what each threw ("" when nothing).
std::vector<std::string> run_ranks(int world, const std::function<void(mn::TorchrunEnv)>& body) {
  const int port = mn::find_free_port();
  std::vector<std::future<std::string>> results;
  for (int rank = 0; rank < world; ++rank) {
    mn::TorchrunEnv env;
    env.rank = rank;
    env.local_rank = rank;
    env.world_size = world;
    env.local_world_size = world;
    env.master_addr = "127.0.0.1";
    env.master_port = port;
    results.push_back(std::async(std::launch::async, [env, &body] {
      try {
        body(env);
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
      return std::string();
    }));
  }
  std::vector<std::string> errors;
  for (auto& r : results) errors.push_back(r.get());
  return errors;
}

struct Tiny : torch::nn::Module {
  torch::nn::Linear fc{nullptr};
  Tiny() { fc = register_module("fc", torch::nn::Linear(3, 2)); }
};

TEST(ProcessGroupTest, BroadcastParametersGivesEveryRankRankZerosWeights) {
  std::vector<double> sums(3);
  const auto errors = run_ranks(3, [&](const mn::TorchrunEnv& env) {
    auto group = mn::init_process_group(env, {mn::Backend::kGloo, std::chrono::seconds(20)});
    EXPECT_EQ(group->backend_name(), "gloo");
    Tiny model;
    torch::NoGradGuard no_grad;
    for (auto& p : model.parameters()) p.fill_(static_cast<double>(env.rank + 1));
    mn::broadcast_parameters(model, *group);
    sums[static_cast<size_t>(env.rank)] = mn::parameter_checksum(model);
  });
  for (const auto& e : errors) EXPECT_EQ(e, "");
  Tiny ones;
  {
    torch::NoGradGuard no_grad;
    for (auto& p : ones.parameters()) p.fill_(1.0);
  }
  for (double s : sums) EXPECT_EQ(s, mn::parameter_checksum(ones));
}

TEST(ProcessGroupTest, AllreduceGradientsLeavesTheMeanOnEveryRank) {
  std::vector<torch::Tensor> grads(2);
  const auto errors = run_ranks(2, [&](const mn::TorchrunEnv& env) {
    auto group = mn::init_process_group(env, {mn::Backend::kGloo, std::chrono::seconds(20)});
    Tiny model;
    // rank 0's gradients are 1, rank 1's are 3; fc.bias gets none on rank 1.
    for (auto& p : model.parameters()) {
      if (env.rank == 1 && p.dim() == 1) continue;
      p.mutable_grad() = torch::full_like(p, env.rank == 0 ? 1.0 : 3.0);
    }
    mn::allreduce_gradients(model, *group);
    grads[static_cast<size_t>(env.rank)] =
        torch::cat({model.fc->weight.grad().reshape({-1}), model.fc->bias.grad()});
  });
  for (const auto& e : errors) EXPECT_EQ(e, "");
  const auto expected = torch::cat({torch::full({6}, 2.0), torch::full({2}, 0.5)});
  EXPECT_TRUE(torch::equal(grads[0], expected)) << grads[0];
  EXPECT_TRUE(torch::equal(grads[1], expected)) << grads[1];
}

TEST(ProcessGroupTest, APeerThatNeverArrivesIsAClearTimeoutError) {
  const int port = mn::find_free_port();
  mn::TorchrunEnv env;
  env.world_size = 2;
  env.master_addr = "127.0.0.1";
  env.master_port = port;
  const auto start = std::chrono::steady_clock::now();
  const std::string error = message_of_throw([&] {
    mn::init_process_group(env, {mn::Backend::kGloo, milliseconds(1000)});
  });
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(error.find("rank 0 of 2: rank(s) 1 did not arrive at the rendezvous at 127.0.0.1:" +
                       std::to_string(port) + " (MASTER_ADDR:MASTER_PORT) within 1000 ms"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("Check that all WORLD_SIZE=2 ranks were started"), std::string::npos)
      << error;
  EXPECT_GE(took, milliseconds(900));  // it did wait for the peer
  EXPECT_LT(took, std::chrono::seconds(10));

  env.rank = 1;  // and no rank 0 at all
  const std::string joiner = message_of_throw([&] {
    mn::init_process_group(env, {mn::Backend::kGloo, milliseconds(1000)});
  });
  EXPECT_NE(joiner.find("rank 1 of 2: could not join rank 0's TCPStore at 127.0.0.1:"),
            std::string::npos)
      << joiner;
}

TEST(ProcessGroupTest, ATakenMasterPortIsAClearErrorOnRankZero) {
  // What losing find_free_port's race looks like: another process listens there.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  mn::TorchrunEnv env;
  env.world_size = 2;
  env.master_addr = "127.0.0.1";
  env.master_port = ntohs(addr.sin_port);
  const std::string error = message_of_throw([&] {
    mn::init_process_group(env, {mn::Backend::kGloo, milliseconds(1000)});
  });
  ::close(fd);
  EXPECT_NE(error.find("rank 0 of 2: cannot host the TCPStore at 127.0.0.1:" +
                       std::to_string(env.master_port)),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("(is the port taken?)"), std::string::npos) << error;
}

TEST(ProcessGroupTest, AGoneAfterTheRendezvousPeerFailsTheCollectiveWithTheRank) {
  const auto errors = run_ranks(2, [&](const mn::TorchrunEnv& env) {
    auto group = mn::init_process_group(env, {mn::Backend::kGloo, milliseconds(2000)});
    if (env.rank == 1) return;  // leaves: its group is destroyed, its sockets closed
    torch::Tensor t = torch::ones({4});
    group->allreduce_sum(t);
  });
  EXPECT_NE(errors[0].find("rank 0 of 2: gloo allreduce failed"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[1], "");
}

TEST(ProcessGroupTest, NcclBackendAllreduces_CUDA) {
  if (!mn::has_nccl_backend())
    GTEST_SKIP() << "built without LIGHTNING_WITH_CUDA (no NCCL backend)";
  if (mn::cuda_device_count() == 0) GTEST_SKIP() << "no GPU on this machine";
  const auto errors = run_ranks(1, [&](const mn::TorchrunEnv& env) {
    auto group = mn::init_process_group(env, {mn::Backend::kNccl, std::chrono::seconds(30)});
    EXPECT_EQ(group->backend_name(), "nccl");
    torch::Tensor t = torch::arange(8, torch::kFloat);
    group->allreduce_sum(t);
    EXPECT_TRUE(torch::equal(t, torch::arange(8, torch::kFloat)));
    group->broadcast(t, 0);
    group->barrier();
  });
  EXPECT_EQ(errors[0], "");
}

TEST(ProcessGroupTest, NcclBackendWithoutAGpuIsAClearError) {
  if (!mn::has_nccl_backend()) GTEST_SKIP() << "built without LIGHTNING_WITH_CUDA";
  if (mn::cuda_device_count() > 0) GTEST_SKIP() << "this machine has a GPU";
  const auto errors = run_ranks(1, [&](const mn::TorchrunEnv& env) {
    mn::init_process_group(env, {mn::Backend::kNccl, std::chrono::seconds(5)});
  });
  EXPECT_NE(errors[0].find("no usable GPU on this machine"), std::string::npos) << errors[0];
}

TEST(ProcessGroupTest, NcclBackendWithoutItIsAClearError) {
  if (mn::has_nccl_backend()) GTEST_SKIP() << "this build has the NCCL backend";
  mn::TorchrunEnv env;
  env.master_addr = "127.0.0.1";
  env.master_port = mn::find_free_port();
  EXPECT_NE(message_of_throw([&] {
              mn::init_process_group(env, {mn::Backend::kNccl});
            }).find("configure with -DLIGHTNING_WITH_CUDA=ON"),
            std::string::npos);
}

}  // namespace
