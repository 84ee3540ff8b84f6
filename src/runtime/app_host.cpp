// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/app_host.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cluster/local_worker.hpp"
#include "cluster/worker_pool.hpp"
#include "cluster/slurm_output.hpp"
#include "core/json_io.hpp"
#include "core/snapshot.hpp"
#include "http/http_api_service.hpp"
#include "journal/file_hash.hpp"
#include "journal/journal.hpp"
#include "journal/resume.hpp"
#include "journal/schema.hpp"
#include "journal/sqlite_journal_store.hpp"
#include "lightning/app.hpp"
#include "storage/object_service.hpp"
#include "storage/storage_context.hpp"
#include "util/atomic_file.hpp"
#include "util/ids.hpp"
#include "util/signal_name.hpp"

namespace lightning::runtime {

namespace {
using util::signal_name;
}  // namespace

AppHost::AppHost(AppHostOptions options, ZygoteHandle zygote, std::unique_ptr<Flow> root)
    : options_(std::move(options)),
      launcher_(loop_, zygote,
                [this]() -> Result<ZygoteHandle> {
                  Result<ZygoteHandle> forker = spawn_zygote();
                  if (forker.ok() && options_.run_lock)
                    options_.run_lock->record("forker", forker->pid);
                  return forker;
                }),
      root_(std::move(root)) {
  // A local run: a work asking for more than this machine has fails at once
  // with the reason (it can never run); one asking for what is busy waits.
  // In cluster mode it waits (pending, with the scheduler's reason): a
  // worker that has it may still join.
  cluster::SchedulingLauncherOptions scheduling;
  if (!options_.cluster.workers) {
    scheduling.never_fits = [this](const Compute& c) { return scheduler::local_misfit(c, local_); };
  }
  if (options_.cluster.slurm) {
    // Once every node of the allocation has its worker, no other comes: a
    // work no worker can hold fails instead of holding the allocation.
    scheduling.workers_complete = [this]() -> std::string {
      if (!engine_ || !scheduling_) return "";
      const std::string job = engine_->describe().value("job_id", std::string());
      if (job.empty()) return "";
      int joined = 0;
      for (const cluster::WorkerInfo& w : scheduling_->workers()) {
        auto it = w.engine.find("slurm.job_id");
        if (it != w.engine.end() && it->second == job && !w.draining) ++joined;
      }
      const int nodes = options_.cluster.slurm->nodes;
      if (joined < nodes) return "";
      return "all " + std::to_string(nodes) + (nodes == 1 ? " node" : " nodes") + " of Slurm job " +
             job + " have joined";
    };
  }
  scheduling.scheduler.heartbeat_timeout = options_.cluster.heartbeat_timeout;
  scheduling.unix_now_us = util::now_unix_us;
  scheduling_ = std::make_unique<cluster::SchedulingLauncher>(loop_, std::move(scheduling));
  if (options_.cluster.workers && !options_.cluster.local_worker) return;
  cluster::WorkerInfo me;
  me.name = "local";
  me.local = true;
  me.pid = getpid();
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) me.hostname = host;
  me.resources = local_.resources;
  me.detected_by = {{"cpus", local_.cpus_source},
                    {"memory", local_.memory_source},
                    {"gpus", local_.gpus_source}};
  auto local_worker = std::make_unique<cluster::LocalWorker>(launcher_, *scheduling_, "local");
  local_worker_ = local_worker.get();
  scheduling_->add_worker(std::move(me), std::move(local_worker), /*always_alive=*/true);
}

AppHost::~AppHost() {
  http_.reset();
  works_view_.reset();
  if (journal_) {
    controller_->publisher().remove_observer(journal_.get());
    controller_->remove_event_observer(journal_.get());
    journal_.reset();  // commits what is left, joins its writer
  }
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
  if (engine_) engine_->release(controller_->failed() ? "the app failed" : "the app ended");
}

BudgetCosts AppHost::budget_costs(const AppHostOptions::Cluster& cluster) {
  BudgetCosts costs;
  if (cluster.workers && !cluster.local_worker) {
    costs.descriptors_per_work = 1;
    costs.descriptors_while_starting = 0;
    costs.tasks_per_work = 0;
  }
  return costs;
}

