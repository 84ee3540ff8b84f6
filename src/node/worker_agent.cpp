// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/worker_agent.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "runtime/zygote.hpp"
#include "util/exponential_backoff.hpp"
#include "util/signal_name.hpp"

namespace lightning::node {
namespace {

using std::chrono::milliseconds;

const util::ExponentialBackoff kRedialBackoff(milliseconds(100), milliseconds(2000));
// Reports kept while the controller is away; beyond this, output is dropped
// (started and ended reports never are).
constexpr size_t kMaxUnsent = 100000;
// How long to wait for the controller to end the stream after the worker
// half-closed it on its way out.
constexpr milliseconds kStreamEndWait{2000};
// How long probe_tls() may take for each of connect and handshake.
constexpr milliseconds kTlsProbeTimeout{2000};

bool is_plain_segment(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// For logs: a string from the network, printable and short.
std::string shown(std::string_view s, size_t max = 100) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > max) out += "...";
  return out;
}

int64_t unix_us_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string describe_signal(int signo) {
  const char* job = std::getenv("SLURM_JOB_ID");  // NOLINT(concurrency-mt-unsafe): loop thread
  const std::string in_job = job != nullptr ? std::string(" (Slurm job ") + job : "";
  switch (signo) {
    case SIGTERM:
      return "SIGTERM" + (job != nullptr ? in_job + ": pre-empted, at its time limit or cancelled)"
                                         : std::string());
    case SIGINT:
      return "SIGINT (Ctrl-C)";
    case SIGUSR1:
      return "SIGUSR1" + (job != nullptr ? in_job + ": sbatch --signal, its time limit is near)"
                                         : std::string());
    default:
      return "signal " + std::to_string(signo);
  }
}

}  // namespace

std::string check_launch(const v1::LaunchWorkRequest& request) {
  if (request.process_id() == 0) return "process_id is 0";
  const std::string& type = request.work_type();
  if (type.empty()) return "work_type is empty";
  if (type.size() > 512) return "work_type is longer than 512 characters";
  for (char c : type) {
    if (c < 0x20 || c > 0x7e) return "work_type holds a character that is not printable ASCII";
  }
  if (type.find('/') != std::string::npos || type.find("..") != std::string::npos) {
    return "work_type '" + shown(type) + "' holds '/' or '..': not a type name";
  }
  const std::string& path = request.work_path();
  if (path.empty() || path.size() > 1024)
    return "work_path is empty or longer than 1024 characters";
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    const std::string_view seg = std::string_view(path).substr(
        start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!is_plain_segment(seg)) {
      return "work_path '" + shown(path) +
             "' is not a dotted path of plain names (letters, digits, '_', '-')";
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const std::string& dir = request.run_dir();
  if (dir.empty() || dir[0] != '/' || dir.size() > 4096 || dir.find('\0') != std::string::npos) {
    return "run_dir '" + shown(dir) + "' is not an absolute path";
  }
  if (dir.find("/../") != std::string::npos ||
      (dir.size() >= 3 && dir.compare(dir.size() - 3, 3, "/..") == 0)) {
    return "run_dir '" + shown(dir) + "' has a '..' segment";
  }
  for (const auto& [name, value] : request.env()) {
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      return "env name '" + shown(name) + "' is empty or holds '=' or NUL";
    }
  }
  return "";
}

template <class F>
void WorkerAgent::post(const char* name, F&& fn) {
  loop_.post(name, [alive = std::weak_ptr<bool>(alive_), fn = std::forward<F>(fn)]() mutable {
    if (!alive.expired()) fn();
  });
}

WorkerAgent::WorkerAgent(util::EventLoop& loop, WorkerAgentOptions options)
    : loop_(loop),
      clock_(loop.clock()),
      opts_(std::move(options)),
      cache_(opts_.work_dir),
      dial_timer_(clock_),
      heartbeat_timer_(clock_),
      grace_timer_(clock_),
      exit_timer_(clock_),
      batcher_([this](v1::WorkerReport r) { send_report(std::move(r)); },
               [this] { post("WorkerAgent.FlushOutput", [this] { batcher_.flush(); }); }),
      signals_(loop.io()) {}

