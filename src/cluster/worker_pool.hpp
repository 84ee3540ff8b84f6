// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The controller's side of cluster.proto: the WorkerPool gRPC service
// (Join, FetchApp) and the loop-side handling of workers' reports
// (docs/design/cluster.md).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/scheduling_launcher.hpp"
#include "lightning/v1/cluster.grpc.pb.h"
#include "rpc/queued_bidi_reactor.hpp"
#include "util/event_loop.hpp"
#include "util/status.hpp"
#include "util/unique_fd.hpp"

namespace lightning::cluster {

/// 32 random bytes (OpenSSL RAND_bytes) as 64 lowercase hex digits: the
/// run's worker token. Throws std::runtime_error if the RNG fails.
std::string new_worker_token();

/// The run's worker token: the content of `token_file` (trailing whitespace
/// dropped) when given, else a new one (new_worker_token()) written to
/// `<run_dir>/worker-token` with mode 0600, whose path is put in
/// `*written_to`. Errors: NotFound / InvalidArgument (an empty or unreadable
/// file, naming it), Unavailable (cannot write the new file).
Result<std::string> worker_token_for_run(const std::string& run_dir, const std::string& token_file,
                                         std::string* written_to);

/// Whether `given` is `expected`, in time that does not depend on where they
/// differ (CRYPTO_memcmp; lengths are compared first).
bool token_matches(const std::string& given, const std::string& expected);

/// The app binary the workers fetch: opened once (its content as it was
/// then, even if the file is replaced later) and hashed with SHA-256 on a
/// thread of its own the first time it is wanted, so the loop never waits
/// for it. Thread-safe.
class AppBinary {
 public:
  /// Opens `path` ("/proc/self/exe"). Errors: NotFound / Internal with the
  /// path and errno's text.
  static Result<std::shared_ptr<AppBinary>> open(const std::string& path);
  ~AppBinary();
  AppBinary(const AppBinary&) = delete;
  AppBinary& operator=(const AppBinary&) = delete;

  /// Calls `done` on `loop` once the hash is known (at once, posted, when it
  /// is). The first call starts the hashing thread.
  void when_hashed(util::EventLoop& loop, std::function<void()> done);
  /// Starts the hashing thread unless it runs or ran.
  void start_hashing();
  /// Lowercase hex; empty until hashed (or when reading failed: error()).
  std::string sha256() const;
  std::string error() const;
  int64_t size() const { return size_; }
  /// Up to `max` bytes from `offset` (pread); empty at the end.
  /// Errors: Internal with errno's text.
  Result<std::string> read(int64_t offset, size_t max) const;

 private:
  AppBinary(int fd, int64_t size) : fd_(fd), size_(size) {}  // takes `fd`
  void start_locked();                                       // mu_ held
  util::UniqueFd fd_;
  int64_t size_ = 0;
  mutable std::mutex mu_;
  std::string sha256_;  // guarded by mu_
  std::string error_;   // guarded by mu_
  bool started_ = false;
  bool done_ = false;
  std::vector<std::pair<util::EventLoop*, std::function<void()>>> waiting_;
  std::thread hasher_;
};

/// One Join stream as the pool sees it: send() and finish() from any
/// thread; the rest is the loop's.
class JoinSession {
 public:
  /// Where commands go: the stream's reactor, or a fake (tests, the fuzzer).
  using Writer = rpc::StreamWriter<v1::WorkerCommand>;
  /// `certificate`: the name in the TLS client certificate gRPC verified
  /// for this stream (rpc::verified_peer_name()); empty: none.
  JoinSession(Writer* writer, std::string peer, std::string certificate = {})
      : writer_(writer), peer_(std::move(peer)), certificate_(std::move(certificate)) {}
  void send(v1::WorkerCommand command) { writer_.write(std::move(command)); }
  void finish(const grpc::Status& status) { writer_.finish(status); }
  void detach_writer() { writer_.detach(); }
  const std::string& peer() const { return peer_; }
  const std::string& certificate() const { return certificate_; }

