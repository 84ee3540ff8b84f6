// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

#include "runtime/resource_budget.hpp"

namespace lightning::testing {

/// A ResourceProbeInterface whose numbers the test sets; counts the readings
/// of open descriptors.
class FakeResourceProbe final : public runtime::ResourceProbeInterface {
 public:
  size_t open_descriptors() override {
    ++reads;
    return open;
  }
  size_t descriptor_limit() override { return limit; }
  size_t process_limit() override { return nproc; }

  size_t open = 0;
  size_t limit = 1024;
  size_t nproc = 0;  ///< RLIMIT_NPROC; 0: unlimited
  int reads = 0;
};

}  // namespace lightning::testing
