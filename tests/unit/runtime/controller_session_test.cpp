// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The controller's side of a work's Connect stream: the Hello handshake and
// how it treats messages that break the protocol.
#include <signal.h>

#include "unit/runtime/controller_fixture.hpp"

namespace unit_runtime {
namespace {

using SessionTest = ControllerTest;
using lightning::v1::Hello;
using lightning::v1::WorkerMessage;

class HandshakeTest : public ControllerTest {
 protected:
  void SetUp() override {
    root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) {
      r.w.call({{"n", 1}});
    };
    start();
  }

  // Sends `hello` on a fresh session and expects it closed with `code`, the
  // work left unconnected and no call sent.
  void expect_rejected(const Hello& hello, grpc::StatusCode code, const std::string& needle) {
    FakeWorkProcess proc(controller());
    proc.hello(hello);
    settle();
    ASSERT_TRUE(proc.closed().has_value()) << "the session must be closed";
    EXPECT_EQ(proc.closed()->error_code(), code) << proc.closed()->error_message();
    EXPECT_NE(proc.closed()->error_message().find(needle), std::string::npos)
        << proc.closed()->error_message();
    EXPECT_TRUE(proc.received().empty()) << "no Welcome, no call";
    EXPECT_EQ(proc.session()->process_id, 0u);
    // The work is still waiting for its real process, which can connect.
    FakeWorkProcess good(controller());
    connect(good);
    EXPECT_EQ(good.calls().size(), 1u);
  }
};

TEST_F(HandshakeTest, HelloIsAnsweredWithAWelcomeAndThePendingCall) {
  FakeWorkProcess proc(controller());
  proc.hello(launch_of_w());
  settle();
  ASSERT_GE(proc.received().size(), 2u);
  ASSERT_TRUE(proc.received()[0].has_welcome()) << "Welcome comes first";
  EXPECT_EQ(Json::parse(proc.received()[0].welcome().state_json()), (Json{{"x", 0}, {"text", ""}}));
  EXPECT_EQ(proc.received()[0].welcome().delta_version(), 0u);
  EXPECT_TRUE(proc.received()[1].has_call());
  EXPECT_FALSE(proc.closed().has_value());
  EXPECT_NE(proc.session()->process_id, 0u);
}

TEST_F(HandshakeTest, HelloWithAWrongTokenIsUnauthenticated) {
  Hello h = FakeWorkProcess::hello_for(launch_of_w());
  h.set_token(std::string(h.token().size(), '0'));
  expect_rejected(h, grpc::StatusCode::UNAUTHENTICATED, "token");
}

TEST_F(HandshakeTest, HelloWithAnEmptyTokenIsUnauthenticated) {
  Hello h = FakeWorkProcess::hello_for(launch_of_w());
  h.clear_token();
  expect_rejected(h, grpc::StatusCode::UNAUTHENTICATED, "token");
}

TEST_F(HandshakeTest, HelloWithAWrongRunIdIsUnauthenticated) {
  Hello h = FakeWorkProcess::hello_for(launch_of_w());
  h.set_run_id("another-run");
  expect_rejected(h, grpc::StatusCode::UNAUTHENTICATED, "run id");
}

TEST_F(HandshakeTest, HelloForAnUnknownWorkPathIsNotFound) {
  Hello h = FakeWorkProcess::hello_for(launch_of_w());
  h.set_work_path("root.nope");
  expect_rejected(h, grpc::StatusCode::NOT_FOUND, "root.nope");
}

TEST_F(HandshakeTest, HelloForAnUnknownIncarnationIsNotFound) {
  Hello h = FakeWorkProcess::hello_for(launch_of_w());
  h.set_process_id(h.process_id() + 100);
  expect_rejected(h, grpc::StatusCode::NOT_FOUND, "unknown work path");
}

TEST_F(HandshakeTest, HelloWithAnotherProtocolVersionIsFailedPrecondition) {
  Hello h = FakeWorkProcess::hello_for(launch_of_w());
  h.set_protocol_version(2);
  expect_rejected(h, grpc::StatusCode::FAILED_PRECONDITION, "protocol version 2");
}

TEST_F(HandshakeTest, HelloWithAnotherWorkTypeIsInvalidArgument) {
  Hello h = FakeWorkProcess::hello_for(launch_of_w());
  h.set_work_type("unit_runtime::OtherWork");
  expect_rejected(h, grpc::StatusCode::INVALID_ARGUMENT, "unit_runtime::OtherWork");
}

TEST_F(HandshakeTest, FirstMessageThatIsNotHelloIsFailedPrecondition) {
  FakeWorkProcess proc(controller());
  proc.delta(R"([{"op":"replace","path":"/x","value":5}])");
  settle();
  ASSERT_TRUE(proc.closed().has_value());
  EXPECT_EQ(proc.closed()->error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(proc.closed()->error_message().find("Hello"), std::string::npos);
  EXPECT_EQ(w().x.get(), 0) << "nothing from an unauthenticated stream is applied";
  EXPECT_EQ(proc.session()->process_id, 0u);
}

TEST_F(HandshakeTest, SecondHelloForAConnectedWorkIsAlreadyExists) {
  FakeWorkProcess proc(controller());
  connect(proc);
  FakeWorkProcess intruder(controller());
  intruder.hello(launch_of_w());
  settle();
  ASSERT_TRUE(intruder.closed().has_value());
  EXPECT_EQ(intruder.closed()->error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_FALSE(proc.closed().has_value()) << "the connected session stays";
}

TEST_F(HandshakeTest, HelloFromAProcessThatAlreadyExitedIsNotFound) {
  const LaunchWorkRequest old = launch_of_w();
  launcher_.exited_with_code(old.process_id(), 1);
  settle();
  Hello h = FakeWorkProcess::hello_for(old);
  FakeWorkProcess late(controller());
  late.hello(h);
  settle();
  ASSERT_TRUE(late.closed().has_value());
  EXPECT_EQ(late.closed()->error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SessionTest, DuplicateHelloOnAConnectedSessionGetsAnErrorReport) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.hello(launch_of_w());
  settle();
  ASSERT_EQ(proc.errors().size(), 1u);
  EXPECT_NE(proc.errors()[0].find("duplicate Hello"), std::string::npos);
  EXPECT_FALSE(proc.closed().has_value()) << "a protocol error keeps the stream open";
}

TEST_F(SessionTest, CallMessagesForAnUnknownCallGetAnErrorReport) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.call_started(99);
  proc.call_finished_ok(98);
  settle();
  ASSERT_EQ(proc.errors().size(), 2u);
  EXPECT_NE(proc.errors()[0].find("99"), std::string::npos) << proc.errors()[0];
  EXPECT_NE(proc.errors()[1].find("98"), std::string::npos) << proc.errors()[1];
  EXPECT_TRUE(w().status().is_pending()) << "the real call is untouched";
  proc.call_started(1);
  proc.call_finished_ok(1);
  settle();
  EXPECT_TRUE(w().status().has_succeeded());
}

TEST_F(SessionTest, EmptyMessageGetsAnErrorReport) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  proc.send(WorkerMessage());
  settle();
  ASSERT_EQ(proc.errors().size(), 1u);
  EXPECT_FALSE(proc.closed().has_value());
}

TEST_F(SessionTest, ErrorReportFromTheWorkChangesNothing) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  const int runs = root_->runs;
  WorkerMessage m;
  m.mutable_error()->set_message("you sent me garbage");
  proc.send(m);
  settle();
  EXPECT_TRUE(proc.errors().empty());
  EXPECT_FALSE(proc.closed().has_value());
  EXPECT_EQ(root_->runs, runs);
}

