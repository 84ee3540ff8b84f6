// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cluster/worker_pool.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "rpc/cluster_protocol.hpp"
#include "rpc/tls.hpp"
#include "storage/sha256.hpp"
#include "util/atomic_file.hpp"
#include "util/ids.hpp"

namespace lightning::cluster {

namespace {

// Limits on what a worker may declare (a malformed or hostile report).
constexpr size_t kMaxNameLength = 253;  // a DNS name
constexpr int kMaxGpus = 1024;
constexpr size_t kMaxLabels = 256;

// A worker's name is a plain name: it appears in logs, the API and worker ids.
std::string name_problem(const std::string& name) {
  if (name.empty()) return "its name is empty";
  if (name.size() > kMaxNameLength) return "its name is longer than 253 characters";
  for (unsigned char c : name) {
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) {
      return "its name '" + name + "' has a character other than letters, digits, '-', '_', '.'";
    }
  }
  if (name == "." || name == ".." || name.find("..") != std::string::npos) {
    return "its name '" + name + "' has '..'";
  }
  return "";
}

v1::WorkerCommand stop_command(uint64_t process_id, std::chrono::milliseconds grace) {
  v1::WorkerCommand c;
  c.mutable_stop()->set_process_id(process_id);
  c.mutable_stop()->set_grace_period_ms(grace.count());
  return c;
}

// A lightning-worker, over its Join stream.
class RemoteWorker final : public WorkerExecutor {
 public:
  explicit RemoteWorker(std::shared_ptr<JoinSession> session) : session_(std::move(session)) {}

  void launch(const v1::LaunchOnWorker& launch) override {
    session_->running.insert(launch.request().process_id());
    v1::WorkerCommand c;
    *c.mutable_launch() = launch;
    session_->send(std::move(c));
  }
  void stop(uint64_t process_id, std::chrono::milliseconds grace) override {
    session_->send(stop_command(process_id, grace));
  }
  void kill_all() override {
    for (uint64_t id : session_->running) {
      session_->send(stop_command(id, std::chrono::milliseconds(0)));
    }
  }
  void shutdown(const std::string& reason) override {
    v1::WorkerCommand c;
    c.mutable_shutdown()->set_reason(reason);
    session_->send(std::move(c));
    session_->finish(grpc::Status::OK);
  }

 private:
  std::shared_ptr<JoinSession> session_;
};

}  // namespace

std::string new_worker_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw std::runtime_error("cannot make a worker token: OpenSSL RAND_bytes failed");
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Result<std::string> worker_token_for_run(const std::string& run_dir, const std::string& token_file,
                                         std::string* written_to) {
  if (!token_file.empty()) {
    // The workers refuse a token file others may read; refused here first, so
    // that the app does not start for workers that will never join.
    struct stat st {};
    if (::stat(token_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
      return InvalidArgument("the worker token file " + token_file + " has mode " + mode +
                             ": others may read it (chmod 600 " + token_file + ")");
    }
    std::ifstream in(token_file, std::ios::binary);
    if (!in) {
      return Status(StatusCode::kNotFound, "cannot read the worker token file " + token_file +
                                               ": " + std::strerror(errno));
    }
    std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
      token.pop_back();
    }
    if (token.empty()) return InvalidArgument("the worker token file " + token_file + " is empty");
    return token;
  }
  std::string token = new_worker_token();
  // Only its owner may read it (the HTTP API's token is written the same way).
  const std::string path = run_dir + "/worker-token";
  if (Status st = util::write_private_file(path, token + "\n"); !st.ok()) return st;
  if (written_to != nullptr) *written_to = path;
  return token;
}

bool token_matches(const std::string& given, const std::string& expected) {
  if (expected.empty() || given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

// ------------------------------------------------------------------ AppBinary

Result<std::shared_ptr<AppBinary>> AppBinary::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    return Status(e == ENOENT ? StatusCode::kNotFound : StatusCode::kInternal,
                  "cannot open the app binary " + path + ": " + std::strerror(e));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return Status(StatusCode::kInternal,
                  "cannot stat the app binary " + path + ": " + std::strerror(e));
  }
  return std::shared_ptr<AppBinary>(new AppBinary(fd, st.st_size));
}

