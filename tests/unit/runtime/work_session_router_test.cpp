// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorkSessionRouter on its own: the protocol's rules, with a fake handler in
// place of the controller.
#include "runtime/work_session_router.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <map>
#include <vector>

#include "fakes/fake_work_process.hpp"

namespace lightning::runtime {
namespace {

using lightning::testing::FakeWorkProcess;

/// Accepts a Hello for process 7 only and records what it is told.
class FakeProtocolHandler : public WorkProtocolHandler {
 public:
  const rpc::WorkSession* session_of(uint64_t process_id) const override {
    auto it = sessions.find(process_id);
    return it == sessions.end() ? nullptr : it->second.get();
  }
  std::string work_path_of(uint64_t process_id) const override { return "root.w"; }
  Status on_hello(const std::shared_ptr<rpc::WorkSession>& session,
                  const v1::Hello& hello) override {
    if (hello.process_id() != 7)
      return NotFound("no process " + std::to_string(hello.process_id()));
    session->process_id = 7;
    sessions[7] = session;
    return Status::Ok();
  }
  Status on_delta(uint64_t process_id, const std::string& patch_json) override {
    deltas.push_back(patch_json);
    return patch_json == "bad" ? InvalidArgument("rejected state delta: bad") : Status::Ok();
  }
  Status on_call_started(uint64_t process_id, uint64_t call_id) override {
    started.push_back(call_id);
    return Status::Ok();
  }
  Status on_call_finished(uint64_t process_id, const v1::CallFinished& f) override {
    finished.push_back(f.call_id());
    return Status::Ok();
  }
  Status on_url_published(uint64_t process_id, const std::string& url) override {
    urls.push_back(url);
    return Status::Ok();
  }
  void on_disconnected(uint64_t process_id) override { disconnected.push_back(process_id); }

  std::vector<std::string> urls;
  std::map<uint64_t, std::shared_ptr<rpc::WorkSession>> sessions;
  std::vector<std::string> deltas;
  std::vector<uint64_t> started, finished, disconnected;
};

class WorkSessionRouterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

  v1::Hello hello(uint64_t process_id = 7) {
    v1::LaunchWorkRequest request;
    request.set_process_id(process_id);
    request.set_run_id("run");
    request.set_token("secret");
    request.set_work_path("root.w");
    return FakeWorkProcess::hello_for(request);
  }

  FakeProtocolHandler handler_;
  WorkSessionRouter router_{handler_, "run", "secret"};
};

TEST_F(WorkSessionRouterTest, ValidHelloIsHandedOnAndLaterMessagesReachTheHandler) {
  FakeWorkProcess proc(router_);
  proc.hello(hello());
  EXPECT_FALSE(proc.closed().has_value());
  proc.call_started(3);
  proc.call_finished_ok(3);
  proc.delta(R"([])");
  proc.publish_url("http://127.0.0.1:8000");
  EXPECT_EQ(handler_.urls, std::vector<std::string>{"http://127.0.0.1:8000"});
  EXPECT_EQ(handler_.started, std::vector<uint64_t>{3});
  EXPECT_EQ(handler_.finished, std::vector<uint64_t>{3});
  EXPECT_EQ(handler_.deltas, std::vector<std::string>{"[]"});
  EXPECT_TRUE(proc.errors().empty());
}

TEST_F(WorkSessionRouterTest, FirstMessageThatIsNotHelloClosesTheStream) {
  FakeWorkProcess proc(router_);
  proc.call_started(1);
  ASSERT_TRUE(proc.closed().has_value());
  EXPECT_EQ(proc.closed()->error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(handler_.started.empty());
}

TEST_F(WorkSessionRouterTest, WrongTokenIsUnauthenticatedAndNeverReachesTheHandler) {
  v1::Hello h = hello();
  h.set_token("guess");
  FakeWorkProcess proc(router_);
  proc.hello(h);
  ASSERT_TRUE(proc.closed().has_value());
  EXPECT_EQ(proc.closed()->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(handler_.sessions.empty());
}

TEST_F(WorkSessionRouterTest, HandlersRefusalClosesTheStreamWithItsCode) {
  FakeWorkProcess proc(router_);
  proc.hello(hello(8));
  ASSERT_TRUE(proc.closed().has_value());
  EXPECT_EQ(proc.closed()->error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(proc.closed()->error_message().find("no process 8"), std::string::npos);
}

TEST_F(WorkSessionRouterTest, OutOfOrderDeltaIsReportedAndStillApplied) {
  FakeWorkProcess proc(router_);
  proc.hello(hello());
  proc.delta(5, "[]");
  ASSERT_EQ(proc.errors().size(), 1u);
  EXPECT_NE(proc.errors()[0].find("out of order"), std::string::npos) << proc.errors()[0];
  EXPECT_EQ(handler_.deltas.size(), 1u);
}

TEST_F(WorkSessionRouterTest, HandlersErrorAndDuplicateHelloGetAnErrorMessageBack) {
  FakeWorkProcess proc(router_);
  proc.hello(hello());
  proc.delta("bad");
  proc.hello(hello());
  ASSERT_EQ(proc.errors().size(), 2u);
  EXPECT_EQ(proc.errors()[0], "rejected state delta: bad");
  EXPECT_EQ(proc.errors()[1], "duplicate Hello");
  EXPECT_FALSE(proc.closed().has_value()) << "a bad message does not end the stream";
}

TEST_F(WorkSessionRouterTest, MessagesAndCloseOfAStaleSessionAreIgnored) {
  FakeWorkProcess old_proc(router_);
  old_proc.hello(hello());
  FakeWorkProcess new_proc(router_);
  handler_.sessions.erase(7);
  new_proc.hello(hello());  // process 7 now has the new session
  old_proc.call_started(1);
  router_.on_session_closed(old_proc.session());
  EXPECT_TRUE(handler_.started.empty());
  EXPECT_TRUE(handler_.disconnected.empty());
  router_.on_session_closed(new_proc.session());
  EXPECT_EQ(handler_.disconnected, std::vector<uint64_t>{7});
}

}  // namespace
}  // namespace lightning::runtime