TEST_F(SessionTest, MessagesOnTheSessionOfAnExitedProcessAreIgnored) {
  root(WorkOptions().parallel(true).raise_exception(false)).body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess proc(controller());
  connect(proc);
  launcher_.exited_with_code(launch_of_w().process_id(), 0);
  settle();
  ASSERT_TRUE(proc.closed().has_value());
  EXPECT_EQ(proc.closed()->error_code(), grpc::StatusCode::CANCELLED);
  const size_t received = proc.received().size();
  proc.delta(R"([{"op":"replace","path":"/x","value":5}])");
  settle();
  EXPECT_EQ(w().x.get(), 0);
  EXPECT_EQ(proc.received().size(), received);
}

TEST_F(SessionTest, StreamClosedByAConnectedWorkStopsItsProcess) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  const uint64_t pid = launch_of_w().process_id();
  FakeWorkProcess proc(controller());
  connect(proc);
  controller().on_session_closed(proc.session());
  settle();
  ASSERT_FALSE(launcher_.stops_of(pid).empty());
  EXPECT_EQ(launcher_.stops_of(pid).front(), 2000ms) << "SIGTERM, and SIGKILL 2 s later";
}

TEST_F(SessionTest, ClosingAnUnauthenticatedSessionIsHarmless) {
  root().body = [](TestRoot& r) { r.w.call(); };
  start();
  FakeWorkProcess stranger(controller());
  controller().on_session_closed(stranger.session());
  settle();
  EXPECT_TRUE(launcher_.stops().empty());
  FakeWorkProcess proc(controller());
  connect(proc);
  EXPECT_EQ(proc.calls().size(), 1u);
}

}  // namespace
}  // namespace unit_runtime