AppBinary::~AppBinary() {
  if (hasher_.joinable()) hasher_.join();
}

void AppBinary::when_hashed(util::EventLoop& loop, std::function<void()> done) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) {
    loop.post("AppBinary.Hashed", std::move(done));
    return;
  }
  waiting_.emplace_back(&loop, std::move(done));
  start_locked();
}

void AppBinary::start_hashing() {
  std::lock_guard<std::mutex> lock(mu_);
  start_locked();
}

void AppBinary::start_locked() {
  if (started_) return;
  started_ = true;
  hasher_ = std::thread([this] {
    storage::Sha256 h;
    std::string error;
    int64_t offset = 0;
    for (;;) {
      Result<std::string> block = read(offset, size_t{1} << 20);
      if (!block.ok()) {
        error = block.status().message();
        break;
      }
      if (block->empty()) break;
      h.update(*block);
      offset += static_cast<int64_t>(block->size());
    }
    std::string hex = error.empty() ? h.final_hex() : "";
    std::vector<std::pair<util::EventLoop*, std::function<void()>>> waiting;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sha256_ = std::move(hex);
      error_ = std::move(error);
      done_ = true;
      waiting.swap(waiting_);
    }
    for (auto& [l, fn] : waiting) l->post("AppBinary.Hashed", std::move(fn));
  });
}

std::string AppBinary::sha256() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sha256_;
}

std::string AppBinary::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Result<std::string> AppBinary::read(int64_t offset, size_t max) const {
  std::string out(max, '\0');
  for (;;) {
    const ssize_t n = ::pread(fd_.get(), out.data(), max, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status(StatusCode::kInternal,
                    std::string("cannot read the app binary: ") + std::strerror(errno));
    }
    out.resize(static_cast<size_t>(n));
    return out;
  }
}

// ------------------------------------------------------------------ WorkerPool

WorkerPool::WorkerPool(util::EventLoop& loop, SchedulingLauncher& launcher,
                       std::shared_ptr<AppBinary> app, WorkerPoolOptions options)
    : loop_(loop), launcher_(launcher), app_(std::move(app)), options_(std::move(options)) {}

WorkerPool::~WorkerPool() { *alive_ = false; }

void WorkerPool::refuse(const std::shared_ptr<JoinSession>& session, grpc::StatusCode code,
                        const std::string& message) {
  session->ended = true;
  session->finish(grpc::Status(code, message));
}

