// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// run_work_process against an in-process fake controller: a gRPC service bound
// to 127.0.0.1:0 whose Connect handler the test scripts (what it answers to the
// Hello, which calls it sends, when it ends the stream). The work process runs
// on the test's thread, as it runs on a work's main thread.
#include "worker/work_process.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lightning/app.hpp"
#include "lightning/json.hpp"
#include "lightning/registry.hpp"
#include "lightning/state.hpp"
#include "lightning/stop.hpp"
#include "lightning/v1/launch.pb.h"
#include "lightning/v1/runtime.grpc.pb.h"
#include "lightning/work.hpp"
#include "worker/stop_flag.hpp"

namespace unit_worker {
namespace {

namespace v1 = lightning::v1;
using lightning::Json;
using lightning::State;
using Stream = grpc::ServerReaderWriter<v1::ControllerMessage, v1::WorkerMessage>;

/// total = 10 * args["x"]; throws when args["fail"] is set.
struct Tens : lightning::Work {
  State<int> total{this, "total", 0};
  void run(const Json& args) override {
    if (args.value("fail", false)) throw std::runtime_error("asked to fail");
    total = 10 * args.at("x").get<int>();
  }
};
[[maybe_unused]] const bool kTensRegistered = lightning::detail::WorkType<Tens>::registered;

/// Loops until lightning::stop_requested() (at most 20 s), then records it.
struct Looper : lightning::Work {
  State<bool> saw_stop{this, "saw_stop", false};
  void run(const Json&) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!lightning::stop_requested() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    saw_stop = lightning::stop_requested();
  }
};
[[maybe_unused]] const bool kLooperRegistered = lightning::detail::WorkType<Looper>::registered;

/// The controller's side of Connect, played by `script`; records what the
/// work sent. gRPC runs the handler on one of its threads.
class FakeControllerService final : public v1::Controller::Service {
 public:
  std::function<grpc::Status(Stream*)> script;

  grpc::Status Connect(grpc::ServerContext*, Stream* stream) override { return script(stream); }

  /// Reads one message and records it; false when the stream ended.
  bool read(Stream* stream, v1::WorkerMessage* m) {
    if (!stream->Read(m)) return false;
    std::lock_guard<std::mutex> lock(mu_);
    received_.push_back(*m);
    return true;
  }
  std::vector<v1::WorkerMessage> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;  // guards received_
  std::vector<v1::WorkerMessage> received_;
};

class WorkProcessTest : public ::testing::Test {
 protected:
  WorkProcessTest() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~WorkProcessTest() override {
    if (server_) server_->Shutdown();
  }

  v1::LaunchWorkRequest request() const {
    v1::LaunchWorkRequest r;
    r.set_process_id(17);
    r.set_work_path("root.tens");
    r.set_work_type(lightning::detail::WorkType<Tens>::name());
    r.set_controller_address("127.0.0.1:" + std::to_string(port_));
    r.set_run_id("0123456789abcdef");
    r.set_token("secret");
    r.set_run_dir("/tmp/run");
    r.add_app_args("--epochs");
    r.add_app_args("3");
    return r;
  }

  static v1::ControllerMessage welcome() {
    v1::ControllerMessage m;
    m.mutable_welcome()->set_state_json(R"({"total": 5})");
    return m;
  }
  static v1::ControllerMessage call(uint64_t id, const Json& args) {
    v1::ControllerMessage m;
    m.mutable_call()->set_call_id(id);
    m.mutable_call()->set_args_json(args.dump());
    m.mutable_call()->set_attempt(1);
    return m;
  }

