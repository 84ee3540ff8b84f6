// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-worker's agent: one node's side of the WorkerPool protocol
// (docs/design/worker-node.md).
#pragma once

#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "lightning/v1/cluster.grpc.pb.h"
#include "node/app_cache.hpp"
#include "node/controller_client.hpp"
#include "node/report_batcher.hpp"
#include "node/worker_options.hpp"
#include "runtime/fork_launcher.hpp"
#include "util/clock.hpp"
#include "util/event_loop.hpp"

namespace lightning::node {

/// Exit codes of lightning-worker.
inline constexpr int kExitOk = 0;              ///< Shutdown from the controller, or drained
inline constexpr int kExitFailed = 1;          ///< unreachable controller, bad flags, no app binary
/// The controller refused the token or the TLS certificate, or TLS does not
/// match: the worker dials with --tls-ca and the controller speaks no TLS
/// (or the handshake fails: a certificate from another CA, another name),
/// or the worker dials without and the controller speaks TLS.
inline constexpr int kExitRefused = 2;
inline constexpr int kExitControllerLost = 3;  ///< lost the controller for controller_grace_ms

/// Why a launch must not run on this worker, or empty: process_id 0; a
/// work_type that is empty, over 512 characters, not printable ASCII, or
/// holds '/' or ".."; a work_path that is not dot-separated plain names
/// (letters, digits, '_', '-'); a run_dir that is not an absolute path or
/// has a ".." segment; an env name that is empty or holds '=' or NUL.
std::string check_launch(const v1::LaunchWorkRequest& request);

/// The node's agent. Dials the controller (WorkerPool.Join), registers, fetches
/// the app binary into the node's AppCache, starts a work forker from it and
/// runs the works placed here through a runtime::ForkLauncher, reporting
/// their start, output (batched) and end; heartbeats; survives a lost
/// controller for controller_grace_ms; drains on SIGTERM/SIGINT/SIGUSR1.
/// Owned by main(); single-threaded on `loop` (run() runs it on the calling
/// thread, which must be the main thread: the work forker dies with it).
/// gRPC's threads and the app fetch's thread only post onto the loop.
class WorkerAgent {
 public:
  /// How long the works get between SIGTERM and SIGKILL when the controller
  /// is lost for good.
  static constexpr std::chrono::milliseconds kLostKillGrace{5000};

  WorkerAgent(util::EventLoop& loop, WorkerAgentOptions options);
  ~WorkerAgent();
  WorkerAgent(const WorkerAgent&) = delete;
  WorkerAgent& operator=(const WorkerAgent&) = delete;

  /// Serves until the worker ends; returns its exit code (kExit*).
  int run();

 private:
  struct Proc {
    uint64_t attempt = 0;
    bool launched = false;  // handed to the launcher (else waits for the app binary)
  };

  template <class F>
  void post(const char* name, F&& fn);
  void dial();
  void schedule_redial();
  void on_command(const v1::WorkerCommand& command);
  void on_stream_done(const grpc::Status& status);
  void on_registered(const v1::Registered& registered);
  void on_launch(const v1::LaunchOnWorker& launch);
  void on_stop(const v1::StopOnWorker& stop);
  void on_shutdown(const v1::Shutdown& shutdown);
  void on_signal(int signo);
  void wait_for_signal();
  void on_grace_over();
  /// Before the first registration, after a dial failed: probe_tls() on a
  /// thread of its own. A TLS mismatch it finds (the controller speaks TLS
  /// and this worker does not, or the reverse; a certificate either side
  /// refuses) ends the worker with kExitRefused and the reason, instead of
  /// retrying until --connect-timeout.
  void probe_tls_soon();
  void on_tls_probed(const TlsProbe& probe);
  void start_fetch(const std::string& sha256, int64_t size);
  void on_app_fetched(const Result<std::string>& path, bool downloaded);
  void launch_now(const v1::LaunchWorkRequest& request);
  v1::LaunchWorkRequest prepare(const v1::LaunchWorkRequest& request) const;
  void report_unlaunched(uint64_t process_id, uint64_t attempt, const std::string& error);
  void send_report(v1::WorkerReport report);
  void send_heartbeat();
  /// SIGTERM to every work process, SIGKILL after `grace`; those not launched
  /// yet are reported ended with `why`.
  void kill_all(std::chrono::milliseconds grace, const std::string& why);
  /// Ends the worker with `code` once its works are gone (killed with `grace`).
  void finish(int code, std::chrono::milliseconds grace, const std::string& why);
  void maybe_exit();
  void end_now();

  util::EventLoop& loop_;
  util::ClockInterface& clock_;
  WorkerAgentOptions opts_;
  AppCache cache_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkerPool::Stub> stub_;

  // The session.
  std::shared_ptr<JoinStream> stream_;
  uint64_t stream_generation_ = 0;
  bool registered_ = false;       // on the current stream
  bool registered_once_ = false;  // ever
  int dial_attempt_ = 0;
  util::ClockInterface::TimePoint first_dial_at_{};
  std::optional<util::ClockInterface::TimePoint> lost_since_;
  std::chrono::milliseconds heartbeat_interval_{1000};
  std::chrono::milliseconds controller_grace_{30000};
  std::string worker_id_;
  util::Timer dial_timer_;
  util::Timer heartbeat_timer_;
  util::Timer grace_timer_;
  util::Timer exit_timer_;
  std::deque<v1::WorkerReport> unsent_;  // while no stream is registered
  bool probing_ = false;                 // probe_thread_ runs
  bool tls_is_fine_ = false;             // a probe found no TLS mismatch: no more probes
  std::thread probe_thread_;
  uint64_t dropped_output_ = 0;

  // The app binary and the works.
  std::string app_sha256_;
  bool app_ready_ = false;
  AppCache::Use app_use_;  ///< the binary this worker runs: prune() leaves it
  uint64_t fetch_generation_ = 0;
  std::thread fetch_thread_;
  std::shared_ptr<std::function<void()>> cancel_fetch_ = std::make_shared<std::function<void()>>();
  std::unique_ptr<runtime::ForkLauncher> launcher_;
  std::deque<v1::LaunchWorkRequest> waiting_;  // for the app binary
  std::map<uint64_t, Proc> procs_;             // launched and not yet reported ended
  ReportBatcher batcher_;

  // Ending.
  boost::asio::signal_set signals_;
  bool draining_ = false;
  std::string drain_reason_;
  std::optional<int> exit_code_;
  bool ending_ = false;         // maybe_exit() went ahead
  bool ending_stream_ = false;  // half-closed the stream, waiting for its end
  bool ended_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lightning::node
