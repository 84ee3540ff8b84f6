// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lightning/v1/runtime.pb.h"
#include "rpc/controller_service.hpp"
#include "util/status.hpp"

namespace lightning::runtime {

/// What the wire protocol means to the owner of the works' processes (the
/// controller). Each returns a Status whose code says how the router answers
/// a refusal (named after gRPC's codes).
class WorkProtocolHandler {
 public:
  virtual ~WorkProtocolHandler() = default;
  /// The session bound to live process `process_id`, or null (exited, or
  /// not connected): a message on any other session is stale and ignored.
  virtual const rpc::WorkSession* session_of(uint64_t process_id) const = 0;
  /// For logs: the path of the work process `process_id` runs.
  virtual std::string work_path_of(uint64_t process_id) const = 0;
  /// An authenticated Hello: bind `session` to the process it names, or say
  /// why not (NotFound, InvalidArgument, AlreadyExists).
  virtual Status on_hello(const std::shared_ptr<rpc::WorkSession>& session,
                          const v1::Hello& hello) = 0;
  virtual Status on_delta(uint64_t process_id, const std::string& patch_json) = 0;
  virtual Status on_call_started(uint64_t process_id, uint64_t call_id) = 0;
  virtual Status on_call_finished(uint64_t process_id, const v1::CallFinished& finished) = 0;
  /// The work published a URL (not yet checked).
  virtual Status on_url_published(uint64_t process_id, const std::string& url) = 0;
  /// The bound session's stream ended.
  virtual void on_disconnected(uint64_t process_id) = 0;
};

/// The controller's side of the Connect protocol (docs/design/wire-protocol.md):
/// the first message must be Hello; Hello's protocol version, run id and
/// token are checked; deltas must come in order; a broken rule gets an Error
/// message or a closed stream back, never a crash. It turns each valid message
/// into one call on its WorkProtocolHandler. Owned by the controller; runs on
/// its loop thread (the gRPC service posts every message there).
class WorkSessionRouter final : public rpc::WorkSessionHandler {
 public:
  WorkSessionRouter(WorkProtocolHandler& handler, std::string run_id, std::string token)
      : handler_(handler), run_id_(std::move(run_id)), token_(std::move(token)) {}

  void on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                          v1::WorkerMessage& msg) override;
  void on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) override;

  const std::string& run_id() const { return run_id_; }
  const std::string& token() const { return token_; }

 private:
  void on_hello(const std::shared_ptr<rpc::WorkSession>& session, const v1::Hello& hello);

  WorkProtocolHandler& handler_;
  std::string run_id_;
  std::string token_;
};

}  // namespace lightning::runtime
