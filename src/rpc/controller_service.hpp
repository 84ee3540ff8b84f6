// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lightning/v1/runtime.grpc.pb.h"
#include "rpc/queued_bidi_reactor.hpp"
#include "util/event_loop.hpp"

namespace lightning::rpc {

/// Where a WorkSession's outgoing messages go: the Connect stream's gRPC
/// reactor in the controller; a fake in unit tests and fuzzers. Called with
/// the session's lock held, from any thread.
using SessionWriter = StreamWriter<v1::ControllerMessage>;

/// One work process's Connect stream, as the controller sees it. send() and
/// close() may be called from any thread; the rest is owned by the
/// controller's loop thread.
class WorkSession : public std::enable_shared_from_this<WorkSession> {
 public:
  /// `writer` (not owned) receives what is sent until detach_writer(); null:
  /// sends are dropped. `peer` names the other end in logs.
  explicit WorkSession(SessionWriter* writer = nullptr, std::string peer = {})
      : writer_(writer), peer_(std::move(peer)) {}

  void send(v1::ControllerMessage msg) { writer_.write(std::move(msg)); }
  /// Ends the stream with `status` once queued messages are written.
  void close(const grpc::Status& status) { writer_.finish(status); }
  /// From now on sends and closes are dropped: the stream is done (or the
  /// writer is about to be destroyed). Thread-safe; waits for a send in progress.
  void detach_writer() { writer_.detach(); }

  const std::string& peer() const { return peer_; }

  // Loop-thread state, set by the controller.
  uint64_t process_id = 0;  ///< 0 until Hello was accepted.
  uint64_t next_delta_in = 1;
  uint64_t next_delta_out = 1;

 private:
  friend class ControllerService;
  DetachableWriter<v1::ControllerMessage> writer_;  // detached once the RPC is done
  std::string peer_;
  std::atomic<bool> closed_reported_{false};
};

/// Receives what the service reads; always invoked on the controller's loop.
class WorkSessionHandler {
 public:
  virtual ~WorkSessionHandler() = default;
  virtual void on_session_message(const std::shared_ptr<WorkSession>& session,
                                  v1::WorkerMessage& msg) = 0;
  virtual void on_session_closed(const std::shared_ptr<WorkSession>& session) = 0;
};

/// The gRPC Controller service (callback API). gRPC threads only read and
/// write; every message is posted onto the controller's loop (named
/// "ControllerService.Message" / ".Closed").
class ControllerService final : public v1::Controller::CallbackService {
 public:
  ControllerService(util::EventLoop& loop, WorkSessionHandler& handler);

  grpc::ServerBidiReactor<v1::WorkerMessage, v1::ControllerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

  void post_message(std::shared_ptr<WorkSession> session, v1::WorkerMessage msg);
  void post_closed(const std::shared_ptr<WorkSession>& session);

 private:
  util::EventLoop& loop_;
  WorkSessionHandler& handler_;
};

/// Starts a gRPC server for `service` on `address` ("127.0.0.1:0" picks a
/// port). Returns the address clients dial, or empty with `error` set.
/// `more` (not owned, outliving the server): other services on the same
/// server, e.g. the artifact store's ObjectStore. `credentials`: how the
/// port is secured (rpc::server_credentials(), rpc/tls.hpp); null: plain.
std::unique_ptr<grpc::Server> start_server(
    ControllerService& service, const std::string& address, std::string* bound_address,
    std::string* error, const std::vector<grpc::Service*>& more = {},
    std::shared_ptr<grpc::ServerCredentials> credentials = nullptr);

}  // namespace lightning::rpc
