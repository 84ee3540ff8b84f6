// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/runtime.hpp"
#include "lightning/flow.hpp"
#include "rpc/controller_service.hpp"
#include "runtime/work_launcher.hpp"
#include "runtime/work_logs.hpp"

namespace lightning {
namespace runtime {

struct ControllerOptions {
  std::string run_dir;
  std::string log_level = "info";
  /// gRPC listen address for work processes; port 0 picks a free port; empty:
  /// no server (unit tests inject sessions).
  std::string listen_address = "127.0.0.1:0";
  /// A Flow::run longer than this is reported with a warning.
  std::chrono::milliseconds slow_run_warning{500};
  /// A work process that has not said Hello by then fails its call.
  std::chrono::milliseconds start_timeout{30000};
  /// Echo work output to the terminal (always written to the log files).
  bool echo_logs = true;
};

/// Sees every state change, in order, with the app's state version. The one
/// place where the HTTP API stream and the journal will plug in.
class StateObserver {
 public:
  virtual ~StateObserver() = default;
  /// `pointer` is a JSON pointer into Flow::snapshot() of the root.
  virtual void on_state_change(uint64_t version, const std::string& pointer, const Json& value) = 0;
};

}  // namespace runtime

namespace detail {

/// One call of a work, as the controller tracks it.
struct CallRecord {
  uint64_t id = 0;
  Json args;
  std::string key;  ///< args.dump(): calls with equal args are the same call
  WorkStatus status;
  uint64_t observed_in_run = 0;  ///< flow run that first saw it done (0: not yet)
  uint64_t dispatched_on = 0;    ///< process id it was sent to (0: not sent)
  /// Final failures of calls with these args so far; calling them again
  /// re-runs them, but not before rerun_not_before (exponential backoff, so a
  /// flow that calls unconditionally backs off like a crash loop, not a spin).
  int final_failures = 0;
  std::chrono::steady_clock::time_point rerun_not_before{};
};

/// Controller-side bookkeeping of one work: its calls and its process.
class WorkRecord {
 public:
  explicit WorkRecord(boost::asio::io_context& io)
      : retry_timer(io), call_timer(io), start_timer(io) {}

  enum class Proc { kNone, kLaunching, kConnected, kStopping };

  Work* work = nullptr;
  uint64_t next_call_id = 1;
  std::unordered_map<std::string, std::shared_ptr<CallRecord>> by_key;  // latest call per args
  std::deque<std::shared_ptr<CallRecord>> queue;                        // not yet started
  std::shared_ptr<CallRecord> current;                                  // in flight or retrying
  std::shared_ptr<CallRecord> latest;                                   // drives Work::status()
  bool retry_wait = false;

  Proc proc = Proc::kNone;
  uint64_t process_id = 0;
  int pid = -1;
  bool said_hello = false;
  std::shared_ptr<rpc::WorkSession> session;

  Json pending_out = Json::array();  // flow-side changes not yet sent
  std::unordered_map<std::string, size_t> pending_index;

  boost::asio::steady_timer retry_timer, call_timer, start_timer;
};

}  // namespace detail

namespace runtime {

/// The flow controller. Owns the app tree and runs the flows' event loop on
/// one io_context thread (the caller of run()); dispatches work calls over
/// gRPC and keeps state in sync both ways. gRPC threads only post onto the
/// loop. Works' processes come from the injected launcher.
class Controller final : public detail::Runtime, public rpc::WorkSessionHandler {
 public:
  Controller(boost::asio::io_context& io, ControllerOptions options, std::unique_ptr<Flow> root,
             WorkLauncherInterface& launcher);
  ~Controller() override;

  /// Runs the app to the end; returns the process exit code.
  int run();
  /// What run() does before running the loop: starts the gRPC server (unless
  /// options.listen_address is empty, for tests that inject sessions), attaches
  /// the tree and asks for the first Flow::run. Tests then drive io themselves.
  bool start(std::string* error);
  bool finished() const { return finished_; }
  int exit_code() const { return exit_code_; }
  const std::string& final_message() const { return final_message_; }
  const std::string& token() const { return token_; }
  const std::string& address() const { return address_; }

  const std::string& run_id() const { return run_id_; }
  uint64_t state_version() const { return state_version_; }
  void add_observer(StateObserver* observer) { observers_.push_back(observer); }
  Flow& root() { return *root_; }

  // detail::Runtime
  void on_field_changed(Component& owner, const StateFieldBase& field, Json value) override;
  WorkStatus call_work(Work& work, Json args) override;
  void stop_work(Work& work) override;
  void stop_app(std::string message, bool failed) override;
  void schedule_in(std::chrono::milliseconds delay) override;
  void on_work_added(Work& work) override;
  bool in_flow_run() const override { return in_run_; }

  // rpc::WorkSessionHandler
  void on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                          v1::WorkerMessage& msg) override;
  void on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) override;

 private:
  using Record = detail::WorkRecord;

  void request_run();
  void run_flows();
  void arm_wakeup();

  void pump(Record& r);
  void launch(Record& r);
  void send_call(Record& r);
  void flush_out(Record& r);
  void set_call_status(Record& r, detail::CallRecord& c, WorkStage stage, std::string reason = {},
                       std::string message = {});
  void fail_current(Record& r, std::string reason, std::string message,
                    std::optional<int> exit_code = {}, std::optional<int> signal = {});
  void kill_process(Record& r, std::chrono::milliseconds grace);

  void on_hello(const std::shared_ptr<rpc::WorkSession>& session, const v1::Hello& hello);
  void on_process_started(uint64_t process_id, int pid);
  void on_process_output(uint64_t process_id, std::string_view line, bool is_stderr);
  void on_process_exit(uint64_t process_id, const ProcessExit& exit);

  void forget_if_unneeded(Record& r, const detail::CallRecord& c);
  void write_state_file(const Json& out);
  void begin_shutdown();
  void check_shutdown_done();
  void finish();
  void publish(const std::string& pointer, const Json& value);
  std::string pointer_of(const Component& c) const;

  boost::asio::io_context& io_;
  ControllerOptions options_;
  std::unique_ptr<Flow> root_;
  WorkLauncherInterface& launcher_;
  WorkLogs logs_;
  std::string run_id_;
  std::string token_;
  std::string address_;

  std::unique_ptr<rpc::ControllerService> service_;
  std::unique_ptr<grpc::Server> server_;
  boost::asio::signal_set signals_;

  std::deque<std::unique_ptr<Record>> records_;
  std::unordered_map<uint64_t, Record*> by_process_;
  std::unordered_set<Record*> dirty_out_;
  uint64_t next_process_id_ = 0;

  bool run_requested_ = false;
  bool in_run_ = false;
  bool changed_during_run_ = false;
  uint64_t run_count_ = 0;
  std::set<std::chrono::steady_clock::time_point> wakeups_;
  boost::asio::steady_timer wakeup_timer_;

  bool stopping_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
  std::string final_message_;
  boost::asio::steady_timer shutdown_timer_;

  uint64_t state_version_ = 0;
  std::vector<StateObserver*> observers_;
};

}  // namespace runtime
}  // namespace lightning