void WorkerPool::on_report(const std::shared_ptr<JoinSession>& session,
                           const v1::WorkerReport& report) {
  if (session->ended) return;
  if (session->worker_id.empty()) {
    if (session->registering) {
      // Reports that came before Registered went out (the app is being hashed):
      // a worker does not send any, so this one is confused.
      return refuse(session, grpc::StatusCode::INVALID_ARGUMENT,
                    "a report came before the controller answered `register`");
    }
    if (report.body_case() != v1::WorkerReport::kRegister) {
      spdlog::warn("worker at {} refused: its first report was not `register`", session->peer());
      return refuse(session, grpc::StatusCode::INVALID_ARGUMENT,
                    "the first report on a Join stream must be `register`");
    }
    return on_register(session, report.register_());
  }
  const std::string& id = session->worker_id;
  switch (report.body_case()) {
    case v1::WorkerReport::kHeartbeat:
      if (!launcher_.heartbeat(id)) {
        // Declared lost (or removed) meanwhile: it must register again.
        spdlog::warn("worker '{}' sent a heartbeat after it was declared lost; ending its session",
                     id);
        refuse(session, grpc::StatusCode::FAILED_PRECONDITION,
               "this worker was declared lost; register again");
      }
      return;
    case v1::WorkerReport::kStarted:
      return launcher_.on_started(id, report.started().process_id(), report.started().attempt(),
                                  static_cast<int>(report.started().pid()));
    case v1::WorkerReport::kOutput:
      for (const std::string& line : report.output().lines()) {
        launcher_.on_output(id, report.output().process_id(), report.output().attempt(), line,
                            report.output().is_stderr());
      }
      return;
    case v1::WorkerReport::kEnded: {
      const v1::ProcessEnded& e = report.ended();
      runtime::ProcessExit exit;
      if (e.how_case() == v1::ProcessEnded::kExitCode) exit.exit_code = e.exit_code();
      if (e.how_case() == v1::ProcessEnded::kSignal) exit.signal = e.signal();
      exit.signal_from_runtime = e.signal_from_runtime();
      exit.error = e.error();
      if (exit.error.empty() && !exit.exit_code && !exit.signal) {
        exit.error = "worker '" + id + "' reported its end without an exit code or signal";
      }
      session->running.erase(e.process_id());
      launcher_.on_ended(id, e.process_id(), e.attempt(), exit);
      return;
    }
    case v1::WorkerReport::kDraining: {
      const v1::Draining& d = report.draining();
      std::chrono::milliseconds grace{10000};
      if (d.deadline_unix_us() > 0) {
        const int64_t left_us = d.deadline_unix_us() - util::now_unix_us();
        // Leave the worker a second to report the ends before its deadline.
        grace = std::chrono::milliseconds(std::max<int64_t>(0, left_us / 1000 - 1000));
      }
      launcher_.drain_worker(id, d.reason().empty() ? "no reason given" : d.reason(), grace);
      return;
    }
    case v1::WorkerReport::kRegister:
      return refuse(session, grpc::StatusCode::INVALID_ARGUMENT,
                    "`register` was sent twice on one Join stream");
    case v1::WorkerReport::BODY_NOT_SET:
      return refuse(session, grpc::StatusCode::INVALID_ARGUMENT,
                    "a report with no body (another protocol version?)");
  }
}

