// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace lightning::runtime {

/// Largest ForkLauncher <-> work forker (zygote) datagram. Launcher -> forker:
/// a serialized v1::LaunchWorkRequest with the new process's stdout and stderr
/// pipe write ends as SCM_RIGHTS. Forker -> launcher: a serialized
/// v1::ForkerMessage (launched, or exited). See docs/design/wire-protocol.md.
inline constexpr size_t kZygoteMaxMessage = size_t{64} * 1024;

/// sendmsg() of one datagram with `nfds` descriptors attached (0, or 2: the
/// stdout and stderr write ends). `flags` as for sendmsg (MSG_NOSIGNAL is
/// added). Returns what sendmsg returns; errno is kept.
ssize_t send_datagram(int sock, std::string_view body, const int* fds, size_t nfds, int flags);

/// recvmsg() of one datagram into `body` (resized to what arrived), with up to
/// two attached descriptors in fds[0..1] (-1 where none; close-on-exec).
/// Returns what recvmsg returns; errno is kept.
ssize_t recv_datagram(int sock, std::string* body, int fds[2]);

}  // namespace lightning::runtime
