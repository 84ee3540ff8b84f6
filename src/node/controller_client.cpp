// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/controller_client.hpp"

#include <utility>

namespace lightning::node {
namespace {

constexpr int64_t kMaxChunk = int64_t{1} << 20;

Status from_grpc(const grpc::Status& st, const std::string& what) {
  const std::string why = what + ": " + st.error_message();
  switch (st.error_code()) {
    case grpc::StatusCode::OK:
      return Status::Ok();
    case grpc::StatusCode::UNAUTHENTICATED:
      return FailedPrecondition(what + ": the controller refused the worker token");
    case grpc::StatusCode::NOT_FOUND:
      return NotFound(why);
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
      return Unavailable(why);
    default:
      return Internal(why);
  }
}

}  // namespace

std::shared_ptr<grpc::Channel> make_controller_channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

AppFetcher make_app_fetcher(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                            std::string sha256, int64_t size,
                            const std::shared_ptr<std::function<void()>>& cancel) {
  struct Shared {
    std::mutex mu;
    grpc::ClientContext* ctx = nullptr;  // the call in flight
    bool cancelled = false;
  };
  auto shared = std::make_shared<Shared>();
  if (cancel) {
    *cancel = [shared] {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->cancelled = true;
      if (shared->ctx != nullptr) shared->ctx->TryCancel();
    };
  }
  auto stub = std::shared_ptr<v1::WorkerPool::Stub>(v1::WorkerPool::NewStub(channel));
  return [stub, shared, token = std::move(token), sha256 = std::move(sha256), size](
             int64_t offset, const ChunkSink& sink) -> Status {
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->cancelled) return FailedPrecondition("the fetch was cancelled");
      shared->ctx = &ctx;
    }
    v1::FetchAppRequest req;
    req.set_token(token);
    req.set_sha256(sha256);
    req.set_offset(offset);
    std::unique_ptr<grpc::ClientReader<v1::AppChunk>> reader = stub->FetchApp(&ctx, req);
    v1::AppChunk chunk;
    Status failed;
    while (reader->Read(&chunk)) {
      if (static_cast<int64_t>(chunk.data().size()) > kMaxChunk) {
        failed = FailedPrecondition("FetchApp sent a chunk of " +
                                    std::to_string(chunk.data().size()) + " bytes (at most 1 MiB)");
      } else if (chunk.total_size() != 0 && chunk.total_size() != size) {
        failed =
            FailedPrecondition("FetchApp says the app has " + std::to_string(chunk.total_size()) +
                               " bytes; Registered said " + std::to_string(size));
      } else {
        failed = sink(chunk.data());
      }
      if (!failed.ok()) {
        ctx.TryCancel();
        break;
      }
    }
    const grpc::Status st = reader->Finish();
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->ctx = nullptr;
    }
    if (!failed.ok()) return failed;
    return from_grpc(st, "FetchApp");
  };
}

std::shared_ptr<JoinStream> JoinStream::start(v1::WorkerPool::Stub& stub, util::EventLoop& loop,
                                              Handlers handlers) {
  auto s = std::make_shared<JoinStream>(loop, std::move(handlers));
  stub.async()->Join(&s->ctx_, s.get());
  s->StartRead(&s->incoming_);
  s->StartCall();
  return s;
}

void JoinStream::write(v1::WorkerReport report) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_ || half_close_) return;
  outgoing_.push_back(std::move(report));
  if (!writing_) start_next_write();
}

void JoinStream::writes_done() {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_ || half_close_) return;
  half_close_ = true;
  if (!writing_) start_next_write();
}

void JoinStream::start_next_write() {
  if (!outgoing_.empty()) {
    writing_ = true;
    StartWrite(&outgoing_.front());
  } else if (half_close_ && !half_close_sent_) {
    half_close_sent_ = true;
    writing_ = true;
    StartWritesDone();
  } else {
    writing_ = false;
  }
}

void JoinStream::OnWriteDone(bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  outgoing_.pop_front();
  if (!ok) {  // the stream broke; OnDone follows
    outgoing_.clear();
    writing_ = false;
    return;
  }
  start_next_write();
}

void JoinStream::OnWritesDoneDone(bool /*ok*/) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
}

void JoinStream::OnReadDone(bool ok) {
  if (!ok) return;  // the server ended the stream; OnDone follows
  loop_.post("JoinStream.Command",
             [self = shared_from_this(), cmd = std::move(incoming_)]() mutable {
               if (self->handlers_.command) self->handlers_.command(std::move(cmd));
             });
  incoming_.Clear();
  StartRead(&incoming_);
}

void JoinStream::OnDone(const grpc::Status& status) {
  // `self` keeps this object alive to the end of this function; the post
  // comes before done_, so cancel_and_wait() returns only once the loop is
  // no longer touched from here.
  std::shared_ptr<JoinStream> self = shared_from_this();
  loop_.post("JoinStream.Done", [self, status] {
    if (self->handlers_.done) self->handlers_.done(status);
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    outgoing_.clear();
  }
  done_cv_.notify_all();
}

void JoinStream::cancel_and_wait() {
  ctx_.TryCancel();
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return done_; });
}

}  // namespace lightning::node
