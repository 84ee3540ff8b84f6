// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/patch_builder.hpp"
#include "core/runtime.hpp"
#include "lightning/flow.hpp"
#include "rpc/controller_service.hpp"
#include "runtime/call_table.hpp"
#include "runtime/failure_causes.hpp"
#include "runtime/process_exits.hpp"
#include "runtime/progress_watch.hpp"
#include "runtime/resource_budget.hpp"
#include "runtime/runtime_events.hpp"
#include "runtime/state_publisher.hpp"
#include "runtime/work_launcher.hpp"
#include "runtime/work_logs.hpp"
#include "runtime/work_process_supervisor.hpp"
#include "runtime/work_session_router.hpp"
#include "util/clock.hpp"
#include "util/event_loop.hpp"

namespace lightning {
namespace runtime {

/// The whole state (Flow::snapshot() of the root) at one version.
struct StateSnapshot {
  Json state;
  uint64_t version = 0;
};

struct ControllerOptions {
  std::string run_dir;
  std::string log_level = "info";
  /// The address work processes dial: the gRPC server of the composition
  /// root (AppHost), which hands their streams to the controller.
  std::string work_address;
  /// A Flow::run longer than this is reported with a warning.
  std::chrono::milliseconds slow_run_warning{500};
  /// A work process that has not said Hello by then fails its call (reason
  /// "start_timeout"), unless its WorkOptions::start_timeout says otherwise.
  /// The app's --start-timeout.
  std::chrono::milliseconds start_timeout{30000};
  /// Echo work output to the terminal (always written to the log files).
  bool echo_logs = true;
  /// Where echoed output goes (so the live works table stays below it);
  /// none: straight to stdout/stderr.
  std::shared_ptr<Terminal> terminal;
  /// A stalled app (nothing can run the flow again) is warned about after
  /// this long, once per stall (ProgressWatch).
  std::chrono::milliseconds stall_warning{500};
  /// A stall this long fails the app (exit code 1); 0: never (--idle-timeout).
  std::chrono::milliseconds idle_timeout{0};
};

}  // namespace runtime

namespace detail {

/// Controller-side bookkeeping of one work: its calls, its process and the
/// flow-side changes not yet sent to it. Owned by the controller.
class WorkRecord {
 public:
  WorkRecord(Work& w, util::ClockInterface& clock, runtime::CallTable::Hooks hooks)
      : work(&w), calls(clock, call_policy_of(w), std::move(hooks)), process(w, clock) {}

  static runtime::CallPolicy call_policy_of(const Work& w);