int AppHost::run() {
  // Paths, Drives and Payloads (docs/design/storage.md): the works learn the
  // shared dir from <run dir>/storage.json; flows get a storage context too.
  const std::string& run_dir = options_.controller.run_dir;
  if (Status st = storage::init_controller(run_dir, options_.shared_dir); !st.ok()) {
    spdlog::error("cannot set up storage: {}", st.message());
    return 1;
  }
  objects_ = std::make_unique<storage::ObjectStoreService>(
      storage::ContentStore(std::filesystem::path(run_dir) / "artifacts"));
  std::vector<grpc::Service*> services{objects_.get()};
  std::optional<rpc::TlsMaterial> tls;
  if (!load_tls(&tls)) return 1;
  if (options_.cluster.workers && !start_pool(services, tls && tls->has_ca())) return 1;
  std::string address, why;
  server_ = rpc::start_server(service_, options_.listen_address, &address, &why, services,
                              tls ? rpc::server_credentials(&*tls) : nullptr);
  if (!server_) {
    spdlog::error("cannot start the controller's gRPC server: {}", why);
    return 1;
  }
  ControllerOptions controller_options = options_.controller;
  controller_options.work_address = address;
  if (options_.cluster.workers) {
    // Works on other machines dial it too: not 0.0.0.0.
    if (address.rfind("0.0.0.0:", 0) == 0 || address.rfind("[::]:", 0) == 0) {
      std::string host = options_.cluster.advertise_address;
      if (host.empty()) {
        char name[256] = {};
        host = gethostname(name, sizeof name - 1) == 0 ? name : "127.0.0.1";
      }
      controller_options.work_address = host + address.substr(address.rfind(':'));
    }
    const rpc::TlsFiles& files = options_.cluster.tls;
    spdlog::info("workers join at {} (lightning-worker --controller {} --token-file {}{}{})",
                 controller_options.work_address, controller_options.work_address,
                 worker_token_path_, tls ? " --tls-ca " + (files.ca.empty() ? "CA" : files.ca) : "",
                 tls && tls->has_ca() ? " --tls-cert CERT --tls-key KEY" : "");
  }
  const std::string workers_dial = controller_options.work_address;
  if (options_.cluster.workers && !options_.cluster.slurm) {
    scheduling_->set_join_hint("lightning-worker --controller " + workers_dial + " --token-file " +
                               worker_token_path_ + (tls ? " (and its --tls-* flags)" : ""));
  }
  if (tls && tls->has_cert() && options_.cluster.workers) {
    // The workers (and their works) check that the certificate names the host
    // they dial: say so now rather than through every worker's refusal.
    const std::string host = workers_dial.substr(0, workers_dial.rfind(':'));
    if (!rpc::certificate_names_host(tls->cert_pem, host)) {
      const std::string why = "--tls-cert " + options_.cluster.tls.cert + " (" +
                              tls->cert_subject + ") does not name " + host +
                              ", the host workers dial; make its subjectAltName include it, "
                              "or set --advertise-address to a name it has";
      if (options_.cluster.slurm) {
        spdlog::error("{}", why);  // the workers Slurm starts would all refuse it
        return 1;
      }
      spdlog::warn("{} (or start the workers with --tls-server-name NAME)", why);
    }
  }
  controller_ = std::make_unique<Controller>(loop_, std::move(controller_options), std::move(root_),
                                             *scheduling_, &budget_);
  const scheduler::LocalResources& local = local_;
  spdlog::debug("this machine: CPUs {} ({}), memory {} ({}), GPUs {} ({})",
                format_cpus(local.resources.milli_cpus), local.cpus_source,
                format_memory(local.resources.memory_bytes), local.memory_source,
                local.resources.gpus.size(), local.gpus_source);
  objects_->set_credentials(controller_->run_id(), controller_->token());
  if (pool_) pool_->set_run_id(controller_->run_id());
  spdlog::debug("controller listening on {} (run {})", address, controller_->run_id());

  // --cluster slurm: the allocation whose workers join the pool.
  if (options_.cluster.slurm) {
    engine_ = std::make_unique<cluster::SlurmEngine>(*options_.cluster.slurm);
    cluster::EngineContext& ctx = engine_context_;
    ctx.controller_address = workers_dial;
    ctx.token_file = worker_token_path_;
    ctx.run_id = controller_->run_id();
    ctx.run_dir = options_.controller.run_dir;
    // The workers get the app's own TLS files (on the shared file system;
    // the command line requires --tls-ca with --tls-cert here).
    if (tls && tls->has_ca()) {
      ctx.tls_ca = options_.cluster.tls.ca;
      ctx.tls_cert = options_.cluster.tls.cert;
      ctx.tls_key = options_.cluster.tls.key;
    }
    if (const Status st = engine_->start(ctx); !st.ok()) {
      spdlog::error("cannot start the Slurm job: {}", st.message());
      return 1;
    }
    watch_engine();
  }

  // The HTTP API, on this loop: its handlers read the controller directly.
  if (!start_http()) return 1;

  // --resume: the journaled state, before anyone reads it.
  if (options_.resume && !restore_state()) return 2;

  // The journal of state and calls: observes the controller from its first change.
  if (options_.journal) start_journal();

  // Next subsystems attach here, all on this loop:
  //  - more of the HTTP API and the dashboard (issue 9): /metrics from loop_.post_stats();
  //  - remote lightning-workers join scheduling_ through the WorkerPool
  //    service (docs/design/cluster.md).

  Terminal* terminal = options_.controller.terminal.get();
  if (options_.works_display != WorksDisplay::kOff && terminal != nullptr) {
    works_view_ = std::make_unique<WorksView>(options_.works_display, controller_->root(), clock_,
                                              *terminal, system_unix_now_us);
    controller_->add_observer(works_view_.get());
  }

  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) on_signal(sig);
  });
  controller_->start();
  if (options_.resume) {
    // The calls after start() (their works exist now), before the loop runs.
    const Status st = controller_->restore_calls(options_.resume->recovered.call_tables);
    if (!st.ok()) {
      spdlog::error("cannot resume the run in {}: {}", options_.controller.run_dir, st.message());
      return 2;
    }
  }
  if (works_view_) works_view_->start();
  io_.run();
  if (terminal != nullptr) terminal->stop_capture();  // the flows' last prints, above it
  if (works_view_) works_view_->finish();             // the last table stays above what follows

  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
  if (engine_) engine_->release(controller_->failed() ? "the app failed" : "the app ended");
  // A token this run made is no use once it has ended: no secret stays behind
  // (one given with --worker-token-file is the user's, and stays).
  if (!worker_token_path_.empty() && options_.cluster.worker_token_file.empty()) {
    std::error_code ec;
    std::filesystem::remove(worker_token_path_, ec);
  }
  if (journal_) journal_->flush();  // the last changes (the works' final statuses) are committed
  write_state_file();
  const int code = controller_->exit_code();
  std::fflush(stdout);  // the works' echoed lines first (see app_main.cpp)
  if (controller_->failed()) {
    std::fprintf(stderr, "lightning: app failed: %s\n", controller_->final_message().c_str());
  } else if (!controller_->final_message().empty()) {
    // Also a stop by a signal: the user asked for it, nothing failed.
    spdlog::info("app stopped: {}", controller_->final_message());
  }
  return code;
}

