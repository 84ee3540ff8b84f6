// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The gRPC Controller service on its own: a real server on port 0, a real
// client stream, and a fake WorkSessionHandler in place of the controller.
// What the controller does with the messages (Hello first, tokens) is tested
// in tests/unit/runtime/controller_session_test.cpp.
#include "rpc/controller_service.hpp"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lightning/v1/runtime.grpc.pb.h"
#include "util/event_loop.hpp"

namespace unit_rpc {
namespace {

using lightning::rpc::ControllerService;
using lightning::rpc::WorkSession;
using lightning::rpc::WorkSessionHandler;
using lightning::v1::ControllerMessage;
using lightning::v1::WorkerMessage;
using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

/// Records what the service hands over, and on which thread. `on_message`
/// lets a test answer (it runs on the loop thread, like the controller).
class FakeSessionHandler : public WorkSessionHandler {
 public:
  struct Event {
    std::string kind;  // "hello", "delta", ..., or "closed"
    std::shared_ptr<WorkSession> session;
    std::thread::id thread;
    uint64_t version = 0;  // of a delta
  };

  using OnMessage = std::function<void(const std::shared_ptr<WorkSession>&, const WorkerMessage&)>;
  /// Set from the test's thread while the loop thread may be reading it.
  void set_on_message(OnMessage fn) {
    std::lock_guard<std::mutex> lock(mu_);
    on_message_ = std::move(fn);
  }

  void on_session_message(const std::shared_ptr<WorkSession>& session,
                          WorkerMessage& msg) override {
    Event e{kind_of(msg), session, std::this_thread::get_id(),
            msg.has_delta() ? msg.delta().version() : 0};
    OnMessage fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn = on_message_;
    }
    if (fn) fn(session, msg);
    record(std::move(e));
  }
  void on_session_closed(const std::shared_ptr<WorkSession>& session) override {
    record({"closed", session, std::this_thread::get_id()});
  }

  /// Waits until `n` events arrived; false after kDeadline.
  bool wait_for_events(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return events_.size() >= n; });
  }
  std::vector<Event> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  static std::string kind_of(const WorkerMessage& msg) {
    switch (msg.body_case()) {
      case WorkerMessage::kHello:
        return "hello";
      case WorkerMessage::kDelta:
        return "delta";
      case WorkerMessage::kStarted:
        return "started";
      case WorkerMessage::kFinished:
        return "finished";
      case WorkerMessage::kError:
        return "error";
      default:
        return "empty";
    }
  }
  void record(Event e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }

  std::mutex mu_;  // guards events_ and on_message_
  OnMessage on_message_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

/// The service on a loop thread of its own, serving 127.0.0.1 on port 0.
class ControllerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_thread_ = std::thread([this] { io_.run(); });
    loop_id_ = loop_thread_.get_id();
    std::string error;
    server_ = lightning::rpc::start_server(service_, "127.0.0.1:0", &address_, &error);
    ASSERT_NE(server_, nullptr) << error;
    stub_ = lightning::v1::Controller::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
    guard_.reset();
    loop_thread_.join();
  }

  /// A client stream with a deadline, so a broken service fails the test
  /// instead of hanging it.
  struct Client {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<WorkerMessage, ControllerMessage>> stream;
  };
  std::unique_ptr<Client> connect() {
    auto client = std::make_unique<Client>();
    client->context.set_deadline(std::chrono::system_clock::now() + kDeadline);
    client->stream = stub_->Connect(&client->context);
    return client;
  }
  /// Ends the client's side of a stream the test no longer needs.
  static void hang_up(Client& client) {
    client.context.TryCancel();
    (void)client.stream->Finish();
  }
  static WorkerMessage hello() {
    WorkerMessage msg;
    msg.mutable_hello()->set_work_path("root.w");
    return msg;
  }
  static WorkerMessage delta(uint64_t version) {
    WorkerMessage msg;
    msg.mutable_delta()->set_version(version);
    return msg;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
      boost::asio::make_work_guard(io_);
  lightning::util::AsioClock clock_{io_};
  lightning::util::EventLoop loop_{io_, clock_};
  std::thread loop_thread_;
  std::thread::id loop_id_;
  FakeSessionHandler handler_;
  ControllerService service_{loop_, handler_};
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<lightning::v1::Controller::Stub> stub_;
};

TEST_F(ControllerServiceTest, BoundAddressHasTheChosenPort) {
  EXPECT_EQ(address_.rfind("127.0.0.1:", 0), 0u) << address_;
  EXPECT_NE(address_, "127.0.0.1:0");
}

TEST_F(ControllerServiceTest, MessagesAreHandledOnTheLoopThreadNeverOnAGrpcThread) {
  auto client = connect();
  ASSERT_TRUE(client->stream->Write(hello()));
  ASSERT_TRUE(handler_.wait_for_events(1));
  const auto event = handler_.events()[0];
  EXPECT_EQ(event.kind, "hello");
  EXPECT_EQ(event.thread, loop_id_);
  EXPECT_FALSE(event.session->peer().empty());
  hang_up(*client);
}

