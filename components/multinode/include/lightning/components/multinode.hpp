// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// MultiNode: a Flow that runs a gang of works with the torchrun environment
// and restarts the whole gang when one member fails (docs/components/multinode.md).
// This header does not include libtorch; the process-group helpers for the
// works are in lightning/components/distributed.hpp.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lightning/flow.hpp"
#include "lightning/json.hpp"
#include "lightning/state.hpp"
#include "lightning/work.hpp"

namespace lightning::components {

/// The shape of a gang and where its rendezvous is, as torchrun's flags say
/// it: --nnodes, --nproc-per-node, --master-addr, --master-port.
struct GangSpec {
  int nnodes = 1;          ///< node groups (torchrun's nodes); GROUP_RANK 0..nnodes-1
  int nproc_per_node = 1;  ///< members per node group; LOCAL_RANK 0..nproc_per_node-1
  std::string master_addr = "127.0.0.1";  ///< where rank 0 hosts the c10d TCPStore
  int master_port = 0;                    ///< its port (1..65535)
  int restart_count = 0;                  ///< TORCHELASTIC_RESTART_COUNT
};

/// The environment of each member of a gang, by global rank (0..nnodes *
/// nproc_per_node - 1), with torchrun's names and numbering: RANK = GROUP_RANK
/// * nproc_per_node + LOCAL_RANK, and WORLD_SIZE, LOCAL_WORLD_SIZE,
/// MASTER_ADDR, MASTER_PORT, TORCHELASTIC_RESTART_COUNT, plus ROLE_RANK /
/// ROLE_WORLD_SIZE (= RANK / WORLD_SIZE, one role) and GROUP_WORLD_SIZE
/// (= nnodes), as torchrun sets them (torch/distributed/run.py,
/// torch.distributed.elastic.agent.server). The one place where ranks and
/// addresses are assigned: a placement across machines (the cluster issue)
/// gives node group g to one machine and the rest follows. Throws
/// std::invalid_argument for nnodes or nproc_per_node < 1, a port outside
/// 1..65535, an empty master_addr or a negative restart count.
std::vector<WorkOptions::EnvMap> torchrun_env(const GangSpec& spec);

/// A TCP port that is free on `host` now: binds port 0 there, reads the port
/// the kernel chose and closes the socket, as torchrun's standalone mode does
/// (torch.distributed.elastic.rendezvous.utils._get_free_port / run.py's
/// `--standalone`). The race: another process may take the port between this
/// close and rank 0's bind of its TCPStore; rank 0 then fails with "address
/// already in use", which is a member failure, so MultiNode restarts the gang
/// on a fresh port (docs/components/multinode.md, "MASTER_PORT"). Throws
/// std::runtime_error naming the host and errno's text when no socket can be bound.
int find_free_port(const std::string& host = "127.0.0.1");

/// How a MultiNode runs its gang. Fluent setters, like WorkOptions:
///   MultiNodeOptions().nproc_per_node(2).max_restarts(3).args({{"epochs", 2}})
class MultiNodeOptions {
 public:
  /// Node groups; locally every group runs on this machine (GROUP_RANK and
  /// LOCAL_RANK are assigned as on several machines). 1..64, default 1.
  LIGHTNING_CHECKED_OPTION(int, nnodes, 1);
  /// Members per node group; 1..256, default 1.
  LIGHTNING_CHECKED_OPTION(int, nproc_per_node, 1);
  /// How often the gang is restarted after a member failed before the flow
  /// fails (torchrun's --max-restarts, whose default is also 0); 0..100.
  LIGHTNING_CHECKED_OPTION(int, max_restarts, 0);
  /// MASTER_ADDR: where rank 0 hosts the rendezvous (locally 127.0.0.1).
  LIGHTNING_OPTION(std::string, master_addr, "127.0.0.1");
  /// Args of every member's call, a JSON object. Each member's run() gets
  /// them plus "restart_count" (the gang's restart count, as in
  /// TORCHELASTIC_RESTART_COUNT), so that every restart is a new call.
  LIGHTNING_CHECKED_OPTION(Json, args, Json::object());
  /// Options of each member work (env, grace_period, start_timeout, timeout,
  /// ...). MultiNode sets parallel(true) (members start together),
  /// raise_exception(false) and retries(0) (the gang restarts instead), and
  /// adds the torchrun variables to env (a user variable of the same name
  /// loses).
  LIGHTNING_OPTION(WorkOptions, member_options, WorkOptions());
};

/// What MultiNode<W> does, without its work type: the gang's state machine.
/// Runs on the controller's loop thread, like every flow.
class MultiNodeFlow : public Flow {
 public:
  /// The gang's state: "idle" before the first run(), "running",
  /// "succeeded" (every member's call succeeded), "failed" (a member failed
  /// and the restarts are used up) or "stopped" (stop_members()).
  State<std::string> phase{this, "phase", "idle"};
  /// TORCHELASTIC_RESTART_COUNT of the current gang: 0, then 1 after the
  /// first restart, ...
  State<int> restart_count{this, "restart_count", 0};
  /// MASTER_PORT of the current gang (a fresh one per restart).
  State<int> master_port{this, "master_port", 0};
  State<int> world_size{this, "world_size", 0};
  /// Why the gang failed or was last restarted: "rank R (<work path>) failed:
  /// <reason>: <message>", the root cause first (a crash before an exception,
  /// then the earliest), then "(then also failed: rank 0 (exception))".
  State<std::string> error{this, "error", ""};