void WorkerPool::on_register(const std::shared_ptr<JoinSession>& session,
                             const v1::RegisterWorker& r) {
  if (options_.require_client_certificate && session->certificate().empty()) {
    spdlog::warn("worker '{}' at {} refused: {}", r.name(), session->peer(), kNoClientCertificate);
    return refuse(session, grpc::StatusCode::UNAUTHENTICATED, kNoClientCertificate);
  }
  if (!token_matches(r.token(), options_.worker_token)) {
    spdlog::warn("worker '{}' at {} refused: wrong worker token", r.name(), session->peer());
    return refuse(session, grpc::StatusCode::UNAUTHENTICATED, "wrong worker token");
  }
  if (r.protocol_version() != rpc::kClusterProtocolVersion) {
    spdlog::warn("worker '{}' at {} refused: protocol version {}, this controller speaks {}",
                 r.name(), session->peer(), r.protocol_version(), rpc::kClusterProtocolVersion);
    return refuse(session, grpc::StatusCode::FAILED_PRECONDITION,
                  "protocol version " + std::to_string(r.protocol_version()) +
                      " is not this controller's (" + std::to_string(rpc::kClusterProtocolVersion) +
                      "): use the lightning-worker of the same release as the app");
  }
  std::string problem = name_problem(r.name());
  const v1::WorkerResources& res = r.resources();
  if (problem.empty() && (res.milli_cpus() < 0 || res.memory_bytes() < 0)) {
    problem = "its CPUs or memory are negative";
  }
  if (problem.empty() && res.max_processes() < 0) problem = "its max_processes is negative";
  if (problem.empty() && res.gpus_size() > kMaxGpus) problem = "it declares more than 1024 GPUs";
  if (problem.empty() && res.labels_size() > static_cast<int>(kMaxLabels)) {
    problem = "it has more than 256 labels";
  }
  std::set<int> indices;
  for (const v1::GpuInfo& g : res.gpus()) {
    if (problem.empty() && (g.index() < 0 || !indices.insert(g.index()).second)) {
      problem = "its GPU indices are negative or repeated";
    }
  }
  if (!problem.empty()) {
    spdlog::warn("worker at {} refused: {}", session->peer(), problem);
    return refuse(session, grpc::StatusCode::INVALID_ARGUMENT, "malformed register: " + problem);
  }
  session->registering = true;
  // Registered carries the app's hash: answered once it is known (the first
  // worker starts the hashing, off the loop).
  app_->when_hashed(loop_, [this, alive = alive_, session, r] {
    if (!*alive || session->ended) return;
    session->registering = false;
    if (app_->sha256().empty()) {
      spdlog::error("cannot serve the app binary to workers: {}", app_->error());
      return refuse(session, grpc::StatusCode::UNAVAILABLE,
                    "the controller cannot read its app binary: " + app_->error());
    }
    WorkerInfo info;
    info.name = r.name();
    // Two workers started with the same name (the hostname, by default, for
    // two on one machine) are two workers, not one that restarted: the second
    // joins under "<name>-<pid>", and the first keeps its works.
    if (launcher_.name_held_by_another(info.name, r.hostname(), r.pid())) {
      info.name = r.name() + "-" + std::to_string(r.pid());
      spdlog::warn("a connected worker is already named '{}'; the worker at {} (pid {}) joins as "
                   "'{}' (give each worker its own --name)",
                   r.name(), session->peer(), r.pid(), info.name);
    }
    info.hostname = r.hostname();
    info.pid = r.pid();
    info.certificate = session->certificate();
    const v1::WorkerResources& res = r.resources();
    info.resources.milli_cpus = res.milli_cpus();
    info.resources.memory_bytes = res.memory_bytes();
    info.resources.max_processes = res.max_processes();
    for (const v1::GpuInfo& g : res.gpus()) {
      info.resources.gpus.push_back(scheduler::Gpu{g.index(), g.model(), g.memory_bytes()});
    }
    info.resources.labels.insert(res.labels().begin(), res.labels().end());
    info.engine.insert(r.engine().begin(), r.engine().end());
    info.detected_by.insert(r.detected_by().begin(), r.detected_by().end());
    auto executor = std::make_unique<RemoteWorker>(session);
    const scheduler::Registration reg = launcher_.add_worker(std::move(info), std::move(executor));
    session->worker_id = reg.id;
    v1::WorkerCommand c;
    v1::Registered& out = *c.mutable_registered();
    out.set_worker_id(reg.id);
    out.set_run_id(options_.run_id);
    out.set_kill_running(reg.kill_running);
    out.set_app_sha256(app_->sha256());
    out.set_app_size_bytes(app_->size());
    out.set_heartbeat_interval_ms(options_.heartbeat_interval.count());
    out.set_controller_grace_ms(options_.controller_grace.count());
    session->send(std::move(c));
  });
}

void WorkerPool::on_closed(const std::shared_ptr<JoinSession>& session) {
  session->ended = true;
  if (!session->worker_id.empty()) {
    spdlog::info(
        "worker '{}' disconnected (its stream ended); unless it was told to go, it is lost "
        "if it does not reconnect within --worker-heartbeat-timeout",
        session->worker_id);
    launcher_.worker_disconnected(session->worker_id);
  }
}

// ------------------------------------------------------------------ the service

