// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

namespace lightning::runtime {

/// Largest controller<->zygote datagram. Requests: {"id", "path", "type",
/// "address", "run_id", "token", "log_level", "env"} with the stdout and
/// stderr pipe write ends as SCM_RIGHTS. Replies: {"id", "pid"} or
/// {"id", "error"}; exits: {"exit_pid", "code"|"signal"}.
inline constexpr size_t kZygoteMaxMessage = size_t{64} * 1024;

}  // namespace lightning::runtime
