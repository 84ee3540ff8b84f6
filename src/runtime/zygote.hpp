// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

namespace lightning::runtime {

/// The zygote is a copy of the app forked at the very start of main(), before
/// any thread exists. It forks work processes on request, so a work starts in
/// well under a millisecond even when the app links libtorch, and reports how
/// they exit. Single-threaded; talks to the controller over a SOCK_SEQPACKET
/// socketpair (JSON messages, the child's stdout/stderr pipe ends as
/// SCM_RIGHTS). It dies with the controller (PR_SET_PDEATHSIG) and takes its
/// children with it.
struct ZygoteHandle {
  pid_t pid = -1;
  int socket_fd = -1;
};

/// Forks the zygote. Must be called while the process is single-threaded.
ZygoteHandle start_zygote();

}  // namespace lightning::runtime
