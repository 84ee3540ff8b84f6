// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lightning::worker {

/// Identity and credentials of one work process, handed over by the launcher.
struct WorkProcessSpec {
  std::string work_path;
  std::string work_type;
  std::string controller_address;
  std::string run_id;
  std::string token;
  std::string log_level;
  std::string run_dir;
  std::vector<std::string> app_args;
  uint64_t process_id = 0;
};

/// Process exit codes of a work process that did not get to run its calls.
inline constexpr int kExitUnknownType = 3;
inline constexpr int kExitRejected = 4;

/// Body of a work process: constructs the work from its registered type,
/// connects to the controller and serves calls until the stream ends.
/// Threads: the caller's thread runs Work::run; one thread reads the stream,
/// one writes it (coalescing state changes that pile up while it writes).
int run_work_process(const WorkProcessSpec& spec);

}  // namespace lightning::worker
