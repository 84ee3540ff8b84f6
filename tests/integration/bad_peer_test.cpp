// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Untrusted peers on the controller's gRPC port (apps/lifecycle_app.cpp,
// scenario `gate`): a client with a wrong token, an unknown work path, a
// stream that does not start with Hello, an old protocol, and raw TCP
// garbage. Each gets an error (or a closed connection), and the app then
// still serves its real work and completes normally.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <random>

#include "lightning/v1/runtime.grpc.pb.h"
#include "support.hpp"

namespace lightning::integration {
namespace {

/// The app, kept alive (its flow polls for a file) until release().
class GatedApp {
 public:
  explicit GatedApp(const TempDir& dir)
      : release_file_(dir / "release"),
        run_dir_(dir / "run"),
        app_(LIGHTNING_LIFECYCLE_APP,
             {"--run-dir", run_dir_, "--listen", "127.0.0.1:0", "--log-level", "debug", "--",
              "gate", release_file_},
             dir.path()) {}

  /// Reads "controller listening on ADDR (run RUN_ID)" from the app's stderr.
  bool wait_for_address() {
    return wait_until(
        [&] {
          for (const auto& line : lines_of(app_.stderr_text())) {
            const std::string key = "controller listening on ";
            const auto at = line.find(key);
            if (at == std::string::npos) continue;
            std::istringstream rest(line.substr(at + key.size()));
            std::string run_word;
            rest >> address_ >> run_word >> run_id_;
            if (!run_id_.empty() && run_id_.back() == ')') run_id_.pop_back();
            return !address_.empty();
          }
          return false;
        },
        milliseconds(15000));
  }

  const std::string& address() const { return address_; }
  const std::string& run_id() const { return run_id_; }
  bool is_running() { return !app_.has_exited(); }

  /// Lets the flow go on: it calls its work and stops. Checks that it did.
  void release_and_expect_normal_completion() {
    write_file(release_file_, "go");
    const ExitStatus st = app_.wait();
    const std::string out = "--- stderr ---\n" + app_.stderr_text();
    EXPECT_FALSE(st.timed_out) << out;
    EXPECT_EQ(st.exit_code, 0) << st << out;
    const Json final = read_json(run_dir_ + "/state.json");
    ASSERT_FALSE(final.is_discarded()) << out;
    EXPECT_EQ(final.at("exit_code"), 0);
    EXPECT_EQ(final.at("message"), "released");
    const Json& ok = final.at("state").at("works").at("ok");
    EXPECT_EQ(ok.at("status").at("stage"), "succeeded") << final.dump(2);
    EXPECT_EQ(ok.at("vars").at("calls"), 1) << final.dump(2);
  }

 private:
  std::string release_file_;
  std::string run_dir_;
  AppProcess app_;
  std::string address_;
  std::string run_id_;
};

struct PeerResult {
  grpc::Status status;
  bool got_reply = false;
};

/// Opens a Connect stream, sends `first`, reads one reply and finishes.
PeerResult connect_and_send(const std::string& address, const v1::WorkerMessage& first) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  auto stub = v1::Controller::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Connect(&ctx);
  PeerResult result;
  stream->Write(first);
  v1::ControllerMessage reply;
  result.got_reply = stream->Read(&reply);
  stream->WritesDone();
  result.status = stream->Finish();
  return result;
}

v1::WorkerMessage hello(const std::string& run_id, const std::string& token,
                        const std::string& work_path, uint32_t protocol_version = 1) {
  v1::WorkerMessage m;
  auto* h = m.mutable_hello();
  h->set_protocol_version(protocol_version);
  h->set_run_id(run_id);
  h->set_token(token);
  h->set_work_path(work_path);
  h->set_work_type("Ok");
  h->set_pid(getpid());
  h->set_process_id(1);
  return m;
}

const std::string kWrongToken(32, '0');

TEST(BadPeerTest, HelloWithAWrongTokenIsRejectedAsUnauthenticated) {
  TempDir dir;
  GatedApp app(dir);
  ASSERT_TRUE(app.wait_for_address());

  const PeerResult r = connect_and_send(app.address(), hello(app.run_id(), kWrongToken, "root.ok"));
  EXPECT_FALSE(r.got_reply) << "no Welcome without the run's token";
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << r.status.error_message();
  EXPECT_TRUE(app.is_running());
  app.release_and_expect_normal_completion();
}

TEST(BadPeerTest, HelloForAnUnknownWorkPathIsRejected) {
  TempDir dir;
  GatedApp app(dir);
  ASSERT_TRUE(app.wait_for_address());

  // Without the run's secret token (which never leaves the app) the token
  // check comes first, so an unknown path is rejected the same way and the
  // controller does not reveal which paths exist.
  const PeerResult r =
      connect_and_send(app.address(), hello(app.run_id(), kWrongToken, "root.no_such_work"));
  EXPECT_FALSE(r.got_reply);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << r.status.error_message();
  EXPECT_TRUE(app.is_running());
  app.release_and_expect_normal_completion();
}

TEST(BadPeerTest, StreamThatDoesNotStartWithHelloIsRejected) {
  TempDir dir;
  GatedApp app(dir);
  ASSERT_TRUE(app.wait_for_address());

  v1::WorkerMessage delta;
  delta.mutable_delta()->set_version(1);
  delta.mutable_delta()->set_patch_json(R"([{"op":"replace","path":"/calls","value":99}])");
  const PeerResult r = connect_and_send(app.address(), delta);
  EXPECT_FALSE(r.got_reply);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << r.status.error_message();
  EXPECT_TRUE(contains(r.status.error_message(), "Hello")) << r.status.error_message();
  EXPECT_TRUE(app.is_running());
  app.release_and_expect_normal_completion();
}

TEST(BadPeerTest, HelloWithAnUnsupportedProtocolVersionIsRejected) {
  TempDir dir;
  GatedApp app(dir);
  ASSERT_TRUE(app.wait_for_address());

  const PeerResult r =
      connect_and_send(app.address(), hello(app.run_id(), kWrongToken, "root.ok", 99));
  EXPECT_FALSE(r.got_reply);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << r.status.error_message();
  EXPECT_TRUE(contains(r.status.error_message(), "99")) << r.status.error_message();
  app.release_and_expect_normal_completion();
}

/// Connects over plain TCP, sends `bytes`, and waits (up to 5 s) for the
/// server to close the connection. Returns false if it could not connect.
bool send_raw(const std::string& address, const std::string& bytes) {
  return send_raw_tcp(address, bytes, milliseconds(5000));
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST(BadPeerTest, RawTcpGarbageDoesNotStopTheController) {
  TempDir dir;
  GatedApp app(dir);
  ASSERT_TRUE(app.wait_for_address());

  ASSERT_TRUE(send_raw(app.address(), random_bytes(1024, 1)));
  // A valid HTTP/2 preface followed by garbage frames.
  ASSERT_TRUE(send_raw(app.address(),
                       std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + random_bytes(1024, 2)));
  EXPECT_TRUE(app.is_running());
  app.release_and_expect_normal_completion();
}

}  // namespace
}  // namespace lightning::integration