WorkerAgent::~WorkerAgent() {
  if (*cancel_fetch_) (*cancel_fetch_)();
  if (fetch_thread_.joinable()) fetch_thread_.join();
  if (probe_thread_.joinable()) probe_thread_.join();
  if (stream_) stream_->cancel_and_wait();
  launcher_.reset();  // kills what is left, synchronously
  alive_.reset();
}

int WorkerAgent::run() {
  channel_ = make_controller_channel(opts_.controller_address, opts_.tls);
  if (opts_.tls.enabled) {
    spdlog::info(
        "dialing the controller over TLS; its certificate must chain to --tls-ca {}{}{}",
        opts_.tls_ca_file,
        opts_.tls.server_name.empty() ? "" : " and name " + opts_.tls.server_name,
        opts_.tls.cert_pem.empty() ? " (no client certificate: --tls-cert not given)" : "");
  }
  stub_ = v1::WorkerPool::NewStub(channel_);
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGUSR1);
  wait_for_signal();
  const v1::WorkerResources& res = opts_.registration.resources();
  spdlog::info("node offers {:.1f} CPUs ({}), {:.1f} GiB ({}), {} GPU(s) ({}); work dir {}",
               static_cast<double>(res.milli_cpus()) / 1000,
               opts_.registration.detected_by().count("cpus") != 0
                   ? opts_.registration.detected_by().at("cpus")
                   : "",
               static_cast<double>(res.memory_bytes()) / (1024.0 * 1024 * 1024),
               opts_.registration.detected_by().count("memory") != 0
                   ? opts_.registration.detected_by().at("memory")
                   : "",
               res.gpus_size(),
               opts_.registration.detected_by().count("gpus") != 0
                   ? opts_.registration.detected_by().at("gpus")
                   : "",
               opts_.work_dir);
  first_dial_at_ = clock_.now();
  dial();
  loop_.io().run();
  return exit_code_.value_or(kExitFailed);
}

void WorkerAgent::wait_for_signal() {
  signals_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec, int signo) {
        if (ec || alive.expired()) return;
        on_signal(signo);
        wait_for_signal();
      });
}

void WorkerAgent::dial() {
  if (exit_code_) return;
  spdlog::debug("dialing the controller at {}", opts_.controller_address);
  const uint64_t generation = ++stream_generation_;
  JoinStream::Handlers handlers;
  handlers.command = [this, generation](const v1::WorkerCommand& command) {
    if (generation == stream_generation_) on_command(command);
  };
  handlers.done = [this, generation](const grpc::Status& status) {
    if (generation == stream_generation_) on_stream_done(status);
  };
  stream_ = JoinStream::start(*stub_, loop_, std::move(handlers));
  v1::WorkerReport hello;
  *hello.mutable_register_() = opts_.registration;
  hello.mutable_register_()->set_token(opts_.token);
  stream_->write(std::move(hello));
}

void WorkerAgent::schedule_redial() {
  milliseconds wait = kRedialBackoff.nth(dial_attempt_++);
  if (!registered_once_) {
    // Never past --connect-timeout: the last try is at the deadline.
    const auto left = std::chrono::duration_cast<milliseconds>(
        first_dial_at_ + opts_.connect_timeout - clock_.now());
    wait = std::max(milliseconds(0), std::min(wait, left));
  }
  dial_timer_.start(wait, "WorkerAgent.Redial", [this] { dial(); });
}

void WorkerAgent::on_command(const v1::WorkerCommand& command) {
  switch (command.body_case()) {
    case v1::WorkerCommand::kRegistered:
      return on_registered(command.registered());
    case v1::WorkerCommand::kLaunch:
      if (!registered_) {
        spdlog::warn("ignoring a launch from the controller before Registered");
        return;
      }
      return on_launch(command.launch());
    case v1::WorkerCommand::kStop:
      return on_stop(command.stop());
    case v1::WorkerCommand::kShutdown:
      return on_shutdown(command.shutdown());
    default:
      spdlog::warn("ignoring a command of an unknown kind from the controller (a newer protocol?)");
  }
}