  Work* work = nullptr;
  runtime::CallTable calls;
  runtime::WorkProcess process;      // changed only by the WorkProcessSupervisor
  detail::PatchBuilder pending_out;  // flow-side changes not yet sent
  /// A call that ended by a signal from outside on a worker that may be
  /// draining: decided at the process's exit (interrupted if its node was
  /// draining, else failed with this). Process id 0: none.
  struct OutsideSignal {
    uint64_t process_id = 0;
    int signal = 0;
    std::string message;
  } outside_signal;
};

}  // namespace detail

namespace runtime {

/// The flow controller: the loop that wires the app's state and its works.
/// Owns the app tree; runs Flow::run when state changes or a wake-up is due;
/// turns Work::call into CallTable entries and dispatches them to work
/// processes; keeps state in sync both ways; ends the app. Built and owned by
/// the composition root (AppHost) or a test; lives on the loop's thread (one
/// io_context); other threads only use its posted API. Its collaborators are
/// injected: the loop and clock, the launcher of work processes; the Connect
/// streams come in through on_session_message (WorkSessionRouter checks
/// them). See docs/design/processes-and-threads.md.
class Controller final : public detail::Runtime,
                         public rpc::WorkSessionHandler,
                         private WorkProtocolHandler {
 public:
  /// How long an exited work process's stream may take to deliver what the
  /// process sent before it exited (on_process_exit waits for its end).
  static constexpr std::chrono::milliseconds kStreamDrainWait{2000};
  /// A Flow::run() this long or longer delays the next one by as long as it
  /// took (request_run): run() takes at most about half of the flow loop.
  static constexpr std::chrono::milliseconds kPacedRun{1};
  /// `budget` (may be null: no limits) holds launches that would exceed the
  /// open-files or process limits (resource_budget.hpp).
  Controller(util::EventLoop& loop, ControllerOptions options, std::unique_ptr<Flow> root,
             WorkLauncherInterface& launcher, ResourceBudget* budget = nullptr);
  ~Controller() override;

  /// Attaches the tree and asks for the first Flow::run; the owner then runs
  /// the loop (AppHost::run, or a test driving the io_context).
  void start();
  /// Resume (docs/design/journal.md, "Resume"): gives each work listed in
  /// `tables` (work path -> its table in CallTable::save()'s format, as
  /// journal::load() returns them) its saved calls, so that succeeded calls
  /// answer from the cache and are not run again. Then every restored record
  /// goes to the event observers (the journal rewrites its rows), each work
  /// shows the status of its latest call (a call that was running comes back
  /// pending: a reported change) and the calls that were queued or in flight
  /// are dispatched again. After start(), before the loop runs; the state
  /// itself is loaded before start() (detail::load_snapshot,
  /// StatePublisher::restore_version). kInvalidArgument naming the work when
  /// a path is not one of the app's works (a work made inside Flow::run()
  /// cannot be resumed yet), or CallTable::restore() refuses its table; works
  /// restored before the error keep their tables (the app is expected to exit).
  Status restore_calls(const std::map<std::string, Json>& tables);
  bool finished() const { return finished_.load(); }
  int exit_code() const { return exit_code_; }
  /// The app ended because something failed (fail(), an exception out of
  /// Flow::run, a work's final failure), not because it was stopped.
  bool failed() const { return failed_; }
  const std::string& final_message() const { return final_message_; }
  /// What `<run dir>/state.json` holds once the app finished (AppHost writes
  /// it): run_id, exit_code, message, state_version, and the whole state tree
  /// (Flow::snapshot() of the root). Loop thread, or after the loop stopped.
  Json final_record() const;
  const std::string& token() const { return router_.token(); }
  const std::string& address() const { return options_.work_address; }

  const std::string& run_id() const { return router_.run_id(); }
  uint64_t state_version() const { return publisher_.version(); }
  /// Versions, batches and history of the app's state (loop thread only).
  StatePublisher& publisher() { return publisher_; }
  void add_observer(StateObserver* observer) { publisher_.add_observer(observer); }
  Flow& root() { return *root_; }
  /// Flow runs, call statuses and work processes, as they happen (loop thread;
  /// runtime_events.hpp). An observer is removed before it is destroyed.
  void add_event_observer(RuntimeEventObserver* observer) { events_.push_back(observer); }
  void remove_event_observer(RuntimeEventObserver* observer);
  /// Counts `source` as a source of input while it is registered: something
  /// outside the app that may change its state at any time (the HTTP API of an
  /// app with writable fields or routes of its own). An app with nothing else
  /// to do is then waiting for it, not stalled (ProgressWatch, --idle-timeout).
  /// Loop thread; adding twice counts once.
  void add_input_source(const void* source) { input_sources_.insert(source); }
  void remove_input_source(const void* source) { input_sources_.erase(source); }
  /// The works' captured output (`<run dir>/logs/<work path>.log`).
  WorkLogs& logs() { return logs_; }

  // ------------------------------------------------ posted API (controller_api.cpp)
  // For other threads: the HTTP API (next issue) and signal handling. Each
  // call is thread-safe: it posts a named handler onto the loop, and `done`
  // (when given) is called exactly once with the answer, on one of:
  //  - the loop thread, while the app runs (the normal case);
  //  - the caller's thread, at once, with Unavailable("the app has finished")
  //    when the app had already finished (the loop is stopped and would never
  //    run the handler);
  //  - for a call queued when the loop stopped: the thread that next runs the
  //    loop, or the one that destroys it (the handler's destructor answers),
  //    with the same Unavailable.
  // So a thread that waits for `done` never waits for ever.

  /// Applies an RFC 6902 `patch` addressed like Flow::snapshot() of the root
  /// ("/vars/n", "/works/w/vars/x"; only fields under .../vars/) as one change,
  /// all or nothing, then runs the flow; answers the new state version.
  /// Conflicts: with `base_version`, the patch applies only if the state is
  /// still at exactly that version, else FailedPrecondition (take a snapshot
  /// and retry); any change counts, even to fields the patch does not touch,
  /// so a client never overwrites what it has not seen. Without one, it applies
  /// to whatever the state is (last writer wins).
  ///
  ///   controller.post_apply_patch(Json::parse(R"([{"op":"replace","path":"/vars/n","value":3}])"),
  ///                               version, [](Result<uint64_t> v) { ... });
  void post_apply_patch(Json patch, std::optional<uint64_t> base_version,
                        std::function<void(Result<uint64_t>)> done);
  /// Stops the app as Flow::stop() does, at the request of someone outside
  /// the flows (a signal, the HTTP API): not a failure. The app then exits
  /// with `exit_code` (a signal's 128 + n, even if it was already stopping).
  /// When the app was failing only because a work got the same signal
  /// (exit_code - 128) from outside less than kSharedSignalWindow before this stop (systemd, Slurm
  /// and `kill -- -PGID` from a parent signal the app and its works at once, and the work's failure
  /// can reach the loop first), the app is stopped, not failed: `message` replaces the failure's.
  void post_stop(std::string message, int exit_code = 0);
  /// How close a work's failure by an outside signal and the app's own stop
  /// request must be to count as one signal sent to both.
  static constexpr std::chrono::milliseconds kSharedSignalWindow{2000};
  /// Fails the app from outside the flows (exit code 1, `message` as its
  /// failure): what runs it is gone, e.g. the cluster's allocation ended.
  void post_fail(std::string message);
  /// Kills every work process now (stop with no grace), as a second Ctrl-C does.
  void post_kill_now();
  /// The whole state (Flow::snapshot() of the root) and its version.
  void post_snapshot(std::function<void(Result<StateSnapshot>)> done);
  /// Adds `observer` and answers the snapshot it starts from: every batch
  /// of changes after `version` reaches the observer. (A reader that resumes
  /// from a version instead reads publisher().since(version) on the loop.)
  /// Until it unsubscribes, the subscriber counts as a possible source of
  /// input (a client that may post_apply_patch at any time), so the app is
  /// never reported stalled (ProgressWatch); add_observer() does not count.
  void post_subscribe(StateObserver* observer, std::function<void(Result<StateSnapshot>)> done);
  /// Removes `observer`; after `done` it is never called again.
  void post_unsubscribe(StateObserver* observer, std::function<void(Status)> done);

  // detail::Runtime
  void on_field_changed(Component& owner, const StateFieldBase& field, Json value) override;
  WorkStatus call_work(Work& work, Json args) override;
  void stop_work(Work& work) override;
  void stop_app(std::string message, bool failed) override;
  void schedule_in(std::chrono::milliseconds delay) override;
  void on_work_added(Work& work) override;
  void on_work_options_changed(Work& work) override;  // controller_restore.cpp
  bool in_flow_run() const override { return in_run_; }
  void publish_url(Work& work, const std::string& url) override;

  // rpc::WorkSessionHandler: the Connect streams, handed to the router.
  void on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                          v1::WorkerMessage& msg) override;
  void on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) override;

