// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cluster/slurm_engine.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "util/atomic_file.hpp"

namespace lightning::cluster {
namespace {

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// The command's failure as one line: "sbatch: error: invalid partition ...".
std::string failure_of(const std::string& command, const Result<util::CommandResult>& r) {
  if (!r.ok()) return r.status().message();
  return command + " failed (" + r->describe() + ")";
}

// "exit code 1: sbatch: error: a / sbatch: error: b": every line of stderr
// (sbatch says what is wrong on its first line and sums up on the last).
std::string all_lines(const util::CommandResult& r) {
  std::string text;
  size_t start = 0;
  while (start < r.err.size() && text.size() < 1000) {
    size_t end = r.err.find('\n', start);
    if (end == std::string::npos) end = r.err.size();
    const std::string line = r.err.substr(start, end - start);
    if (!line.empty()) text += (text.empty() ? "" : " / ") + line;
    start = end + 1;
  }
  const std::string how = r.signal != 0 ? r.describe() : "exit code " + std::to_string(r.exit_code);
  return text.empty() ? how : how + ": " + text;
}

// "PENDING (Resources)", "RUNNING on gpu[01-02]", "FAILED (BadConstraints)":
// the reason unless Slurm has none ("None"), the nodes once it has some.
std::string state_text(const SqueueRow& row) {
  std::string text = row.state;
  if (!row.reason.empty() && row.reason != "None") text += " (" + row.reason + ")";
  if (!row.node_list.empty()) text += " on " + row.node_list;
  return text;
}

Status check_token_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return NotFound("token file " + path +
                    " does not exist; the app writes it (--worker-token-file)");
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument("token file " + path + " is not a file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return InvalidArgument("token file " + path + " has mode " + mode +
                           ": others could read the token; chmod 600 it");
  }
  return Status::Ok();
}

}  // namespace

SlurmEngine::SlurmEngine(SlurmOptions options, std::shared_ptr<util::CommandRunnerInterface> runner)
    : SlurmEngine(std::move(options), std::move(runner), Timing{}) {}

SlurmEngine::SlurmEngine(SlurmOptions options, std::shared_ptr<util::CommandRunnerInterface> runner,
                         Timing timing)
    : options_(std::move(options)),
      runner_(runner ? std::move(runner) : std::make_shared<util::SystemCommandRunner>()),
      timing_(timing) {}

SlurmEngine::~SlurmEngine() {
  SlurmEngine::release("the app host is shutting down");
  stop_poller();
}

Status SlurmEngine::start(const EngineContext& given) {
  if (started_)
    return FailedPrecondition("the Slurm job was already submitted (job " + job_.id + ")");
  if (auto s = check_slurm_options(options_); !s.ok()) return s;
  EngineContext ctx = given;
  if (ctx.worker_binary.empty()) {
    auto found = find_worker_binary();
    if (!found.ok()) return found.status();
    ctx.worker_binary = *found;
  } else if (::access(ctx.worker_binary.c_str(), X_OK) != 0 ||
             !std::filesystem::is_regular_file(ctx.worker_binary)) {
    return NotFound("worker binary " + ctx.worker_binary +
                    " is not an executable file; build lightning-worker or set "
                    "LIGHTNING_WORKER_BIN to its path");
  }
  ctx.worker_binary = absolute_path(ctx.worker_binary);
  if (ctx.run_dir.empty()) return InvalidArgument("no run dir for the Slurm job's output");
  ctx.run_dir = absolute_path(ctx.run_dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(ctx.run_dir, ec)) {
    return NotFound("run dir " + ctx.run_dir + " is not a directory");
  }
  if (ctx.token_file.empty()) return InvalidArgument("no worker token file");
  ctx.token_file = absolute_path(ctx.token_file);
  if (auto s = check_token_file(ctx.token_file); !s.ok()) return s;

  auto script = make_sbatch_script(options_, ctx);
  if (!script.ok()) return script.status();
  const std::string path = ctx.run_dir + "/slurm-job.sh";
  if (auto s = util::write_file_atomically(path, *script); !s.ok()) return s;

  util::CommandOptions command;
  command.timeout = timing_.command_timeout;
  auto submitted = runner_->run({"sbatch", "--parsable", path}, command);
  if (!submitted.ok()) {
    if (submitted.status().code() == StatusCode::kNotFound) {
      return NotFound("sbatch is not on PATH: run the app on a Slurm login node (" +
                      submitted.status().message() + ")");
    }
    return submitted.status().with_context("sbatch " + path);
  }
  if (!submitted->succeeded()) {
    return FailedPrecondition("Slurm refused the job (" + all_lines(*submitted) +
                              "); the batch script is " + path);
  }
  auto job = parse_sbatch_parsable(submitted->out);
  if (!job.ok()) return job.status();
  job_ = *job;
  script_path_ = path;
  output_path_ = ctx.run_dir + "/slurm-" + job_.id + ".out";
  started_ = true;
  spdlog::info("submitted Slurm job {} ({} node{}, {} GPU{} each); its output: {}", job_.id,
               options_.nodes, options_.nodes == 1 ? "" : "s", options_.gpus_per_node,
               options_.gpus_per_node == 1 ? "" : "s", output_path_);
  if (timing_.poll_interval.count() > 0) poller_ = std::thread([this] { poll_loop(); });
  return Status::Ok();
}