bool AppHost::load_tls(std::optional<rpc::TlsMaterial>* tls) {
  const rpc::TlsFiles& files = options_.cluster.tls;
  if (!files.any()) return true;
  Result<rpc::TlsMaterial> material = rpc::load_tls_files(files, rpc::TlsSide::kServer);
  if (!material.ok()) {
    spdlog::error("cannot serve TLS: {}", material.status().message());
    return false;
  }
  spdlog::info("gRPC over TLS with the certificate {} ({}){}", files.cert, material->cert_subject,
               material->has_ca()
                   ? "; workers need a client certificate signed by --tls-ca " + files.ca
                   : "; workers are not asked for a certificate (no --tls-ca)");
  // The works on this machine check the controller's certificate as the
  // remote ones do (a worker fills in its own CA for those).
  if (local_worker_ != nullptr) {
    v1::ControllerTls work_tls;
    work_tls.set_ca_pem(material->ca_pem);
    local_worker_->set_controller_tls(std::move(work_tls));
  }
  *tls = std::move(*material);
  return true;
}

bool AppHost::start_pool(std::vector<grpc::Service*>& services, bool require_certificates) {
  std::string written_to;
  Result<std::string> token = cluster::worker_token_for_run(
      options_.controller.run_dir, options_.cluster.worker_token_file, &written_to);
  if (!token.ok()) {
    spdlog::error("cannot set up the worker token: {}", token.status().message());
    return false;
  }
  if (!written_to.empty()) spdlog::info("worker token in {}", written_to);
  worker_token_path_ = written_to.empty() ? options_.cluster.worker_token_file : written_to;
  // The binary as it is now, even if the file is replaced while the app runs.
  Result<std::shared_ptr<cluster::AppBinary>> app = cluster::AppBinary::open("/proc/self/exe");
  if (!app.ok()) {
    spdlog::error("cannot serve the app to workers: {}", app.status().message());
    return false;
  }
  cluster::WorkerPoolOptions pool;
  pool.worker_token = std::move(*token);
  pool.require_client_certificate = require_certificates;
  pool.heartbeat_interval = std::max(std::chrono::milliseconds(100),
                                     options_.cluster.heartbeat_timeout / 4);
  // The run id is the controller's, made later: set_run_id() before the loop runs.
  pool_ = std::make_unique<cluster::WorkerPool>(loop_, *scheduling_, std::move(*app),
                                                std::move(pool));
  pool_service_ = std::make_unique<cluster::WorkerPoolService>(loop_, *pool_);
  services.push_back(pool_service_.get());
  return true;
}