 private:
  using Record = detail::WorkRecord;

  void request_run();
  void run_flows();
  void arm_wakeup();
  /// What could still run the flow again (for the ProgressWatch).
  Activity activity() const;

  void pump(Record& r);
  void launch(Record& r);
  void send_call(Record& r, const CallRecord& c);
  void flush_out(Record& r);
  void on_call_status(Record& r, const CallRecord& c, bool is_latest);
  /// Ends `r`'s current call as failed (or retries it); a work that raises
  /// fails the app. `outside_signal`: the process got `signal` from outside the
  /// app (see post_stop()).
  void fail_current(Record& r, std::string reason, std::string message,
                    std::optional<int> exit_code = {}, std::optional<int> signal = {},
                    bool outside_signal = false);

  // WorkProtocolHandler: what the router's valid messages mean.
  const rpc::WorkSession* session_of(uint64_t process_id) const override;
  std::string work_path_of(uint64_t process_id) const override;
  Status on_hello(const std::shared_ptr<rpc::WorkSession>& session,
                  const v1::Hello& hello) override;
  Status on_delta(uint64_t process_id, const std::string& patch_json) override;
  Status on_call_started(uint64_t process_id, uint64_t call_id) override;
  Status on_call_finished(uint64_t process_id, const v1::CallFinished& finished) override;
  Status on_url_published(uint64_t process_id, const std::string& url) override;
  void on_disconnected(uint64_t process_id) override;
  Record& record_of_process(uint64_t process_id);