std::vector<std::string> SlurmEngine::cluster_args() const {
  if (job_.cluster.empty()) return {};
  return {"--clusters=" + job_.cluster};
}

Result<std::optional<SqueueRow>> SlurmEngine::query() const {
  std::vector<std::string> argv = {"squeue", "-h", "-t", "all", "-j", job_.id, "-o", kSqueueFormat};
  for (auto& a : cluster_args()) argv.push_back(a);
  util::CommandOptions command;
  command.timeout = timing_.command_timeout;
  auto r = runner_->run(argv, command);
  if (!r.ok()) return r.status();
  if (!r->succeeded()) {
    // squeue exits 1 with "Invalid job id specified" for a job it has
    // forgotten (MinJobAge passed): not listed.
    if (r->err.find("Invalid job id") != std::string::npos) return std::optional<SqueueRow>();
    return Unavailable(failure_of("squeue", r));
  }
  return parse_squeue(r->out, job_.id);
}

Status SlurmEngine::refresh() {
  if (!started_) return FailedPrecondition("no Slurm job submitted");
  auto row = query();
  if (!row.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = row.status().message();
    return row.status();
  }
  // A new node list is expanded before anything is published, so that
  // describe() never shows RUNNING without its nodes.
  const std::string list = row->has_value() ? (*row)->node_list : "";
  std::optional<std::vector<std::string>> names;
  Status expand = expand_nodes(list, names);
  std::lock_guard<std::mutex> lock(mu_);
  const std::string before = gone_ ? "GONE" : row_ ? state_text(*row_) : "SUBMITTED";
  if (row->has_value()) {
    row_ = **row;
    gone_ = false;
  } else {
    gone_ = true;
  }
  if (names) {
    nodes_ = std::move(*names);
    expanded_list_ = list;
  }
  const std::string after = gone_ ? "GONE" : state_text(*row_);
  if (before != after) spdlog::info("Slurm job {}: {}", job_.id, after);
  error_ = expand.ok() ? std::string() : expand.message();
  return expand;
}

Status SlurmEngine::expand_nodes(const std::string& list,
                                 std::optional<std::vector<std::string>>& names) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (list.empty() || list == expanded_list_) return Status::Ok();
  }
  util::CommandOptions command;
  command.timeout = timing_.command_timeout;
  auto r = runner_->run({"scontrol", "show", "hostnames", list}, command);
  if (!r.ok()) return r.status();
  if (!r->succeeded()) return Unavailable(failure_of("scontrol show hostnames", r));
  auto parsed = parse_hostnames(r->out);
  if (!parsed.ok()) return parsed.status();
  names = std::move(*parsed);
  return Status::Ok();
}

