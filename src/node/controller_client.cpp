// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/controller_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <utility>

#include "rpc/openssl_ptr.hpp"
#include "util/unique_fd.hpp"

namespace lightning::node {
namespace {

// Waits until `fd` is ready for `events`, at most until `deadline`.
bool wait_fd(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// No password for an encrypted key: fail instead of prompting (worker_tls()
// has refused such keys already).
int no_password(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

// A non-blocking TCP connection to host:port, or -1.
int connect_tcp(const std::string& host, const std::string& port,
                std::chrono::steady_clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int connected = -1;
  for (addrinfo* a = found; a != nullptr && connected < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    bool ok = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    if (!ok && errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline)) {
      int err = 0;
      socklen_t len = sizeof err;
      ok = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
    if (ok) {
      connected = fd;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  return connected;
}

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

std::shared_ptr<grpc::Channel> make_controller_channel(const std::string& address,
                                                       const rpc::ClientTls& tls) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  return rpc::controller_channel(address, tls, args);
}

TlsProbe probe_tls(const std::string& address, const rpc::ClientTls& tls,
                   std::chrono::milliseconds timeout) {
  using Kind = TlsProbe::Kind;
  std::string host;
  std::string port;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find("]:");
    if (close == std::string::npos) return {};
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos || address.find(':') != colon) return {};
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.empty() || port.empty()) return {};
  util::UniqueFd fd(connect_tcp(host, port, std::chrono::steady_clock::now() + timeout));
  if (fd.get() < 0) return {};

  ERR_clear_error();
  rpc::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return {};
  const std::string name = tls.server_name.empty() ? host : tls.server_name;
  if (tls.enabled) {
    // The CA as gRPC is given it, and this client's certificate and key.
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
    rpc::BioPtr ca(BIO_new_mem_buf(tls.ca_pem.data(), static_cast<int>(tls.ca_pem.size())));
    while (X509* cert = PEM_read_bio_X509(ca.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);
      X509_free(cert);
    }
    if (tls.ca_pem.empty()) SSL_CTX_set_default_verify_paths(ctx.get());
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (!tls.cert_pem.empty()) {
      rpc::BioPtr chain(
          BIO_new_mem_buf(tls.cert_pem.data(), static_cast<int>(tls.cert_pem.size())));
      bool first = true;
      while (X509* cert = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr)) {
        if (first) {
          SSL_CTX_use_certificate(ctx.get(), cert);
          X509_free(cert);
          first = false;
        } else {
          SSL_CTX_add0_chain_cert(ctx.get(), cert);  // takes it
        }
      }
      rpc::BioPtr key(BIO_new_mem_buf(tls.key_pem.data(), static_cast<int>(tls.key_pem.size())));
      if (EVP_PKEY* pkey = PEM_read_bio_PrivateKey(key.get(), nullptr, no_password, nullptr)) {
        SSL_CTX_use_PrivateKey(ctx.get(), pkey);
        EVP_PKEY_free(pkey);
      }
    }
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // only: does it speak TLS?
  }
  ERR_clear_error();
  rpc::SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1) return {};
  static const unsigned char kAlpn[] = {2, 'h', '2'};  // gRPC speaks HTTP/2
  SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof kAlpn);
  if (tls.enabled) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
      ERR_clear_error();
      SSL_set1_host(ssl.get(), name.c_str());
      SSL_set_tlsext_host_name(ssl.get(), name.c_str());
    }
  }

  // Runs `step` until it is done, waiting on the socket as OpenSSL asks.
  const auto run = [&](const auto& step, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      const int rc = step();
      if (rc > 0) return SSL_ERROR_NONE;
      const int err = SSL_get_error(ssl.get(), rc);
      if (err == SSL_ERROR_WANT_READ && wait_fd(fd.get(), POLLIN, deadline)) continue;
      if (err == SSL_ERROR_WANT_WRITE && wait_fd(fd.get(), POLLOUT, deadline)) continue;
      return err;
    }
  };
  // OpenSSL's reason for the last failure, e.g. "tlsv13 alert certificate required".
  const auto reason = [] {
    std::string why;
    while (const unsigned long e = ERR_get_error()) {  // NOLINT(google-runtime-int)
      const char* r = ERR_reason_error_string(e);
      if (r != nullptr) why = r;
    }
    return why;
  };
  TlsProbe out;
  const int handshake =
      run([&] { return SSL_connect(ssl.get()); }, std::chrono::steady_clock::now() + timeout);
  if (handshake != SSL_ERROR_NONE) {
    const long verify = SSL_get_verify_result(ssl.get());  // NOLINT(google-runtime-int)
    out.detail = reason();
    if (tls.enabled && verify != X509_V_OK) {
      out.kind = Kind::kUntrusted;
      out.detail = X509_verify_cert_error_string(verify);
    } else if (out.detail.find("alert") != std::string::npos) {
      out.kind = tls.enabled ? Kind::kRefused : Kind::kSpeaksTls;
    } else {
      out.kind = Kind::kNotTls;
    }
    ERR_clear_error();
    return out;
  }
  if (!tls.enabled) {
    out.kind = Kind::kSpeaksTls;
    return out;
  }
  // TLS 1.3: the server checks the client's certificate after the client's
  // handshake ended. gRPC's server then closes the connection (without an
  // alert, seen with gRPC 1.51) where it would otherwise send its HTTP/2
  // SETTINGS at once. No answer in time says nothing: kAccepted.
  char byte = 0;
  const int first = run([&] { return SSL_read(ssl.get(), &byte, 1); },
                        std::chrono::steady_clock::now() + timeout);
  out.detail = reason();
  if (first == SSL_ERROR_NONE || first == SSL_ERROR_WANT_READ || first == SSL_ERROR_WANT_WRITE) {
    out.kind = Kind::kAccepted;
  } else {
    out.kind = Kind::kRefused;
    if (out.detail.empty()) out.detail = "it closed the connection after the handshake";
  }
  ERR_clear_error();
  return out;
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