  void on_process_started(uint64_t process_id, int pid);
  void on_process_output(uint64_t process_id, std::string_view line, bool is_stderr);
  void on_process_exit(uint64_t process_id, const ProcessExit& exit);
  /// A call whose process was stopped by its draining node (Slurm's SIGTERM
  /// before the time limit, a pre-emption) is interrupted, not failed: it
  /// runs again elsewhere without using a retry. false: not drained.
  bool interrupt_if_drained(Record& r, uint64_t process_id);
  void interrupt(Record& r, const std::string& why);
  /// on_process_exit once the process's stream has ended (or kStreamDrainWait passed).
  void process_exited(uint64_t process_id, const ProcessExit& exit);

  void begin_shutdown();
  void check_shutdown_done();
  void finish();

  util::EventLoop& loop_;
  util::ClockInterface& clock_;
  ControllerOptions options_;
  std::unique_ptr<Flow> root_;
  WorkLauncherInterface& launcher_;
  WorkProcessSupervisor supervisor_;
  WorkLogs logs_;
  OomWatch oom_;
  WorkSessionRouter router_;

  std::deque<std::unique_ptr<Record>> records_;
  std::unordered_set<Record*> dirty_out_;

  // Exits the forker reported while the process's stream was still open: its
  // last messages (final deltas, CallFinished) are handled first.
  DeferredExits deferred_exits_{clock_, kStreamDrainWait};
  bool run_requested_ = false;
  // Pacing: after a run() of kPacedRun or longer, the next one waits as long
  // as it took, so that run() takes at most about half of the loop.
  util::ClockInterface::Duration last_run_took_{};
  util::ClockInterface::TimePoint last_run_end_{};
  util::Timer paced_run_timer_;
  bool in_run_ = false;
  bool changed_during_run_ = false;
  uint64_t run_count_ = 0;
  std::set<util::ClockInterface::TimePoint> wakeups_;
  util::Timer wakeup_timer_;

  bool stopping_ = false;
  bool shutdown_begun_ = false;  ///< begin_shutdown() has run (the calls are stopped)
  std::atomic<bool> finished_{false};  ///< set by finish(); read by the posted API on any thread
  int exit_code_ = 0;
  bool failed_ = false;
  std::string final_message_;
  /// When the app's failure came from a signal sent from outside to a work
  /// (see kSharedSignalWindow): the time it failed, else nullopt, and the signal.
  std::optional<util::ClockInterface::TimePoint> failed_by_outside_signal_at_;
  int failed_by_outside_signal_ = 0;
  util::Timer shutdown_timer_;

  StatePublisher publisher_;
  std::vector<RuntimeEventObserver*> events_;
  /// Observers subscribed through the posted API: clients that may send
  /// input (post_apply_patch) at any time, so an app they watch is not stalled.
  std::unordered_set<StateObserver*> api_subscribers_;
  /// add_input_source(): outside inputs that are not subscribers.
  std::unordered_set<const void*> input_sources_;
  ProgressWatch progress_;
};

}  // namespace runtime
}  // namespace lightning
