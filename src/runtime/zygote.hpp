// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include "util/status.hpp"

namespace lightning::runtime {

/// The work forker ("zygote") is a copy of the app that forks work processes on
/// request, so a work starts in well under a millisecond even when the app
/// links libtorch, and reports how they exit. Single-threaded; talks to the
/// ForkLauncher over a SOCK_SEQPACKET socketpair (zygote_protocol.hpp: a
/// LaunchWorkRequest in, ForkerMessages out). It dies with the controller
/// (PR_SET_PDEATHSIG) and takes its children with it; its children die with it.
struct ZygoteHandle {
  pid_t pid = -1;
  int socket_fd = -1;
};

/// Forks the first zygote at the top of run_app(). Must be called while the
/// process is still single-threaded: the zygote is the app as it was then.
Result<ZygoteHandle> start_zygote();

/// Starts a new zygote after the first one died: the controller is
/// multi-threaded by then and must not fork a copy of itself, so this execs
/// the app's binary (`executable`, by default the app's own: /proc/self/exe)
/// in zygote-only mode (see run_as_zygote_if_asked) with posix_spawn, handing
/// it the socket. lightning-worker passes the app binary it fetched: any
/// binary whose main() is run_app() (LIGHTNING_APP) can be the forker. Costs
/// what the app's start costs (its static initialisers run again: ~0.5 s for
/// an app that links libtorch). Call it from the thread that lives as long as
/// the controller (its main thread): PR_SET_PDEATHSIG is tied to that thread.
/// Unavailable with the path and errno's text when the spawn fails.
Result<ZygoteHandle> spawn_zygote(const char* executable = "/proc/self/exe");

/// The first thing run_app() does: in a process started by spawn_zygote(),
/// becomes the zygote and never returns; elsewhere returns at once.
void run_as_zygote_if_asked();

}  // namespace lightning::runtime
