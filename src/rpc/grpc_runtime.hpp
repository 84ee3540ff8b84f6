// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Process-wide settings of the gRPC runtime, made once at the start of every
// process that speaks gRPC: the app (controller, and through fork its work
// forker and works) and lightning-worker.
#pragma once

namespace lightning::rpc {

/// Process-wide settings, inherited by the processes it forks; call before
/// any thread starts (and before gRPC is first used); safe to call again:
///  - Abseil's mutex deadlock detection off. Debian 12 builds Abseil without
///    NDEBUG, so every `absl::Mutex` that gRPC takes also updated a global
///    lock-order graph (`GraphCycles`): 4-5% of the controller's CPU in a
///    1,000-work fan-out (bench/cluster.sh, perf). Our own locks are
///    std::mutex, checked by TSan in CI instead.
///  - `GRPC_DNS_RESOLVER=native` unless the environment sets it: host names
///    resolve through getaddrinfo(3), so /etc/hosts, nsswitch.conf (NIS,
///    LDAP, as clusters use) and the system's cache apply. gRPC's default
///    c-ares resolver reads neither nsswitch nor, first, /etc/hosts: with an
///    unreachable name server, each work dialling the controller by host name
///    ("vm:PORT", the default advertised address) waited 5-17 s
///    (400 works over 4 workers: 18.4 s instead of ~1 s).
///  - gRPC's own log lines go through spdlog (this process's format and
///    level): errors as warnings, a client's failed TLS handshake as info
///    (the worker says why, in its words), the rest at debug.
void tune_grpc_runtime();

}  // namespace lightning::rpc
