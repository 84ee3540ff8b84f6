// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "rpc/controller_service.hpp"

#include <boost/asio/post.hpp>

#include "rpc/queued_bidi_reactor.hpp"

namespace lightning::rpc {

namespace {

/// Reactor of one Connect stream; owned by gRPC, deletes itself in OnDone.
/// The controller hears of the end of the stream as soon as the work
/// half-closes (on_reads_done), and at the latest in OnDone; the session
/// reports it once.
class SessionReactor final
    : public QueuedBidiReactor<SessionReactor, v1::WorkerMessage, v1::ControllerMessage> {
 public:
  SessionReactor(ControllerService& service, grpc::CallbackServerContext* ctx)
      : service_(service), session_(std::make_shared<WorkSession>(this, ctx->peer())) {}

  void on_read(v1::WorkerMessage&& msg) { service_.post_message(session_, std::move(msg)); }
  void on_reads_done() { service_.post_closed(session_); }
  void on_done() {
    session_->detach_writer();
    service_.post_closed(session_);
  }

 private:
  ControllerService& service_;
  std::shared_ptr<WorkSession> session_;
};

}  // namespace

ControllerService::ControllerService(util::EventLoop& loop, WorkSessionHandler& handler)
    : loop_(loop), handler_(handler) {}

grpc::ServerBidiReactor<v1::WorkerMessage, v1::ControllerMessage>* ControllerService::Connect(
    grpc::CallbackServerContext* context) {
  return new SessionReactor(*this, context);
}

void ControllerService::post_message(std::shared_ptr<WorkSession> session, v1::WorkerMessage msg) {
  loop_.post("ControllerService.Message",
             [this, s = std::move(session), m = std::move(msg)]() mutable {
               handler_.on_session_message(s, m);
             });
}

void ControllerService::post_closed(const std::shared_ptr<WorkSession>& session) {
  if (session->closed_reported_.exchange(true)) return;
  loop_.post("ControllerService.Closed", [this, s = session] { handler_.on_session_closed(s); });
}

std::unique_ptr<grpc::Server> start_server(ControllerService& service, const std::string& address,
                                           std::string* bound_address, std::string* error,
                                           const std::vector<grpc::Service*>& more,
                                           std::shared_ptr<grpc::ServerCredentials> credentials) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      address, credentials ? std::move(credentials) : grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  for (grpc::Service* s : more) builder.RegisterService(s);
  builder.SetMaxReceiveMessageSize(256 * 1024 * 1024);
  builder.SetMaxSendMessageSize(256 * 1024 * 1024);
  auto server = builder.BuildAndStart();
  if (!server) {
    *error = "could not listen on " + address;
    return nullptr;
  }
  if (address.rfind("unix", 0) == 0) {
    *bound_address = address;
  } else {
    auto colon = address.rfind(':');
    *bound_address = address.substr(0, colon) + ":" + std::to_string(port);
  }
  return server;
}

}  // namespace lightning::rpc