nlohmann::json SlurmEngine::describe() const {
  nlohmann::json out = {{"engine", "slurm"}};
  out["requested"] = {{"nodes", options_.nodes},
                      {"gpus_per_node", options_.gpus_per_node},
                      {"cpus_per_node", options_.cpus_per_node},
                      {"max_requeues", options_.max_requeues},
                      {"partition", options_.partition},
                      {"time", options_.time},
                      {"account", options_.account}};
  if (!started_) {
    out["state"] = "NOT_SUBMITTED";
    out["info"] = "Slurm job not submitted yet";
    return out;
  }
  std::lock_guard<std::mutex> lock(mu_);
  out["job_id"] = job_.id;
  if (!job_.cluster.empty()) out["cluster"] = job_.cluster;
  out["output"] = output_path_;
  out["released"] = released_flag_;
  const std::string state = gone_ ? "GONE" : row_ ? row_->state : "SUBMITTED";
  out["state"] = state;
  out["reason"] = row_ ? row_->reason : "";
  out["node_list"] = row_ ? row_->node_list : "";
  out["nodes"] = nodes_;
  std::string info = "Slurm job " + job_.id + " " + state;
  if (row_ && !gone_) info = "Slurm job " + job_.id + " " + state_text(*row_);
  if (!error_.empty()) {
    out["error"] = error_;
    info += "; last squeue failed: " + error_;
  }
  out["info"] = info;
  return out;
}

std::string SlurmEngine::job_id() const { return job_.id; }
std::string SlurmEngine::script_path() const { return script_path_; }

void SlurmEngine::poll_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    (void)refresh();  // a failure is kept in error_ for describe()
    lock.lock();
    const bool pending = row_ && row_->state == "PENDING";
    wake_.wait_for(lock, pending ? timing_.pending_poll_interval : timing_.poll_interval,
                   [this] { return stopping_; });
  }
}

void SlurmEngine::stop_poller() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void SlurmEngine::release(const std::string& why) {
  std::lock_guard<std::mutex> once(release_mu_);
  if (released_ || !started_) return;
  released_ = true;
  stop_poller();
  util::CommandOptions command;
  command.timeout = timing_.command_timeout;
  std::vector<std::string> argv = {"scancel"};
  for (auto& a : cluster_args()) argv.push_back(a);
  argv.push_back(job_.id);
  spdlog::info("releasing Slurm job {} ({})", job_.id, why);
  auto cancelled = runner_->run(argv, command);
  if (!cancelled.ok() || !cancelled->succeeded()) {
    // A job that already ended makes scancel complain; squeue says below.
    spdlog::debug("scancel {}: {}", job_.id, failure_of("scancel", cancelled));
  }
  const auto deadline = std::chrono::steady_clock::now() + timing_.release_timeout;
  std::string last = "unknown";
  for (;;) {
    auto row = query();
    if (row.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!row->has_value()) {
        gone_ = true;
        last = "GONE";
        break;
      }
      row_ = **row;
      last = row_->state;
      if (!is_active_job_state(last)) break;
    } else {
      last = row.status().message();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::warn(
          "Slurm job {} still {} {} ms after scancel; it may hold its nodes a while "
          "longer (check with: squeue -j {})",
          job_.id, last, timing_.release_timeout.count(), job_.id);
      break;
    }
    std::unique_lock<std::mutex> lock(mu_);
    // Between two looks at squeue; nothing else wakes this wait.
    wake_.wait_for(lock, timing_.release_poll_interval);
  }
  // The nodes it ran on, if the poller never saw them (a short run).
  std::string list;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (row_) list = row_->node_list;
  }
  std::optional<std::vector<std::string>> names;
  if (expand_nodes(list, names).ok() && names) {
    std::lock_guard<std::mutex> lock(mu_);
    nodes_ = std::move(*names);
    expanded_list_ = list;
  }
  std::lock_guard<std::mutex> lock(mu_);
  released_flag_ = true;
  if (!is_active_job_state(last) || last == "GONE") {
    spdlog::info("Slurm job {} released: {}", job_.id, last);
  }
}

}  // namespace lightning::cluster
