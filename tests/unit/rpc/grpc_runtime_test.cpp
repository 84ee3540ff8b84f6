// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// rpc::tune_grpc_runtime: the process-wide gRPC settings every process of a
// run makes at start.
#include "rpc/grpc_runtime.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace lightning::rpc {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): one thread here
  return v == nullptr ? "" : v;
}

TEST(GrpcRuntimeTest, HostNamesResolveThroughTheSystemUnlessTheUserChoseAResolver) {
  // gRPC's c-ares resolver skips nsswitch (and /etc/hosts first): each work
  // dialling "host:port" waited 5-17 s for an unreachable name server.
  ::unsetenv("GRPC_DNS_RESOLVER");
  tune_grpc_runtime();
  EXPECT_EQ(env("GRPC_DNS_RESOLVER"), "native");
  ::setenv("GRPC_DNS_RESOLVER", "ares", 1);
  tune_grpc_runtime();
  EXPECT_EQ(env("GRPC_DNS_RESOLVER"), "ares") << "the user's choice stays";
  ::unsetenv("GRPC_DNS_RESOLVER");
}

}  // namespace
}  // namespace lightning::rpc
