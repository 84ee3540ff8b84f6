// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// rpc::QueuedBidiReactor on its own: a real server on port 0 whose Connect
// stream is a test reactor recording its hooks, and a real client stream.
// The Connect and Join services built on it are tested in
// controller_service_test.cpp and the cluster tests.
#include "rpc/queued_bidi_reactor.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "lightning/v1/runtime.grpc.pb.h"

namespace unit_rpc {
namespace {

using lightning::v1::ControllerMessage;
using lightning::v1::WorkerMessage;
using namespace std::chrono_literals;

constexpr auto kReactorDeadline = 10s;

/// What the reactors' hooks saw, in order; filled on gRPC's threads.
class Recorder {
 public:
  void add(std::string event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
    cv_.notify_all();
  }
  /// Waits until an event `last` was recorded; false after kReactorDeadline.
  bool wait_for(const std::string& last) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kReactorDeadline,
                        [&] { return !events_.empty() && events_.back() == last; });
  }
  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;  // guards events_
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

class TestReactor;
/// Run on a gRPC thread for each message read, with the reactor as its writer.
using OnRead = std::function<void(TestReactor&, const WorkerMessage&)>;

class TestReactor final
    : public lightning::rpc::QueuedBidiReactor<TestReactor, WorkerMessage, ControllerMessage> {
 public:
  TestReactor(Recorder& recorder, OnRead on_read)
      : recorder_(recorder), on_read_(std::move(on_read)) {}

  void on_read(WorkerMessage&& msg) {
    const WorkerMessage taken = std::move(msg);
    recorder_.add("read " + std::to_string(taken.delta().version()));
    if (on_read_) on_read_(*this, taken);
  }
  void on_reads_done() { recorder_.add("reads done"); }
  void on_done() { recorder_.add("done"); }

 private:
  Recorder& recorder_;
  OnRead on_read_;
};

class TestService final : public lightning::v1::Controller::CallbackService {
 public:
  TestService(Recorder& recorder, OnRead on_read)
      : recorder_(recorder), on_read_(std::move(on_read)) {}
  grpc::ServerBidiReactor<WorkerMessage, ControllerMessage>* Connect(
      grpc::CallbackServerContext* /*context*/) override {
    return new TestReactor(recorder_, on_read_);
  }

 private:
  Recorder& recorder_;
  OnRead on_read_;
};

class QueuedBidiReactorTest : public ::testing::Test {
 protected:
  /// Serves 127.0.0.1 on port 0 with `on_read`; returns a client stream.
  void serve(OnRead on_read) {
    service_ = std::make_unique<TestService>(recorder_, std::move(on_read));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = lightning::v1::Controller::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    context_.set_deadline(std::chrono::system_clock::now() + kReactorDeadline);
    stream_ = stub_->Connect(&context_);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
  }
  static WorkerMessage message(uint64_t version) {
    WorkerMessage msg;
    msg.mutable_delta()->set_version(version);
    return msg;
  }
  static ControllerMessage reply(uint64_t version, size_t padding) {
    ControllerMessage msg;
    msg.mutable_delta()->set_version(version);
    msg.mutable_delta()->set_patch_json(std::string(padding, 'x'));
    return msg;
  }

  Recorder recorder_;
  std::unique_ptr<TestService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<lightning::v1::Controller::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<WorkerMessage, ControllerMessage>> stream_;
};

TEST_F(QueuedBidiReactorTest, ReadsComeInOrderThenTheEndOfReadsThenDone) {
  serve(nullptr);
  for (uint64_t v = 1; v <= 20; ++v) ASSERT_TRUE(stream_->Write(message(v)));
  ASSERT_TRUE(stream_->WritesDone());
  // The end of reads finishes the stream with OK (nothing was queued).
  EXPECT_TRUE(stream_->Finish().ok());
  ASSERT_TRUE(recorder_.wait_for("done"));
  std::vector<std::string> expected;
  for (uint64_t v = 1; v <= 20; ++v) expected.push_back("read " + std::to_string(v));
  expected.emplace_back("reads done");
  expected.emplace_back("done");
  EXPECT_EQ(recorder_.events(), expected);
}

TEST_F(QueuedBidiReactorTest, FinishWaitsForTheQueuedWritesAndKeepsItsStatus) {
  // 64 messages of 64 KiB: far more than one write, so most wait in the queue
  // when finish() is called.
  constexpr uint64_t kCount = 64;
  constexpr size_t kPadding = size_t{64} * 1024;
  serve([](TestReactor& reactor, const WorkerMessage&) {
    for (uint64_t v = 1; v <= kCount; ++v) reactor.write(reply(v, kPadding));
    reactor.finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "told to stop"));
    reactor.finish(grpc::Status(grpc::StatusCode::INTERNAL, "a second finish is ignored"));
    reactor.write(reply(kCount + 1, 0));  // after finish(): dropped
  });
  ASSERT_TRUE(stream_->Write(message(1)));
  ControllerMessage in;
  for (uint64_t v = 1; v <= kCount; ++v) {
    ASSERT_TRUE(stream_->Read(&in)) << "message " << v;
    EXPECT_EQ(in.delta().version(), v);
    EXPECT_EQ(in.delta().patch_json().size(), kPadding);
  }
  EXPECT_FALSE(stream_->Read(&in));
  const grpc::Status status = stream_->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "told to stop");
  ASSERT_TRUE(recorder_.wait_for("done"));
}

TEST_F(QueuedBidiReactorTest, WritesFromManyThreadsAllArriveAndEachThreadsInOrder) {
  constexpr uint64_t kThreads = 4;
  constexpr uint64_t kPerThread = 50;
  serve([](TestReactor& reactor, const WorkerMessage&) {
    std::vector<std::thread> threads;
    for (uint64_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&reactor, t] {
        for (uint64_t i = 0; i < kPerThread; ++i) reactor.write(reply(t * 1000 + i, 16));
      });
    }
    for (auto& thread : threads) thread.join();
    reactor.finish(grpc::Status::OK);
  });
  ASSERT_TRUE(stream_->Write(message(1)));
  std::vector<uint64_t> next(kThreads, 0);
  ControllerMessage in;
  uint64_t count = 0;
  while (stream_->Read(&in)) {
    const uint64_t t = in.delta().version() / 1000;
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(in.delta().version() % 1000, next[t]++);
    ++count;
  }
  EXPECT_EQ(count, kThreads * kPerThread);
  EXPECT_TRUE(stream_->Finish().ok());
}

TEST_F(QueuedBidiReactorTest, ACancelledClientEndsTheStreamAndLaterWritesAreDropped) {
  std::mutex mu;
  std::condition_variable cv;
  bool read = false;       // guarded by mu
  bool cancelled = false;  // guarded by mu
  serve([&](TestReactor& reactor, const WorkerMessage&) {
    std::unique_lock<std::mutex> lock(mu);
    read = true;
    cv.notify_all();
    // The reactor lives until OnDone, which waits for this hook to return.
    if (!cv.wait_for(lock, kReactorDeadline, [&] { return cancelled; })) return;
    lock.unlock();
    reactor.write(reply(1, 16));  // fails, or is dropped: neither blocks nor crashes
    reactor.finish(grpc::Status::OK);
  });
  ASSERT_TRUE(stream_->Write(message(1)));
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kReactorDeadline, [&] { return read; }));
    context_.TryCancel();
    cancelled = true;
    cv.notify_all();
  }
  EXPECT_EQ(stream_->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(recorder_.wait_for("done"));
  EXPECT_EQ(recorder_.events().front(), "read 1");
}

}  // namespace
}  // namespace unit_rpc