void WorkerAgent::on_registered(const v1::Registered& r) {
  if (registered_) {
    spdlog::warn("ignoring a second Registered on one stream");
    return;
  }
  registered_ = true;
  registered_once_ = true;
  dial_attempt_ = 0;
  const bool renamed =
      !r.worker_id().empty() && r.worker_id() != worker_id_ && r.worker_id() != opts_.name;
  worker_id_ = r.worker_id();
  if (renamed && opts_.on_renamed) opts_.on_renamed(worker_id_);
  heartbeat_interval_ =
      std::clamp(milliseconds(r.heartbeat_interval_ms() > 0 ? r.heartbeat_interval_ms() : 1000),
                 milliseconds(10), milliseconds(60000));
  controller_grace_ =
      r.controller_grace_ms() > 0 ? milliseconds(r.controller_grace_ms()) : milliseconds(30000);
  if (lost_since_) {
    spdlog::info("re-joined the controller at {} as worker '{}' after {} ms",
                 opts_.controller_address, shown(worker_id_),
                 std::chrono::duration_cast<milliseconds>(clock_.now() - *lost_since_).count());
    lost_since_.reset();
    grace_timer_.cancel();
  } else {
    spdlog::info("registered with the controller at {} as worker '{}' (run {})",
                 opts_.controller_address, shown(worker_id_), shown(r.run_id()));
  }
  if (r.kill_running() && !procs_.empty()) {
    spdlog::warn("the controller asks to kill the {} work process(es) of an earlier session",
                 procs_.size());
    kill_all(milliseconds(0), "killed: the controller asked to kill what an earlier session ran");
  }
  for (v1::WorkerReport& report : unsent_) stream_->write(std::move(report));
  unsent_.clear();
  if (dropped_output_ > 0) {
    spdlog::warn("dropped {} output report(s) while the controller was away", dropped_output_);
    dropped_output_ = 0;
  }
  heartbeat_timer_.start(heartbeat_interval_, "WorkerAgent.Heartbeat",
                         [this] { send_heartbeat(); });
  if (r.app_sha256().empty()) {
    spdlog::error("the controller at {} named no app binary (Registered.app_sha256 is empty)",
                  opts_.controller_address);
    return finish(kExitFailed, milliseconds(0), "the controller named no app binary");
  }
  if (r.app_sha256() != app_sha256_) start_fetch(r.app_sha256(), r.app_size_bytes());
}

void WorkerAgent::send_heartbeat() {
  if (registered_ && stream_) {
    v1::WorkerReport report;
    report.mutable_heartbeat()->set_sent_unix_us(unix_us_now());
    report.mutable_heartbeat()->set_running(static_cast<uint32_t>(procs_.size()));
    stream_->write(std::move(report));
  }
  heartbeat_timer_.start(heartbeat_interval_, "WorkerAgent.Heartbeat",
                         [this] { send_heartbeat(); });
}

void WorkerAgent::start_fetch(const std::string& sha256, int64_t size) {
  if (launcher_) {
    // Another app for this worker (a new run): nothing of the old one may stay.
    spdlog::warn("the controller's app changed ({} -> {}); killing what the old one ran",
                 app_sha256_.substr(0, 12), shown(sha256.substr(0, 12)));
    for (auto& [id, p] : procs_) {
      if (!p.launched) continue;
      v1::WorkerReport report;
      report.mutable_ended()->set_process_id(id);
      report.mutable_ended()->set_attempt(p.attempt);
      report.mutable_ended()->set_error("killed: the controller's app changed");
      batcher_.send(std::move(report));
    }
    launcher_->shutdown();
    launcher_.reset();
    procs_.clear();
  }
  if (*cancel_fetch_) (*cancel_fetch_)();
  if (fetch_thread_.joinable()) fetch_thread_.join();
  app_sha256_ = sha256;
  app_ready_ = false;
  cancel_fetch_ = std::make_shared<std::function<void()>>();
  AppFetcher fetcher = make_app_fetcher(channel_, opts_.token, sha256, size, cancel_fetch_);
  const uint64_t generation = ++fetch_generation_;
  fetch_thread_ = std::thread([this, sha256, size, fetcher = std::move(fetcher), generation] {
    bool downloaded = false;
    // In use before it is looked for, so that no other worker's prune
    // removes it in between.
    Result<AppCache::Use> in_use = cache_.use(sha256);
    Result<std::string> path = in_use.ok() ? cache_.ensure(sha256, size, fetcher, &downloaded)
                                           : Result<std::string>(in_use.status());
    if (path.ok()) {
      // The node keeps every run's binary otherwise.
      Result<AppCache::Pruned> pruned = cache_.prune(opts_.app_cache_max_bytes);
      if (!pruned.ok()) {
        spdlog::warn("cannot prune the node's app cache: {}", pruned.status().message());
      } else if (pruned->removed > 0) {
        spdlog::info(
            "removed {} app binaries ({:.1f} MiB, least recently used first) from the node's "
            "cache, which holds {:.1f} MiB (--app-cache-gb {:.1f})",
            pruned->removed, static_cast<double>(pruned->removed_bytes) / 1048576.0,
            static_cast<double>(pruned->kept_bytes) / 1048576.0,
            static_cast<double>(opts_.app_cache_max_bytes) / 1073741824.0);
      }
    }
    auto use = std::make_shared<AppCache::Use>(in_use.ok() ? std::move(*in_use) : AppCache::Use());
    post("WorkerAgent.AppFetched", [this, generation, path, downloaded, use] {
      if (generation != fetch_generation_) return;
      app_use_ = std::move(*use);
      on_app_fetched(path, downloaded);
    });
  });
}

