// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/work_session_router.hpp"

#include <spdlog/spdlog.h>

#include "rpc/protocol.hpp"
#include "util/ids.hpp"

namespace lightning::runtime {

namespace {
grpc::StatusCode grpc_code(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return grpc::StatusCode::OK;
    case StatusCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case StatusCode::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case StatusCode::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case StatusCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case StatusCode::kDeadlineExceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case StatusCode::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case StatusCode::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::UNKNOWN;
}
}  // namespace

void WorkSessionRouter::on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                                           v1::WorkerMessage& msg) {
  if (session->process_id == 0) {
    if (!msg.has_hello()) {
      spdlog::warn("work connection from {}: first message must be Hello", session->peer());
      session->close(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                  "the first message on a Connect stream must be Hello"));
      return;
    }
    on_hello(session, msg.hello());
    return;
  }
  const uint64_t process_id = session->process_id;
  if (handler_.session_of(process_id) != session.get()) return;  // stale
  auto protocol_error = [&](const std::string& what) {
    spdlog::error("{}: {}", handler_.work_path_of(process_id), what);
    v1::ControllerMessage e;
    e.mutable_error()->set_message(what);
    session->send(std::move(e));
  };
  Status st;
  switch (msg.body_case()) {
    case v1::WorkerMessage::kDelta: {
      const auto& d = msg.delta();
      if (d.version() != session->next_delta_in) {
        protocol_error("state delta version " + std::to_string(d.version()) +
                       " out of order (expected " + std::to_string(session->next_delta_in) +
                       "); applied anyway");
      }
      session->next_delta_in = d.version() + 1;
      st = handler_.on_delta(process_id, d.patch_json());
      break;
    }
    case v1::WorkerMessage::kStarted:
      st = handler_.on_call_started(process_id, msg.started().call_id());
      break;
    case v1::WorkerMessage::kFinished:
      st = handler_.on_call_finished(process_id, msg.finished());
      break;
    case v1::WorkerMessage::kUrl:
      st = handler_.on_url_published(process_id, msg.url().url());
      break;
    case v1::WorkerMessage::kError:
      spdlog::warn("{} reported a protocol error: {}", handler_.work_path_of(process_id),
                   msg.error().message());
      break;
    case v1::WorkerMessage::kHello:
      st = InvalidArgument("duplicate Hello");
      break;
    default:
      st = InvalidArgument("empty or unknown message");
  }
  if (!st.ok()) protocol_error(st.message());
}

void WorkSessionRouter::on_hello(const std::shared_ptr<rpc::WorkSession>& session,
                                 const v1::Hello& h) {
  auto reject = [&](grpc::StatusCode code, const std::string& why) {
    spdlog::warn("rejected a work connection from {} (work '{}'): {}", session->peer(),
                 h.work_path(), why);
    session->close(grpc::Status(code, why));
  };
  if (h.protocol_version() != rpc::kProtocolVersion) {
    return reject(grpc::StatusCode::FAILED_PRECONDITION,
                  "protocol version " + std::to_string(h.protocol_version()) +
                      " is not supported; this controller speaks " +
                      std::to_string(rpc::kProtocolVersion));
  }
  if (h.run_id() != run_id_ || !util::equal_secret(h.token(), token_)) {
    return reject(grpc::StatusCode::UNAUTHENTICATED, "wrong run id or token");
  }
  const Status st = handler_.on_hello(session, h);
  if (!st.ok()) reject(grpc_code(st.code()), st.message());
}

void WorkSessionRouter::on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) {
  const uint64_t process_id = session->process_id;
  if (process_id == 0 || handler_.session_of(process_id) != session.get()) return;
  handler_.on_disconnected(process_id);
}

}  // namespace lightning::runtime
