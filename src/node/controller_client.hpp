// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The worker's side of the WorkerPool service (proto/lightning/v1/cluster.proto).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "lightning/v1/cluster.grpc.pb.h"
#include "node/app_cache.hpp"
#include "rpc/tls.hpp"
#include "util/event_loop.hpp"

namespace lightning::node {

/// The channel to the controller at `address` ("host:port"), plain or TLS as
/// `tls` says (rpc::controller_channel(), the helper every client of the
/// controller uses). Short reconnect backoff (100 ms to 2 s) so that a redial
/// after the controller comes back does not wait out gRPC's default of up to
/// 2 minutes; no HTTP proxy.
std::shared_ptr<grpc::Channel> make_controller_channel(const std::string& address,
                                                       const rpc::ClientTls& tls = {});

/// What a TLS handshake with the controller showed (probe_tls()).
struct TlsProbe {
  enum class Kind {
    kUnreachable,  ///< no TCP connection, or an address probe_tls() cannot read
    kNotTls,       ///< it answered, but not with TLS (or closed the connection at once)
    kSpeaksTls,    ///< (a plain probe) it completed a TLS handshake
    kUntrusted,    ///< its certificate does not chain to the CA or does not name the host
    kRefused,      ///< it refused this client's certificate (or the lack of one): an alert
    kAccepted,     ///< the whole handshake passed and it spoke first (HTTP/2's SETTINGS)
  };
  Kind kind = Kind::kUnreachable;
  std::string detail;  ///< OpenSSL's words: "unable to get local issuer certificate", ...
};

/// Opens a TCP connection to `address` ("host:port", "[v6]:port") and does a
/// TLS handshake as `tls` would (OpenSSL, ALPN "h2"), to say why a dial
/// failed instead of retrying it until --connect-timeout. With `tls`
/// disabled it only asks whether the other end speaks TLS (no checks:
/// kSpeaksTls or kNotTls). Enabled: the controller's certificate is checked
/// against tls.ca_pem and the name (tls.server_name, else the host;
/// kUntrusted), this client's certificate is presented, and the first bytes
/// after the handshake are awaited, which is when a TLS 1.3 server's refusal
/// arrives (kRefused, kAccepted). Waits at most `timeout` for each of
/// connect, handshake and answer. Blocking; never throws.
TlsProbe probe_tls(const std::string& address, const rpc::ClientTls& tls,
                   std::chrono::milliseconds timeout);

/// A FetchApp call for `sha256` as an AppFetcher: one streaming call per
/// invocation, from the offset asked. Maps gRPC's codes onto Status:
/// UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNKNOWN ->
/// Unavailable (the cache resumes); UNAUTHENTICATED -> FailedPrecondition
/// ("refused the token"); NOT_FOUND -> NotFound; a chunk over 1 MiB or a
/// total_size other than `size` -> FailedPrecondition. `cancel` (may be
/// null) is set to a function that cancels the call in flight, from any
/// thread; it stays valid for the fetcher's life.
AppFetcher make_app_fetcher(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                            std::string sha256, int64_t size,
                            const std::shared_ptr<std::function<void()>>& cancel = nullptr);

/// One WorkerPool.Join stream (gRPC callback API). Commands read and the
/// stream's end are posted onto `loop` (named "JoinStream.Command" /
/// ".Done"), so the worker's state is only touched on its loop thread.
/// write() and the rest are thread-safe. Owned through a shared_ptr by the
/// worker; a posted handler holds a reference, so the object outlives gRPC's
/// last call into it. The owner must call cancel_and_wait() before the loop
/// and the handlers' targets go away.
class JoinStream final : public grpc::ClientBidiReactor<v1::WorkerReport, v1::WorkerCommand>,
                         public std::enable_shared_from_this<JoinStream> {
 public:
  struct Handlers {
    std::function<void(v1::WorkerCommand command)> command;
    /// Once, after the last command, with how the stream ended.
    std::function<void(const grpc::Status& status)> done;
  };

  /// Opens the stream and starts reading.
  static std::shared_ptr<JoinStream> start(v1::WorkerPool::Stub& stub, util::EventLoop& loop,
                                           Handlers handlers);
  ~JoinStream() override = default;

  /// Queues `report`; dropped once the stream is done or writes_done() was called.
  void write(v1::WorkerReport report);
  /// Half-closes the stream after what is queued.
  void writes_done();
  /// Cancels the call (the stream's done handler still comes).
  void cancel() { ctx_.TryCancel(); }
  /// Cancels and waits until gRPC is done with the stream.
  void cancel_and_wait();

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnWritesDoneDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  JoinStream(util::EventLoop& loop, Handlers handlers)
      : loop_(loop), handlers_(std::move(handlers)) {}

 private:
  void start_next_write();  // mu_ held

  util::EventLoop& loop_;
  Handlers handlers_;
  grpc::ClientContext ctx_;
  v1::WorkerCommand incoming_;
  std::mutex mu_;  // guards what follows
  std::condition_variable done_cv_;
  std::deque<v1::WorkerReport> outgoing_;
  bool writing_ = false;
  bool half_close_ = false;  // writes_done() was called
  bool half_close_sent_ = false;
  bool done_ = false;
};

}  // namespace lightning::node