void WorkerAgent::on_app_fetched(const Result<std::string>& path, bool downloaded) {
  Result<runtime::ZygoteHandle> forker = path.ok() ? runtime::spawn_zygote(path->c_str())
                                                   : Result<runtime::ZygoteHandle>(path.status());
  if (!forker.ok()) {
    const std::string why = "cannot run the app binary: " + forker.status().message();
    spdlog::error("{}", why);
    for (const v1::LaunchWorkRequest& request : waiting_) {
      const uint64_t id = request.process_id();
      report_unlaunched(id, procs_[id].attempt, why);
      procs_.erase(id);
    }
    waiting_.clear();
    finish(kExitFailed, milliseconds(0), why);
    return;
  }
  if (downloaded) {
    spdlog::info("fetched the app binary {} from the controller into {}", app_sha256_.substr(0, 12),
                 *path);
  } else {
    spdlog::info("the app binary {} is in the node's cache: {}", app_sha256_.substr(0, 12), *path);
  }
  const std::string& exe = *path;
  launcher_ = std::make_unique<runtime::ForkLauncher>(
      loop_, *forker, [exe]() { return runtime::spawn_zygote(exe.c_str()); });
  runtime::WorkLauncherInterface::Events events;
  events.started = [this](uint64_t id, int pid) {
    auto it = procs_.find(id);
    if (it == procs_.end()) return;
    v1::WorkerReport report;
    report.mutable_started()->set_process_id(id);
    report.mutable_started()->set_attempt(it->second.attempt);
    report.mutable_started()->set_pid(pid);
    batcher_.send(std::move(report));
  };
  events.output = [this](uint64_t id, std::string_view line, bool is_stderr) {
    auto it = procs_.find(id);
    if (it == procs_.end()) return;
    batcher_.add_line(id, it->second.attempt, is_stderr, line);
  };
  events.exited = [this](uint64_t id, const runtime::ProcessExit& exit) {
    auto it = procs_.find(id);
    if (it == procs_.end()) return;
    v1::WorkerReport report;
    v1::ProcessEnded& ended = *report.mutable_ended();
    ended.set_process_id(id);
    ended.set_attempt(it->second.attempt);
    if (exit.exit_code) ended.set_exit_code(*exit.exit_code);
    if (exit.signal) ended.set_signal(*exit.signal);
    ended.set_signal_from_runtime(exit.signal_from_runtime);
    ended.set_error(exit.error);
    spdlog::info("process {} (attempt {}) ended: {}{}{}", id, it->second.attempt,
                 exit.exit_code ? "exit code " + std::to_string(*exit.exit_code)
                 : exit.signal  ? util::signal_name(*exit.signal) +
                                     (exit.signal_from_runtime ? " (sent by the worker)" : "")
                               : std::string("never started"),
                 exit.error.empty() ? "" : ": ", exit.error);
    procs_.erase(it);
    batcher_.send(std::move(report));
    maybe_exit();
  };
  launcher_->set_events(std::move(events));
  app_ready_ = true;
  std::deque<v1::LaunchWorkRequest> waiting = std::move(waiting_);
  waiting_.clear();
  for (const v1::LaunchWorkRequest& request : waiting) launch_now(request);
}