bool AppHost::start_http() {
  if (!options_.http) return true;
  http_ = std::make_unique<http::HttpApiService>(io_, *controller_, *options_.http);
  http_->set_workers([this] { return scheduling_->workers_json(); });
  http_->set_cluster([this] { return cluster_json(); });
  http_->set_placement(
      [this](const std::string& work_path) { return scheduling_->placement_json(work_path); });
  const Status st = http_->start(options_.controller.run_dir);
  if (!st.ok()) {
    spdlog::error("cannot start the HTTP API: {} (or run with --no-http)", st.message());
    http_.reset();
    return false;
  }
  if (http_->server().fell_back()) {
    spdlog::info("port {} is taken (another app?); the HTTP API listens on {} instead",
                 options_.http->port, http_->url());
  }
  spdlog::info("HTTP API at {} (token in {}/api-token)", http_->url(), options_.controller.run_dir);
  return true;
}

bool AppHost::restore_state() {
  const journal::Recovered& r = options_.resume->recovered;
  // Works made inside Flow::run() are made again here (by type name, with
  // their journaled options), before the controller starts.
  if (Status st = detail::load_snapshot(controller_->root(), r.state, r.works); !st.ok()) {
    spdlog::error("cannot resume the run in {}: its journaled state does not fit this app: {}",
                  options_.controller.run_dir, st.message());
    return false;
  }
  controller_->publisher().restore_version(r.version);
  size_t calls = 0;
  for (const auto& [work, table] : r.call_tables) calls += table.at("calls").size();
  spdlog::info("resuming the run in {} at state version {} with {} journaled calls of {} works{}",
               options_.controller.run_dir, r.version, calls, r.call_tables.size(),
               r.incomplete.empty() ? "" : " (its journal stopped early: " + r.incomplete + ")");
  if (!options_.resume->overridden.empty()) {
    spdlog::warn("--resume-anyway: {}", options_.resume->overridden);
  }
  return true;
}

void AppHost::start_journal() {
  const std::string path = options_.controller.run_dir + "/" + journal::kJournalFileName;
  journal_ = std::make_unique<journal::Journal>(
      std::make_unique<journal::SqliteJournalStore>(
          path, options_.resume ? journal::SqliteJournalStore::Mode::kContinue
                                : journal::SqliteJournalStore::Mode::kReplace),
      clock_);
  journal::JournalMeta meta;
  meta.app_args = lightning::app_args();
  if (options_.resume) meta.resumes = options_.resume->recovered.meta.resumes + 1;
  meta.run_id = controller_->run_id();
  meta.app_path = journal::self_exe_path();
  meta.started_at_us = util::now_unix_us();
  meta.lightning_version = LIGHTNING_VERSION;
  // The binary that runs, even if its file was replaced since it started.
  journal_->start(std::move(meta), controller_->root().snapshot(), controller_->state_version(),
                  "/proc/self/exe");
  controller_->add_observer(journal_.get());
  controller_->add_event_observer(journal_.get());
}