  /// Drives the gang; the parent flow calls it from its own run(). Starts all
  /// members together (parallel calls), watches them, restarts the whole gang
  /// (stop all, new restart count, fresh MASTER_PORT, call all again) when one
  /// fails, until max_restarts; then fails with that member's error. Throws
  /// std::logic_error if configure() was not called.
  void run() override;

  bool has_succeeded() const { return phase.get() == "succeeded"; }
  bool has_failed() const { return phase.get() == "failed"; }
  bool has_stopped() const { return phase.get() == "stopped"; }
  /// succeeded, failed or stopped: run() starts nothing any more.
  bool is_done() const { return has_succeeded() || has_failed() || has_stopped(); }
  /// Stops every member (SIGTERM, then SIGKILL after the members'
  /// grace_period; their calls end as "stopped") and the gang ("stopped"), so
  /// that run() restarts nothing. The app's own stop also stops them.
  void stop_members();
  /// The members, by rank.
  const std::vector<Work*>& members() const { return members_; }
  const MultiNodeOptions& options() const { return options_; }

 protected:
  /// Declares the members (rank0, rank1, ...) with add_work of the user's type.
  virtual Work& add_member(const std::string& name, const WorkOptions& options) = 0;
  void configure_gang(MultiNodeOptions options);

 private:
  Json call_args() const;
  std::vector<WorkOptions::EnvMap> member_envs(int port) const;
  void start_gang(int restart);

  /// How long a gang waits, after the first failure it sees, for the members
  /// still running to report theirs, so that `error` names the root cause.
  static constexpr std::chrono::milliseconds kFailureSettle{500};

  MultiNodeOptions options_;
  std::vector<Work*> members_;
  std::chrono::steady_clock::time_point first_failure_seen_{};
};

/// Runs a gang of works of type W with the torchrun environment (RANK,
/// LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR,
/// MASTER_PORT, TORCHELASTIC_RESTART_COUNT) and restarts the whole gang when
/// one member fails: Lightning's MultiNode with torchrun's elastic-agent
/// semantics (all members are stopped and started again, up to max_restarts).
///
///   struct Root : lightning::Flow {
///     using Gang = lightning::components::MultiNode<DdpWork>;
///     Gang& gang = add_flow<Gang>("gang");
///     Root() {
///       gang.configure(lightning::components::MultiNodeOptions().nproc_per_node(2).max_restarts(2));
///     }
///     void run() override {
///       gang.run();
///       if (gang.has_succeeded()) stop("trained");
///       if (gang.has_failed()) fail(gang.error.get());
///     }
///   };
///
/// Members are named rank0, rank1, ... (paths root.gang.rank0, ...) and keep
/// their names, logs and files_dir() across restarts.
template <class W>
class MultiNode : public MultiNodeFlow {
 public:
  /// Sets the gang's shape and declares its members; once, before the app
  /// starts (in the parent's constructor, as above). Throws
  /// std::logic_error when called twice.
  MultiNode& configure(MultiNodeOptions options) {
    configure_gang(std::move(options));
    return *this;
  }
  /// The member with global rank `rank` (0..world_size-1); throws std::out_of_range.
  W& member(int rank) { return static_cast<W&>(*members().at(static_cast<size_t>(rank))); }

 protected:
  Work& add_member(const std::string& name, const WorkOptions& options) override {
    return add_work<W>(name, options);
  }
};

}  // namespace lightning::components