v1::LaunchWorkRequest WorkerAgent::prepare(const v1::LaunchWorkRequest& request) const {
  v1::LaunchWorkRequest out = request;
  // The works dial the controller trusting what this worker trusts.
  if (opts_.tls.enabled) {
    v1::ControllerTls& tls = *out.mutable_controller_tls();
    tls.set_ca_pem(opts_.tls.ca_pem);
    tls.set_server_name(opts_.tls.server_name);
  } else {
    out.clear_controller_tls();
  }
  auto& env = *out.mutable_env();
  // The node's object cache (docs/design/storage.md, "Nodes and the cluster").
  if (env.count("LIGHTNING_CACHE_DIR") == 0) env["LIGHTNING_CACHE_DIR"] = opts_.work_dir + "/cache";
  return out;
}

void WorkerAgent::launch_now(const v1::LaunchWorkRequest& request) {
  auto it = procs_.find(request.process_id());
  if (it == procs_.end()) return;
  it->second.launched = true;
  spdlog::debug("launching {} (process {}, attempt {})", request.work_path(), request.process_id(),
                it->second.attempt);
  launcher_->launch(request);
}

void WorkerAgent::report_unlaunched(uint64_t process_id, uint64_t attempt,
                                    const std::string& error) {
  v1::WorkerReport report;
  report.mutable_ended()->set_process_id(process_id);
  report.mutable_ended()->set_attempt(attempt);
  report.mutable_ended()->set_error(error);
  batcher_.send(std::move(report));
}

void WorkerAgent::on_launch(const v1::LaunchOnWorker& launch) {
  const v1::LaunchWorkRequest& request = launch.request();
  const uint64_t id = request.process_id();
  auto refuse = [&](const std::string& why) {
    spdlog::error("refused to launch process {} ('{}'): {}", id, shown(request.work_path()), why);
    report_unlaunched(id, launch.attempt(), why);
  };
  if (std::string why = check_launch(request); !why.empty()) return refuse(why);
  if (draining_) return refuse("worker '" + opts_.name + "' is draining: " + drain_reason_);
  if (exit_code_) return refuse("worker '" + opts_.name + "' is shutting down");
  if (procs_.count(id) != 0) {
    return refuse("process " + std::to_string(id) + " is already running on worker '" + opts_.name +
                  "'");
  }
  procs_[id] = Proc{launch.attempt(), false};
  v1::LaunchWorkRequest prepared = prepare(request);
  if (app_ready_) {
    launch_now(prepared);
  } else {
    waiting_.push_back(std::move(prepared));
  }
}

void WorkerAgent::on_stop(const v1::StopOnWorker& stop) {
  auto it = procs_.find(stop.process_id());
  if (it == procs_.end()) {
    spdlog::debug("stop for process {}, which does not run here", stop.process_id());
    return;
  }
  if (!it->second.launched) {
    const uint64_t id = it->first;
    const uint64_t attempt = it->second.attempt;
    procs_.erase(it);
    waiting_.erase(
        std::remove_if(waiting_.begin(), waiting_.end(),
                       [id](const v1::LaunchWorkRequest& r) { return r.process_id() == id; }),
        waiting_.end());
    report_unlaunched(id, attempt, "stopped before it was launched");
    maybe_exit();
    return;
  }
  launcher_->stop(stop.process_id(), milliseconds(std::max<int64_t>(0, stop.grace_period_ms())));
}

void WorkerAgent::on_shutdown(const v1::Shutdown& shutdown) {
  spdlog::info("the controller ends this worker: {}", shown(shutdown.reason()));
  finish(kExitOk, milliseconds(0),
         "killed: the worker was shut down (" + shown(shutdown.reason()) + ")");
}