namespace {

// Reactor of one Join stream; owned by gRPC, deletes itself in OnDone. The
// pool hears of the end of the stream once, in OnDone.
class JoinReactor final
    : public rpc::QueuedBidiReactor<JoinReactor, v1::WorkerReport, v1::WorkerCommand> {
 public:
  JoinReactor(WorkerPoolService& service, grpc::CallbackServerContext* ctx)
      : service_(service),
        session_(std::make_shared<JoinSession>(this, ctx->peer(), rpc::verified_peer_name(*ctx))) {}

  void on_read(v1::WorkerReport&& report) { service_.post_report(session_, std::move(report)); }
  void on_done() {
    session_->detach_writer();
    service_.post_closed(session_);
  }

 private:
  WorkerPoolService& service_;
  std::shared_ptr<JoinSession> session_;
};

// Streams the app binary from an offset; reads on gRPC's threads.
class FetchReactor final : public grpc::ServerWriteReactor<v1::AppChunk> {
 public:
  FetchReactor(std::shared_ptr<AppBinary> app, int64_t offset)
      : app_(std::move(app)), offset_(offset) {
    next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    next();
  }
  void OnDone() override { delete this; }

 private:
  void next() {
    if (offset_ >= app_->size()) {
      Finish(grpc::Status::OK);
      return;
    }
    Result<std::string> data = app_->read(offset_, WorkerPoolService::kChunkBytes);
    if (!data.ok() || data->empty()) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                          data.ok() ? "the app binary ended early" : data.status().message()));
      return;
    }
    offset_ += static_cast<int64_t>(data->size());
    chunk_.set_data(std::move(*data));
    chunk_.set_total_size(app_->size());
    StartWrite(&chunk_);
  }

  std::shared_ptr<AppBinary> app_;
  int64_t offset_;
  v1::AppChunk chunk_;
};

// A FetchApp refused before anything is written.
class RefusedFetch final : public grpc::ServerWriteReactor<v1::AppChunk> {
 public:
  explicit RefusedFetch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

WorkerPoolService::WorkerPoolService(util::EventLoop& loop, WorkerPool& pool)
    : loop_(loop), pool_(pool) {}

grpc::ServerBidiReactor<v1::WorkerReport, v1::WorkerCommand>* WorkerPoolService::Join(
    grpc::CallbackServerContext* context) {
  return new JoinReactor(*this, context);
}

grpc::ServerWriteReactor<v1::AppChunk>* WorkerPoolService::FetchApp(
    grpc::CallbackServerContext* context, const v1::FetchAppRequest* request) {
  // Read-only use of the pool's options and binary, which outlive the server.
  if (pool_.options().require_client_certificate && rpc::verified_peer_name(*context).empty()) {
    spdlog::warn("FetchApp from {} refused: {}", context->peer(), kNoClientCertificate);
    return new RefusedFetch(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, kNoClientCertificate));
  }
  if (!token_matches(request->token(), pool_.options().worker_token)) {
    spdlog::warn("FetchApp from {} refused: wrong worker token", context->peer());
    return new RefusedFetch(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong worker token"));
  }
  const std::shared_ptr<AppBinary>& app = pool_.app();
  const std::string sha = app->sha256();
  if (sha.empty() && app->error().empty()) {
    app->start_hashing();  // normally done when the first worker registered
    return new RefusedFetch(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "the app binary is being hashed; try again"));
  }
  if (sha.empty() || request->sha256() != sha) {
    return new RefusedFetch(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     "no app binary with SHA-256 '" + request->sha256().substr(0, 64) + "' here"));
  }
  if (request->offset() < 0 || request->offset() > app->size()) {
    return new RefusedFetch(
        grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "offset " + std::to_string(request->offset()) +
                                                         " is outside the app binary (" +
                                                         std::to_string(app->size()) + " bytes)"));
  }
  return new FetchReactor(app, request->offset());
}

void WorkerPoolService::post_report(std::shared_ptr<JoinSession> session, v1::WorkerReport report) {
  loop_.post("WorkerPool.Report",
             [this, s = std::move(session), r = std::move(report)] { pool_.on_report(s, r); });
}

void WorkerPoolService::post_closed(std::shared_ptr<JoinSession> session) {
  loop_.post("WorkerPool.Closed", [this, s = std::move(session)] { pool_.on_closed(s); });
}

}  // namespace lightning::cluster
