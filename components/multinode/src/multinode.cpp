// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/components/multinode.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace lightning::components {

std::vector<WorkOptions::EnvMap> torchrun_env(const GangSpec& spec) {
  if (spec.nnodes < 1 || spec.nproc_per_node < 1) {
    throw std::invalid_argument("torchrun_env: nnodes (" + std::to_string(spec.nnodes) +
                                ") and nproc_per_node (" + std::to_string(spec.nproc_per_node) +
                                ") must both be at least 1");
  }
  if (spec.master_port < 1 || spec.master_port > 65535) {
    throw std::invalid_argument("torchrun_env: master_port " + std::to_string(spec.master_port) +
                                " is not a TCP port (1..65535); pick one with find_free_port()");
  }
  if (spec.master_addr.empty()) {
    throw std::invalid_argument("torchrun_env: master_addr is empty; give rank 0's host");
  }
  if (spec.restart_count < 0) {
    throw std::invalid_argument("torchrun_env: restart_count must be >= 0");
  }
  const int world = spec.nnodes * spec.nproc_per_node;
  std::vector<WorkOptions::EnvMap> envs;
  envs.reserve(static_cast<size_t>(world));
  for (int group = 0; group < spec.nnodes; ++group) {
    for (int local = 0; local < spec.nproc_per_node; ++local) {
      const int rank = group * spec.nproc_per_node + local;
      envs.push_back({{"RANK", std::to_string(rank)},
                      {"LOCAL_RANK", std::to_string(local)},
                      {"GROUP_RANK", std::to_string(group)},
                      {"ROLE_RANK", std::to_string(rank)},
                      {"WORLD_SIZE", std::to_string(world)},
                      {"LOCAL_WORLD_SIZE", std::to_string(spec.nproc_per_node)},
                      {"GROUP_WORLD_SIZE", std::to_string(spec.nnodes)},
                      {"ROLE_WORLD_SIZE", std::to_string(world)},
                      {"MASTER_ADDR", spec.master_addr},
                      {"MASTER_PORT", std::to_string(spec.master_port)},
                      {"TORCHELASTIC_RESTART_COUNT", std::to_string(spec.restart_count)}});
    }
  }
  return envs;
}

int find_free_port(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), "0", &hints, &found); rc != 0) {
    throw std::runtime_error("find_free_port: cannot resolve '" + host +
                             "': " + ::gai_strerror(rc) + "; check MASTER_ADDR");
  }
  std::string last_error = "no address";
  int port = 0;
  for (addrinfo* a = found; a != nullptr && port == 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
      port = bound.ss_family == AF_INET6
                 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                 : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    } else {
      last_error = std::strerror(errno);
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (port == 0) {
    throw std::runtime_error("find_free_port: cannot bind a TCP port on '" + host +
                             "': " + last_error + "; check MASTER_ADDR is an address of this host");
  }
  return port;
}

void MultiNodeOptions::check_nnodes(const int& value) {
  if (value < 1 || value > 64) {
    throw std::invalid_argument("MultiNodeOptions::nnodes: " + std::to_string(value) +
                                " is out of range; use 1..64");
  }
}

void MultiNodeOptions::check_nproc_per_node(const int& value) {
  if (value < 1 || value > 256) {
    throw std::invalid_argument("MultiNodeOptions::nproc_per_node: " + std::to_string(value) +
                                " is out of range; use 1..256");
  }
}

void MultiNodeOptions::check_max_restarts(const int& value) {
  if (value < 0 || value > 100) {
    throw std::invalid_argument("MultiNodeOptions::max_restarts: " + std::to_string(value) +
                                " is out of range; use 0..100");
  }
}

void MultiNodeOptions::check_args(const Json& value) {
  if (!value.is_object()) {
    throw std::invalid_argument("MultiNodeOptions::args: must be a JSON object (got " +
                                std::string(value.type_name()) + "), e.g. {{\"epochs\", 2}}");
  }
  if (value.contains("restart_count")) {
    throw std::invalid_argument(
        "MultiNodeOptions::args: \"restart_count\" is set by MultiNode (the gang's restart "
        "count); rename your key");
  }
}

void MultiNodeFlow::configure_gang(MultiNodeOptions options) {
  if (!members_.empty()) {
    throw std::logic_error("MultiNode '" + path() +
                           "': configure() was already called; call it "
                           "once, where the parent declares the flow");
  }
  options_ = std::move(options);
  WorkOptions member = options_.member_options();
  member.parallel(true).raise_exception(false).retries(0);
  const int world = options_.nnodes() * options_.nproc_per_node();
  for (int rank = 0; rank < world; ++rank) {
    members_.push_back(&add_member("rank" + std::to_string(rank), member));
  }
  world_size = world;
}