void WorkerAgent::on_signal(int signo) {
  if (!draining_ && !exit_code_) {
    draining_ = true;
    drain_reason_ = describe_signal(signo);
    spdlog::warn("{}: draining: stopping {} work process(es) with a grace of {} ms, then exiting",
                 drain_reason_, procs_.size(), opts_.drain_grace.count());
    v1::WorkerReport report;
    report.mutable_draining()->set_reason(drain_reason_);
    report.mutable_draining()->set_deadline_unix_us(
        unix_us_now() +
        std::chrono::duration_cast<std::chrono::microseconds>(opts_.drain_grace).count());
    batcher_.send(std::move(report));
    finish(kExitOk, opts_.drain_grace, "the worker was draining (" + drain_reason_ + ")");
    return;
  }
  if (signo == SIGUSR1) return;
  spdlog::warn("second {}: killing the {} work process(es) now", describe_signal(signo),
               procs_.size());
  kill_all(milliseconds(0), "killed: the worker got a second signal");
}

void WorkerAgent::on_stream_done(const grpc::Status& status) {
  registered_ = false;
  heartbeat_timer_.cancel();
  stream_.reset();
  if (ending_stream_ || ended_) return end_now();
  if (exit_code_) return maybe_exit();  // finishing: no redial
  const std::string why =
      status.ok() ? std::string("the controller ended the stream") : status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
      if (why.find("certificate") != std::string::npos) {
        spdlog::error("the controller at {} refused this worker's TLS certificate: {}",
                      opts_.controller_address, shown(why, 300));
        return finish(kExitRefused, milliseconds(0),
                      "killed: the controller refused the worker's certificate");
      }
      spdlog::error("the controller at {} refused the token in {}: {}", opts_.controller_address,
                    opts_.token_file, shown(why));
      return finish(kExitRefused, milliseconds(0),
                    "killed: the controller refused the worker token");
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::PERMISSION_DENIED:
      spdlog::error("the controller at {} refused this worker: {}", opts_.controller_address,
                    shown(why));
      return finish(kExitFailed, milliseconds(0), "killed: the controller refused the worker");
    default:
      break;
  }
  if (!registered_once_ && status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    probe_tls_soon();  // says why, if TLS is why
  }
  if (!registered_once_) {
    const auto waited = clock_.now() - first_dial_at_;
    if (waited >= opts_.connect_timeout) {
      spdlog::error("cannot reach the controller at {} (tried for {:.1f} s, --connect-timeout): {}",
                    opts_.controller_address, std::chrono::duration<double>(waited).count(),
                    shown(why));
      return finish(kExitFailed, milliseconds(0), "the controller was never reached");
    }
    spdlog::debug("the controller at {} is not reachable yet: {}", opts_.controller_address,
                  shown(why));
    return schedule_redial();
  }
  if (!lost_since_) {
    lost_since_ = clock_.now();
    spdlog::warn(
        "lost the controller at {} ({}); keeping {} work process(es) running for up to {} ms "
        "while redialing",
        opts_.controller_address, shown(why), procs_.size(), controller_grace_.count());
    grace_timer_.start(controller_grace_, "WorkerAgent.ControllerGraceOver",
                       [this] { on_grace_over(); });
  }
  schedule_redial();
}

void WorkerAgent::probe_tls_soon() {
  // Asked off the loop (a probe may take seconds); one at a time, and not
  // again once it found nothing wrong with TLS.
  if (probing_ || tls_is_fine_) return;
  probing_ = true;
  if (probe_thread_.joinable()) probe_thread_.join();
  probe_thread_ = std::thread([this, address = opts_.controller_address, tls = opts_.tls] {
    TlsProbe probe = probe_tls(address, tls, kTlsProbeTimeout);
    post("WorkerAgent.TlsProbed", [this, probe = std::move(probe)] { on_tls_probed(probe); });
  });
}

