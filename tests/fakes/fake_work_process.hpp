// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lightning/v1/runtime.pb.h"
#include "rpc/controller_service.hpp"
#include "runtime/work_launcher.hpp"

namespace lightning::testing {

/// The controller's view of a work process, without a process or a gRPC
/// stream: a WorkSession whose outgoing messages and close status are
/// captured, plus helpers that feed the controller what a real work sends.
/// Messages are handed to the handler synchronously: use it from the thread
/// that drives the controller's io_context.
///
///   FakeWorkProcess proc(controller);
///   proc.hello(*launcher.last_launch_of("root.w"));
///   proc.call_started(1);
///   proc.call_finished_ok(1);
class FakeWorkProcess final : private rpc::SessionWriter {
 public:
  explicit FakeWorkProcess(rpc::WorkSessionHandler& handler)
      : handler_(handler),
        session_(
            std::make_shared<rpc::WorkSession>(static_cast<rpc::SessionWriter*>(this), "fake")) {}
  ~FakeWorkProcess() override {
    // The controller may keep the session after this fake is gone.
    session_->detach_writer();
  }
  FakeWorkProcess(const FakeWorkProcess&) = delete;
  FakeWorkProcess& operator=(const FakeWorkProcess&) = delete;

  const std::shared_ptr<rpc::WorkSession>& session() const { return session_; }
  const std::vector<v1::ControllerMessage>& received() const { return received_; }
  const std::optional<grpc::Status>& closed() const { return closed_; }

  /// Received messages of one kind, in order.
  std::vector<v1::CallRequest> calls() const {
    std::vector<v1::CallRequest> out;
    for (const auto& m : received_) {
      if (m.has_call()) out.push_back(m.call());
    }
    return out;
  }
  std::vector<v1::StateDelta> deltas() const {
    std::vector<v1::StateDelta> out;
    for (const auto& m : received_) {
      if (m.has_delta()) out.push_back(m.delta());
    }
    return out;
  }
  std::vector<v1::StopRequest> stops() const {
    std::vector<v1::StopRequest> out;
    for (const auto& m : received_) {
      if (m.has_stop()) out.push_back(m.stop());
    }
    return out;
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const auto& m : received_) {
      if (m.has_error()) out.push_back(m.error().message());
    }
    return out;
  }
  std::optional<v1::Welcome> welcome() const {
    for (const auto& m : received_) {
      if (m.has_welcome()) return m.welcome();
    }
    return std::nullopt;
  }

  /// A Hello built from what the launcher was given, as a real process sends.
  static v1::Hello hello_for(const v1::LaunchWorkRequest& request) {
    v1::Hello h;
    h.set_protocol_version(1);
    h.set_run_id(request.run_id());
    h.set_token(request.token());
    h.set_work_path(request.work_path());
    h.set_work_type(request.work_type());
    h.set_pid(4242);
    h.set_process_id(request.process_id());
    return h;
  }

  void hello(const v1::LaunchWorkRequest& request) { hello(hello_for(request)); }
  void hello(const v1::Hello& h) {
    v1::WorkerMessage m;
    *m.mutable_hello() = h;
    send(m);
  }
  void call_started(uint64_t call_id) {
    v1::WorkerMessage m;
    m.mutable_started()->set_call_id(call_id);
    m.mutable_started()->set_started_unix_us(1);
    send(m);
  }
  void call_finished_ok(uint64_t call_id) {
    v1::WorkerMessage m;
    m.mutable_finished()->set_call_id(call_id);
    m.mutable_finished()->set_ok(true);
    send(m);
  }
  void call_failed(uint64_t call_id, const std::string& error_type, const std::string& what) {
    v1::WorkerMessage m;
    m.mutable_finished()->set_call_id(call_id);
    m.mutable_finished()->set_ok(false);
    m.mutable_finished()->set_error_type(error_type);
    m.mutable_finished()->set_message(what);
    send(m);
  }
  /// Run returned after a SIGTERM/SIGINT `sig` from pid `sender` outside the runtime.
  void call_finished_after_signal(uint64_t call_id, int sig, int64_t sender) {
    v1::WorkerMessage m;
    m.mutable_finished()->set_call_id(call_id);
    m.mutable_finished()->set_ok(true);
    m.mutable_finished()->set_stop_requested(true);
    m.mutable_finished()->set_outside_signal(sig);
    m.mutable_finished()->set_outside_signal_sender(sender);
    send(m);
  }
  /// Sends a StateDelta with the next version number.
  void publish_url(const std::string& url) {
    v1::WorkerMessage m;
    m.mutable_url()->set_url(url);
    send(m);
  }
  void delta(const std::string& patch_json) { delta(next_version_, patch_json); }
  void delta(uint64_t version, const std::string& patch_json) {
    next_version_ = version + 1;
    send(make_delta(version, patch_json));
  }
  static v1::WorkerMessage make_delta(uint64_t version, const std::string& patch_json) {
    v1::WorkerMessage m;
    m.mutable_delta()->set_version(version);
    m.mutable_delta()->set_patch_json(patch_json);
    return m;
  }

  void send(v1::WorkerMessage m) { handler_.on_session_message(session_, m); }

 private:
  void write(v1::ControllerMessage msg) override { received_.push_back(std::move(msg)); }
  void finish(const grpc::Status& status) override { closed_ = status; }

  rpc::WorkSessionHandler& handler_;
  std::shared_ptr<rpc::WorkSession> session_;
  std::vector<v1::ControllerMessage> received_;
  std::optional<grpc::Status> closed_;
  uint64_t next_version_ = 1;
};

}  // namespace lightning::testing