Json MultiNodeFlow::call_args() const {
  Json args = options_.args();
  args["restart_count"] = restart_count.get();
  return args;
}

std::vector<WorkOptions::EnvMap> MultiNodeFlow::member_envs(int port) const {
  GangSpec spec;
  spec.nnodes = options_.nnodes();
  spec.nproc_per_node = options_.nproc_per_node();
  spec.master_addr = options_.master_addr();
  spec.master_port = port;
  spec.restart_count = restart_count.get();
  std::vector<WorkOptions::EnvMap> envs = torchrun_env(spec);
  for (auto& env : envs) {
    for (const auto& [name, value] : options_.member_options().env()) env.emplace(name, value);
  }
  return envs;
}

void MultiNodeFlow::start_gang(int restart) {
  const int port = find_free_port(options_.master_addr());
  restart_count = restart;
  master_port = port;
  const std::vector<WorkOptions::EnvMap> envs = member_envs(port);
  // Stop every member first (the failed one, the ones still running, the ones
  // that succeeded): each then gets a new process, and with it the new
  // environment, for the new call (Flow::set_work_env).
  for (size_t rank = 0; rank < members_.size(); ++rank) {
    if (restart > 0) members_[rank]->stop();
    set_work_env(*members_[rank], envs[rank]);
  }
  phase = "running";
  const Json args = call_args();
  for (Work* member : members_) member->call(args);
}

void MultiNodeFlow::run() {
  if (members_.empty()) {
    throw std::logic_error("MultiNode '" + path() +
                           "': no members; call configure(MultiNodeOptions()...) where the "
                           "parent declares it");
  }
  if (phase.get() == "idle") start_gang(0);
  if (phase.get() != "running") return;
  const Json args = call_args();
  int done = 0;
  bool running = false;
  std::vector<std::pair<int, WorkStatus>> failures;
  for (size_t rank = 0; rank < members_.size(); ++rank) {
    Work& m = *members_[rank];
    // A failed call is not called again (that would re-run it): the gang
    // restarts instead.
    const WorkStatus s =
        m.status().has_failed() || m.status().has_stopped() ? m.status() : m.call(args);
    if (s.has_succeeded()) ++done;
    if (s.has_failed() || s.has_stopped()) {
      failures.emplace_back(static_cast<int>(rank), s);
    } else if (!s.is_done()) {
      running = true;
    }
  }
  if (failures.empty()) {
    first_failure_seen_ = {};
    if (done == static_cast<int>(members_.size())) phase = "succeeded";
    return;
  }
  // The first failure seen is often a consequence (a peer's collective fails
  // the moment a member crashes, and the crash is reported a little later):
  // give the members still running kFailureSettle to report theirs too.
  const auto now = std::chrono::steady_clock::now();
  if (first_failure_seen_ == std::chrono::steady_clock::time_point{}) first_failure_seen_ = now;
  if (running && now - first_failure_seen_ < kFailureSettle) {
    schedule_in(std::chrono::duration_cast<std::chrono::milliseconds>(kFailureSettle -
                                                                      (now - first_failure_seen_)) +
                std::chrono::milliseconds(1));
    return;
  }
  first_failure_seen_ = {};
  // The root cause first: a crash (signal, exit, start failure) before an
  // exception, then the earliest.
  std::stable_sort(failures.begin(), failures.end(), [](const auto& a, const auto& b) {
    const bool a_threw = a.second.reason == reason::kException;
    const bool b_threw = b.second.reason == reason::kException;
    if (a_threw != b_threw) return !a_threw;
    return a.second.timestamp_us < b.second.timestamp_us;
  });
  const auto& [failed_rank, failed] = failures.front();
  std::string text = "rank " + std::to_string(failed_rank) + " (" +
                     members_[static_cast<size_t>(failed_rank)]->path() +
                     ") failed: " + failed.reason + ": " + failed.message;
  if (failures.size() > 1) {
    text += "\n(then also failed: rank";
    for (size_t i = 1; i < failures.size(); ++i) {
      text += " " + std::to_string(failures[i].first) + " (" + failures[i].second.reason + ")";
    }
    text += ")";
  }
  error = text;
  if (restart_count.get() < options_.max_restarts()) {
    const int restart = restart_count.get() + 1;
    std::fprintf(stderr, "[%s] rank %d failed (%s); restarting the gang (restart %d of %d)\n",
                 path().c_str(), failed_rank, failed.reason.c_str(), restart,
                 options_.max_restarts());
    start_gang(restart);
  } else {
    for (Work* member : members_) member->stop();
    phase = "failed";
  }
}

void MultiNodeFlow::stop_members() {
  for (Work* member : members_) member->stop();
  if (!is_done()) phase = "stopped";
}

}  // namespace lightning::components