void WorkerAgent::on_tls_probed(const TlsProbe& probe) {
  probing_ = false;
  if (registered_once_ || exit_code_) return;
  using Kind = TlsProbe::Kind;
  const std::string& address = opts_.controller_address;
  std::string why;
  switch (probe.kind) {
    case Kind::kUnreachable:
      return;  // nothing there yet: the next failed dial probes again
    case Kind::kAccepted:
    case Kind::kNotTls:
      if (probe.kind == Kind::kAccepted || !opts_.tls.enabled) {
        tls_is_fine_ = true;  // the failure is something else: retry as before
        return;
      }
      why = "the controller at " + address +
            " does not speak TLS (the app runs without --tls-cert/--tls-key), and this worker "
            "dials with --tls-ca " +
            opts_.tls_ca_file + ": give the app --tls-cert/--tls-key, or leave out --tls-ca here";
      break;
    case Kind::kSpeaksTls:
      why = "the controller at " + address +
            " speaks TLS, and this worker dials without it: give lightning-worker --tls-ca FILE "
            "(the CA that signed the app's certificate), and --tls-cert/--tls-key when the app "
            "has --tls-ca";
      break;
    case Kind::kUntrusted:
      why = "the controller's TLS certificate at " + address + " is not trusted (" +
            shown(probe.detail) + "): it must be signed by --tls-ca " + opts_.tls_ca_file +
            " and name " +
            (opts_.tls.server_name.empty() ? "the host dialled" : opts_.tls.server_name) +
            (opts_.tls.server_name.empty() ? " (or give the name it has with --tls-server-name)"
                                           : "");
      break;
    case Kind::kRefused:
      why = "the controller at " + address +
            " refused this worker's TLS certificate in the "
            "handshake (" +
            shown(probe.detail) + "): " +
            (opts_.tls.cert_pem.empty()
                 ? std::string("the app has --tls-ca; give --tls-cert and --tls-key")
                 : "--tls-cert must be signed by the app's --tls-ca");
      break;
  }
  spdlog::error("{}", why);
  finish(kExitRefused, milliseconds(0), "TLS does not match the controller's");
}

void WorkerAgent::on_grace_over() {
  spdlog::error(
      "the controller at {} has been unreachable for {} ms (its controller_grace_ms): killing {} "
      "work process(es) and exiting",
      opts_.controller_address, controller_grace_.count(), procs_.size());
  finish(kExitControllerLost, kLostKillGrace, "killed: the worker lost the controller");
}

void WorkerAgent::kill_all(milliseconds grace, const std::string& why) {
  std::vector<uint64_t> unlaunched;
  for (auto& [id, p] : procs_) {
    if (p.launched) {
      launcher_->stop(id, grace);
    } else {
      unlaunched.push_back(id);
    }
  }
  for (uint64_t id : unlaunched) {
    report_unlaunched(id, procs_[id].attempt, why);
    procs_.erase(id);
  }
  waiting_.clear();
}

void WorkerAgent::finish(int code, milliseconds grace, const std::string& why) {
  if (!exit_code_) {
    exit_code_ = code;
    dial_timer_.cancel();
    grace_timer_.cancel();
    // A backstop: should a process never be reported, the worker still ends
    // (its launcher kills what is left).
    exit_timer_.start(grace + milliseconds(10000), "WorkerAgent.ExitBackstop", [this] {
      spdlog::error("{} work process(es) not reported ended 10 s after their kill; exiting",
                    procs_.size());
      end_now();
    });
  }
  kill_all(grace, why);
  maybe_exit();
}

void WorkerAgent::maybe_exit() {
  if (!exit_code_ || !procs_.empty() || ending_) return;
  ending_ = true;
  batcher_.flush();
  if (stream_ && registered_) {
    // Let the reports queued so far reach the controller, then end.
    ending_stream_ = true;
    stream_->writes_done();
    exit_timer_.start(kStreamEndWait, "WorkerAgent.StreamEndWait", [this] { end_now(); });
    return;
  }
  end_now();
}

void WorkerAgent::end_now() {
  if (ended_) return;
  ended_ = true;
  dial_timer_.cancel();
  heartbeat_timer_.cancel();
  grace_timer_.cancel();
  exit_timer_.cancel();
  boost::system::error_code ec;
  signals_.cancel(ec);
  if (launcher_) launcher_->shutdown();
  if (*cancel_fetch_) (*cancel_fetch_)();
  if (stream_) stream_->cancel();
  spdlog::info("exiting with code {}", exit_code_.value_or(kExitFailed));
  loop_.io().stop();
}

void WorkerAgent::send_report(v1::WorkerReport report) {
  if (registered_ && stream_) {
    stream_->write(std::move(report));
    return;
  }
  if (unsent_.size() >= kMaxUnsent && report.has_output()) {
    ++dropped_output_;
    return;
  }
  unsent_.push_back(std::move(report));
}

}  // namespace lightning::node