TEST_F(ControllerServiceTest, MessagesOfOneStreamArriveInOrderOnOneSession) {
  auto client = connect();
  ASSERT_TRUE(client->stream->Write(hello()));
  for (uint64_t v = 1; v <= 50; ++v) ASSERT_TRUE(client->stream->Write(delta(v)));
  ASSERT_TRUE(handler_.wait_for_events(51));
  const auto events = handler_.events();
  for (uint64_t v = 1; v <= 50; ++v) {
    EXPECT_EQ(events[v].kind, "delta");
    EXPECT_EQ(events[v].version, v);
    EXPECT_EQ(events[v].session, events[0].session);
    EXPECT_EQ(events[v].thread, loop_id_);
  }
  // Each message was a named post, so its queueing delay is measured.
  std::promise<uint64_t> posts;
  loop_.post("Test.ReadStats", [&] {
    uint64_t count = 0;
    for (const auto& [name, stats] : loop_.post_stats()) {
      if (name == "ControllerService.Message") count = stats.count;
    }
    posts.set_value(count);
  });
  auto future = posts.get_future();
  ASSERT_EQ(future.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(future.get(), 51u);
  hang_up(*client);
}

TEST_F(ControllerServiceTest, SendReachesTheClientInOrderFromAnyThread) {
  handler_.set_on_message([](const std::shared_ptr<WorkSession>& session, const WorkerMessage&) {
    ControllerMessage welcome;
    welcome.mutable_welcome()->set_delta_version(1);
    session->send(welcome);
    // send() may be called from any thread, e.g. a worker pool.
    std::thread([session] {
      for (uint64_t v = 2; v <= 20; ++v) {
        ControllerMessage msg;
        msg.mutable_delta()->set_version(v);
        session->send(msg);
      }
    }).join();
  });
  auto client = connect();
  ASSERT_TRUE(client->stream->Write(hello()));
  ControllerMessage in;
  ASSERT_TRUE(client->stream->Read(&in));
  ASSERT_TRUE(in.has_welcome());
  for (uint64_t v = 2; v <= 20; ++v) {
    ASSERT_TRUE(client->stream->Read(&in));
    EXPECT_EQ(in.delta().version(), v);
  }
  hang_up(*client);
}

TEST_F(ControllerServiceTest, CloseGivesTheClientTheStatusAndIsReportedOnce) {
  // How the controller answers a bad peer: a status, not a dropped connection.
  handler_.set_on_message([](const std::shared_ptr<WorkSession>& session, const WorkerMessage&) {
    session->close(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad token"));
    session->close(grpc::Status(grpc::StatusCode::INTERNAL, "a second close is ignored"));
  });
  auto client = connect();
  ASSERT_TRUE(client->stream->Write(hello()));
  ControllerMessage in;
  EXPECT_FALSE(client->stream->Read(&in));
  const grpc::Status status = client->stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "bad token");

  ASSERT_TRUE(handler_.wait_for_events(2));
  // Shutting the server down flushes every close the service could still report.
  server_->Shutdown(std::chrono::system_clock::now() + 1s);
  server_.reset();
  std::promise<void> drained;
  boost::asio::post(io_, [&] { drained.set_value(); });
  ASSERT_EQ(drained.get_future().wait_for(kDeadline), std::future_status::ready);
  const auto events = handler_.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "closed");
  EXPECT_EQ(events[1].thread, loop_id_);
}

TEST_F(ControllerServiceTest, ClientThatHangsUpIsReportedClosed) {
  auto client = connect();
  ASSERT_TRUE(client->stream->Write(hello()));
  ASSERT_TRUE(client->stream->WritesDone());
  EXPECT_TRUE(client->stream->Finish().ok());
  ASSERT_TRUE(handler_.wait_for_events(2));
  EXPECT_EQ(handler_.events()[1].kind, "closed");
  EXPECT_EQ(handler_.events()[1].session, handler_.events()[0].session);
}

TEST_F(ControllerServiceTest, CancelledClientIsReportedClosedAndLaterSendsAreDropped) {
  auto client = connect();
  ASSERT_TRUE(client->stream->Write(hello()));
  ASSERT_TRUE(handler_.wait_for_events(1));
  client->context.TryCancel();
  ASSERT_TRUE(handler_.wait_for_events(2));
  EXPECT_EQ(handler_.events()[1].kind, "closed");
  // The stream is gone; sending or closing must neither crash nor block.
  const auto session = handler_.events()[0].session;
  session->send(ControllerMessage());
  session->close(grpc::Status::OK);
  EXPECT_EQ(client->stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ControllerServiceTest, GarbageOnTheSocketDoesNotStopTheServer) {
  const auto colon = address_.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address_.substr(colon + 1))));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const char kGarbage[] = "GET / HTTP/1.1\r\n\r\n\x00\x01\x02not http2 at all";
  const std::string garbage(kGarbage, sizeof kGarbage - 1);
  ASSERT_GT(::write(fd, garbage.data(), garbage.size()), 0);
  ::close(fd);

  auto client = connect();
  ASSERT_TRUE(client->stream->Write(hello()));
  ASSERT_TRUE(handler_.wait_for_events(1));
  EXPECT_EQ(handler_.events()[0].kind, "hello");
  hang_up(*client);
}

TEST(StartServerTest, AddressThatCannotBeBoundIsAnErrorNotACrash) {
  boost::asio::io_context io;
  lightning::util::AsioClock clock(io);
  lightning::util::EventLoop loop(io, clock);
  FakeSessionHandler handler;
  ControllerService service(loop, handler);
  std::string bound, error;
  // 203.0.113.1 is TEST-NET-3: never a local address.
  auto server = lightning::rpc::start_server(service, "203.0.113.1:1", &bound, &error);
  EXPECT_EQ(server, nullptr);
  EXPECT_NE(error.find("203.0.113.1:1"), std::string::npos) << error;
}

}  // namespace
}  // namespace unit_rpc