  // Loop-thread state.
  std::string worker_id;  ///< empty until registered
  bool registering = false;
  bool ended = false;  ///< refused, finished or closed: later reports are ignored
  /// Processes launched on this stream's worker and not reported ended.
  std::set<uint64_t> running;

 private:
  rpc::DetachableWriter<v1::WorkerCommand> writer_;
  std::string peer_;
  std::string certificate_;
};

struct WorkerPoolOptions {
  std::string run_id;
  /// The run's worker token (never logged).
  std::string worker_token;
  /// Told to workers in Registered: how often they send heartbeats.
  std::chrono::milliseconds heartbeat_interval{2000};
  /// Told to workers: how long they keep their works after losing the controller.
  std::chrono::milliseconds controller_grace{30000};
  /// The app has --tls-ca: Join and FetchApp need a client certificate that
  /// gRPC verified against it (the token is checked as well).
  bool require_client_certificate = false;
};

/// Why a worker without a verified client certificate is refused, as sent
/// back to it (UNAUTHENTICATED) and logged.
inline constexpr const char* kNoClientCertificate =
    "no verified TLS client certificate: this app has --tls-ca, so a worker needs --tls-cert "
    "and --tls-key with a certificate signed by that CA";

/// The loop side of the Join streams: registration (protocol version,
/// token, resources), heartbeats, process reports and draining, fed to the
/// SchedulingLauncher; each registered worker is a RemoteWorker executor
/// over its stream. Loop thread only (the service posts every report).
class WorkerPool {
 public:
  WorkerPool(util::EventLoop& loop, SchedulingLauncher& launcher, std::shared_ptr<AppBinary> app,
             WorkerPoolOptions options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// A report read from `session`'s stream. The first must be `register`
  /// (else INVALID_ARGUMENT); without the client certificate the options
  /// require, or with a wrong token, it ends the stream with
  /// UNAUTHENTICATED (logged with the peer, never the token), another
  /// protocol version with FAILED_PRECONDITION.
  void on_report(const std::shared_ptr<JoinSession>& session, const v1::WorkerReport& report);
  /// The stream ended.
  void on_closed(const std::shared_ptr<JoinSession>& session);
  /// The run id told to workers (known once the controller exists).
  void set_run_id(std::string run_id) { options_.run_id = std::move(run_id); }
  const WorkerPoolOptions& options() const { return options_; }
  const std::shared_ptr<AppBinary>& app() const { return app_; }

 private:
  void on_register(const std::shared_ptr<JoinSession>& session, const v1::RegisterWorker& r);
  void refuse(const std::shared_ptr<JoinSession>& session, grpc::StatusCode code,
              const std::string& message);

  util::EventLoop& loop_;
  SchedulingLauncher& launcher_;
  std::shared_ptr<AppBinary> app_;
  WorkerPoolOptions options_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// The gRPC WorkerPool service (callback API), on the controller's server
/// (rpc::start_server's `more`). gRPC threads only read and write: each
/// Join report is posted onto the loop ("WorkerPool.Report"); FetchApp reads
/// the AppBinary on gRPC's threads.
class WorkerPoolService final : public v1::WorkerPool::CallbackService {
 public:
  WorkerPoolService(util::EventLoop& loop, WorkerPool& pool);
  grpc::ServerBidiReactor<v1::WorkerReport, v1::WorkerCommand>* Join(
      grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<v1::AppChunk>* FetchApp(grpc::CallbackServerContext* context,
                                                   const v1::FetchAppRequest* request) override;

  void post_report(std::shared_ptr<JoinSession> session, v1::WorkerReport report);
  void post_closed(std::shared_ptr<JoinSession> session);
  WorkerPool& pool() { return pool_; }

  /// FetchApp's chunk size: 1 MiB.
  static constexpr size_t kChunkBytes = size_t{1} << 20;

 private:
  util::EventLoop& loop_;
  WorkerPool& pool_;
};

}  // namespace lightning::cluster