void AppHost::watch_engine() {
  engine_watch_.start(std::chrono::seconds(2), "AppHost.WatchEngine", [this] {
    const Json job = engine_->describe();
    const std::string state = job.value("state", "");
    const bool ended = state == "GONE" || (!state.empty() && state != "SUBMITTED" &&
                                           state != "NOT_SUBMITTED" &&
                                           !cluster::is_active_job_state(state));
    if (!ended) return watch_engine();
    const std::string id = job.value("job_id", std::string("?"));
    const int max_requeues = options_.cluster.slurm ? options_.cluster.slurm->max_requeues : 0;
    const int requeues = static_cast<int>(requeued_jobs_.size());
    if (cluster::job_may_requeue(state) && requeues < max_requeues && options_.cluster.slurm) {
      // The nodes were taken away while the app runs: a new allocation, whose
      // workers the interrupted calls wait for. sbatch and the squeue of an
      // ended job take tens of ms on this loop, once per allocation.
      engine_->release("it ended (" + state + ")");
      requeued_jobs_.push_back(id);
      engine_ = std::make_unique<cluster::SlurmEngine>(*options_.cluster.slurm);
      if (const Status st = engine_->start(engine_context_); !st.ok()) {
        controller_->post_fail("Slurm job " + id + " ended (" + state +
                               ") and its next allocation was refused: " + st.message());
        return;
      }
      spdlog::warn("Slurm job {} ended ({}): submitted Slurm job {} to carry on the run "
                   "(requeue {} of {}, --max-requeues)",
                   id, state, engine_->describe().value("job_id", std::string("?")),
                   requeues + 1, max_requeues);
      return watch_engine();
    }
    // COMPLETED reads as success: it means the job's script ended with its workers.
    const std::string how = state == "COMPLETED" ? "COMPLETED: its workers left" : state;
    std::string why = "Slurm job " + id + " ended (" + how + "): no nodes are left to run the works";
    if (cluster::job_may_requeue(state)) {
      why += " (" + std::to_string(requeues) + " of --max-requeues " +
             std::to_string(max_requeues) + " requeues used)";
    }
    // Its workers' own words (a TLS refusal, a missing binary) are there.
    const std::string output = job.value("output", std::string());
    if (!output.empty()) why += "; the job's output: " + output;
    controller_->post_fail(why);
  });
}

Json AppHost::cluster_json() const {
  if (!engine_) return nullptr;
  Json cluster = engine_->describe();
  if (!requeued_jobs_.empty()) cluster["requeued_from"] = requeued_jobs_;
  return cluster;
}

Json AppHost::final_record_with_engine() const {
  Json record = controller_->final_record();
  if (engine_) record["cluster"] = cluster_json();
  return record;
}

void AppHost::write_state_file() {
  // A full disk leaves the previous file (or none) and a warning, never a
  // truncated one.
  const std::string path = options_.controller.run_dir + "/state.json";
  const Status st =
      util::write_file_atomically(path, detail::dump_json(final_record_with_engine(), 2) + "\n");
  if (!st.ok()) {
    std::fprintf(stderr, "lightning: warning: %s; the final state is not saved\n",
                 st.message().c_str());
  }
}

void AppHost::on_signal(int sig) {
  const auto now = clock_.now();
  if (!first_signal_at_) {
    first_signal_at_ = now;
    controller_->post_stop(
        sig == SIGINT ? "interrupted by SIGINT (Ctrl-C)" : "stopped by " + signal_name(sig),
        128 + sig);
  } else if (now - *first_signal_at_ >= kRepeatedSignalWindow) {
    // A second signal kills the works at once. One sent together with the
    // first is the same request: `timeout` signals the app's pid and then its
    // process group, so the app may get the same SIGTERM twice.
    controller_->post_kill_now();
  }
  signals_.async_wait([this](const boost::system::error_code& ec, int next) {
    if (!ec) on_signal(next);
  });
}

void AppHost::on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                                 v1::WorkerMessage& msg) {
  controller_->on_session_message(session, msg);
}

void AppHost::on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) {
  controller_->on_session_closed(session);
}

}  // namespace lightning::runtime
