// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "lightning/v1/runtime.grpc.pb.h"
#include "util/event_loop.hpp"

namespace lightning::rpc {

class SessionReactor;

/// One work process's Connect stream, as the controller sees it. send() and
/// close() may be called from any thread; the rest is owned by the
/// controller's loop thread.
class WorkSession : public std::enable_shared_from_this<WorkSession> {
 public:
  void send(v1::ControllerMessage msg);
  /// Ends the stream with `status` once queued messages are written.
  void close(const grpc::Status& status);
  const std::string& peer() const { return peer_; }

  /// Test hook: with no gRPC stream behind the session (a session a unit
  /// test made), messages sent to it go here.
  std::function<void(const v1::ControllerMessage&)> capture;
  std::function<void(const grpc::Status&)> capture_close;

  // Loop-thread state, set by the controller.
  uint64_t process_id = 0;  ///< 0 until Hello was accepted.
  uint64_t next_delta_in = 1;
  uint64_t next_delta_out = 1;

 private:
  friend class SessionReactor;
  friend class ControllerService;
  std::mutex mu_;                      // guards reactor_
  SessionReactor* reactor_ = nullptr;  // null once the RPC is done
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
std::unique_ptr<grpc::Server> start_server(ControllerService& service, const std::string& address,
                                           std::string* bound_address, std::string* error);

}  // namespace lightning::rpc