  FakeControllerService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(WorkProcessTest, UnknownWorkTypeExitsWithItsCodeWithoutDialling) {
  bool dialled = false;
  service_.script = [&](Stream*) {
    dialled = true;
    return grpc::Status::OK;
  };
  v1::LaunchWorkRequest r = request();
  r.set_work_type("NoSuchWork");
  EXPECT_EQ(lightning::worker::run_work_process(r), lightning::worker::kExitUnknownType);
  EXPECT_FALSE(dialled);
}

TEST_F(WorkProcessTest, HelloCarriesTheLaunchRequestsIdentityAndARejectionExitsWithItsCode) {
  ASSERT_TRUE(server_) << "no server";
  service_.script = [&](Stream* stream) {
    v1::WorkerMessage m;
    service_.read(stream, &m);
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong run id or token");
  };
  const v1::LaunchWorkRequest r = request();
  EXPECT_EQ(lightning::worker::run_work_process(r), lightning::worker::kExitRejected);
  const auto received = service_.received();
  ASSERT_EQ(received.size(), 1u);
  ASSERT_TRUE(received[0].has_hello());
  const v1::Hello& h = received[0].hello();
  EXPECT_EQ(h.protocol_version(), 1u);
  EXPECT_EQ(h.process_id(), r.process_id());
  EXPECT_EQ(h.run_id(), r.run_id());
  EXPECT_EQ(h.token(), r.token());
  EXPECT_EQ(h.work_path(), r.work_path());
  EXPECT_EQ(h.work_type(), r.work_type());
  EXPECT_GT(h.pid(), 0);
}

TEST_F(WorkProcessTest, StreamThatEndsAfterTheWelcomeEndsTheProcessWithZero) {
  ASSERT_TRUE(server_) << "no server";
  service_.script = [&](Stream* stream) {
    v1::WorkerMessage m;
    service_.read(stream, &m);
    stream->Write(welcome());
    return grpc::Status::OK;
  };
  EXPECT_EQ(lightning::worker::run_work_process(request()), 0);
  EXPECT_EQ(lightning::run_dir(), "/tmp/run");
  EXPECT_EQ(lightning::app_args(), (std::vector<std::string>{"--epochs", "3"}));
}

TEST_F(WorkProcessTest, CallsAreServedInOrderWithTheirStateChangesBeforeTheirFinish) {
  ASSERT_TRUE(server_) << "no server";
  service_.script = [&](Stream* stream) {
    v1::WorkerMessage m;
    service_.read(stream, &m);  // Hello
    stream->Write(welcome());
    stream->Write(call(1, {{"x", 4}}));
    stream->Write(call(2, {{"fail", true}}));
    int finished = 0;
    while (finished < 2 && service_.read(stream, &m)) {
      if (m.has_finished()) ++finished;
    }
    return grpc::Status::OK;
  };
  EXPECT_EQ(lightning::worker::run_work_process(request()), 0);

  std::vector<std::string> seen;  // "delta:<patch>", "started:<id>", "finished:<id>:<ok>"
  for (const auto& m : service_.received()) {
    if (m.has_delta()) seen.push_back("delta:" + m.delta().patch_json());
    if (m.has_started()) seen.push_back("started:" + std::to_string(m.started().call_id()));
    if (m.has_finished()) {
      seen.push_back("finished:" + std::to_string(m.finished().call_id()) + ":" +
                     (m.finished().ok() ? "ok" : m.finished().message()));
    }
  }
  ASSERT_EQ(seen.size(), 5u) << ::testing::PrintToString(seen);
  EXPECT_EQ(seen[0], "started:1");
  ASSERT_EQ(seen[1].rfind("delta:", 0), 0u) << seen[1];
  const Json patch = Json::parse(seen[1].substr(6));
  EXPECT_EQ(patch, Json::parse(R"([{"op": "replace", "path": "/total", "value": 40}])"));
  EXPECT_EQ(seen[2], "finished:1:ok");
  EXPECT_EQ(seen[3], "started:2");
  EXPECT_EQ(seen[4], "finished:2:asked to fail");
}

TEST_F(WorkProcessTest, StopRequestDuringACallIsSeenByTheWorkAndEndsTheProcessAfterTheCall) {
  ASSERT_TRUE(server_) << "no server";
  lightning::worker::StopFlag::of_process().reset_for_testing();
  bool stream_ended_by_the_work = false;
  service_.script = [&](Stream* stream) {
    v1::WorkerMessage m;
    service_.read(stream, &m);  // Hello
    stream->Write(welcome());
    stream->Write(call(1, Json::object()));
    service_.read(stream, &m);  // CallStarted
    v1::ControllerMessage stop;
    stop.mutable_stop()->set_grace_period_ms(3000);
    stream->Write(stop);
    stream->Write(call(2, Json::object()));  // never run: the process ends after call 1
    while (service_.read(stream, &m)) {
    }
    stream_ended_by_the_work = true;  // WritesDone: the server never closed it
    return grpc::Status::OK;
  };
  v1::LaunchWorkRequest r = request();
  r.set_work_type(lightning::detail::WorkType<Looper>::name());
  EXPECT_EQ(lightning::worker::run_work_process(r), 0);
  EXPECT_TRUE(stream_ended_by_the_work);

  std::vector<std::string> seen;  // "delta:<patch>", "started:<id>", "finished:<id>"
  v1::CallFinished finished;
  for (const auto& m : service_.received()) {
    if (m.has_delta()) seen.push_back("delta:" + m.delta().patch_json());
    if (m.has_started()) seen.push_back("started:" + std::to_string(m.started().call_id()));
    if (m.has_finished()) {
      seen.push_back("finished:" + std::to_string(m.finished().call_id()));
      finished = m.finished();
    }
  }
  ASSERT_EQ(seen.size(), 3u) << ::testing::PrintToString(seen);
  EXPECT_EQ(seen[0], "started:1");
  EXPECT_EQ(Json::parse(seen[1].substr(6)),
            Json::parse(R"([{"op": "replace", "path": "/saw_stop", "value": true}])"));
  EXPECT_EQ(seen[2], "finished:1") << "call 2 must not run";
  EXPECT_TRUE(finished.ok());
  EXPECT_TRUE(finished.stop_requested());
  EXPECT_EQ(finished.outside_signal(), 0);
  lightning::worker::StopFlag::of_process().reset_for_testing();
}

TEST_F(WorkProcessTest, ControllerThatIsNotThereIsARejectionNotAHang) {
  server_->Shutdown();
  server_.reset();
  EXPECT_EQ(lightning::worker::run_work_process(request()), lightning::worker::kExitRejected);
}

}  // namespace
}  // namespace unit_worker
