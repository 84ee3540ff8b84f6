// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/controller.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <typeinfo>

#include "core/json_io.hpp"
#include "core/patch.hpp"
#include "lightning/app.hpp"
#include "util/ids.hpp"
#include "util/signal_name.hpp"

namespace lightning::runtime {

namespace {

using util::signal_name;

}  // namespace

}  // namespace lightning::runtime

namespace lightning::detail {
runtime::CallPolicy WorkRecord::call_policy_of(const Work& w) {
  runtime::CallPolicy p;
  p.cache_calls = w.options().cache_calls();
  p.retries = w.options().retries();
  p.retry_backoff = w.options().retry_backoff();
  p.timeout = w.options().timeout();
  p.max_cached_calls = static_cast<size_t>(w.options().max_cached_calls());
  return p;
}
}  // namespace lightning::detail

namespace lightning::runtime {

Controller::Controller(util::EventLoop& loop, ControllerOptions options, std::unique_ptr<Flow> root,
                       WorkLauncherInterface& launcher, ResourceBudget* budget)
    : loop_(loop),
      clock_(loop.clock()),
      options_(std::move(options)),
      root_(std::move(root)),
      launcher_(launcher),
      supervisor_(launcher, clock_, options_.start_timeout, budget),
      logs_(options_.run_dir + "/logs", options_.echo_logs, options_.terminal.get()),
      router_(*this, util::random_hex(8), util::random_hex(16)),
      paced_run_timer_(clock_),
      wakeup_timer_(clock_),
      shutdown_timer_(clock_),
      progress_(
          clock_,
          ProgressWatch::Options{std::chrono::milliseconds(250), options_.stall_warning,
                                 options_.idle_timeout},
          ProgressWatch::Hooks{[this] { return activity(); },
                               [](const std::string& warning) { spdlog::warn("{}", warning); },
                               [this](const std::string& message) {
                                 spdlog::error("{}", message);
                                 stop_app(message, true);
                               }}) {
  launcher_.set_events(WorkLauncherInterface::Events{
      [this](uint64_t id, int pid) { on_process_started(id, pid); },
      [this](uint64_t id, std::string_view line, bool err) { on_process_output(id, line, err); },
      [this](uint64_t id, const ProcessExit& ex) { on_process_exit(id, ex); },
      [this](uint64_t id, const std::string& reason) { supervisor_.pending(id, reason); }});
  supervisor_.set_hooks(
      WorkProcessSupervisor::Hooks{[](WorkProcess& p, const std::string& why) {
                                     record_of(*p.work)->calls.wait_for_resources(why);
                                   },
                                   [](const WorkProcess& p) {
                                     const Record& r = *record_of(*p.work);
                                     return r.calls.current() == nullptr && r.calls.queued() == 0;
                                   }});
}

Controller::~Controller() = default;

void Controller::start() {
  attach_tree(*root_, this);
  // Works declared as members were added before the runtime was attached.
  std::function<void(Flow&)> add_all = [&](Flow& f) {
    for (Work* w : f.works()) on_work_added(*w);
    for (Flow* c : f.flows()) add_all(*c);
  };
  add_all(*root_);

  request_run();
}

// ---------------------------------------------------------------- flow loop

void Controller::request_run() {
  if (run_requested_ || stopping_) return;
  run_requested_ = true;
  auto run = [this] {
    run_requested_ = false;
    run_flows();
  };
  // A run() that walks 10,000 works takes ~10 ms; run again at once after
  // each of the works' events and the loop does little else (a 10,000-work
  // fan-out spent most of the controller's CPU in run()). Waiting as long as
  // the last run() took lets the events of that time arrive first and be
  // handled by one run(). Short run()s (most apps) are not delayed.
  if (last_run_took_ >= kPacedRun) {
    const auto at = last_run_end_ + last_run_took_;
    if (at > clock_.now()) {
      paced_run_timer_.start_at(at, "Controller.PacedRunFlows", run);
      return;
    }
  }
  loop_.post("Controller.RunFlows", run);
}

void Controller::run_flows() {
  if (stopping_) return;
  ++run_count_;
  in_run_ = true;
  changed_during_run_ = false;
  const auto t0 = clock_.now();
  {
    auto batch = publisher_.batch();  // one Flow::run, one batch of changes
    try {
      root_->run();
    } catch (const FlowBlocked&) {
      // A non-parallel work is busy: the rest of run() waits for its result.
    } catch (const FlowEnded&) {
      // stop() or fail() ended run(); the shutdown is already posted.
    } catch (const std::exception& e) {
      in_run_ = false;
      stop_app(
          root_->path() + ".run() threw " + detail::demangle(typeid(e).name()) + ": " + e.what(),
          true);
    } catch (...) {
      in_run_ = false;
      stop_app(root_->path() + ".run() threw an exception that is not a std::exception", true);
    }
    in_run_ = false;
  }
  last_run_end_ = clock_.now();
  const auto took = last_run_end_ - t0;
  last_run_took_ = took;
  if (took > options_.slow_run_warning) {
    spdlog::warn(
        "{}.run() took {} ms (warning threshold {} ms): keep run() short and move slow "
        "work into a Work",
        root_->path(), std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
        options_.slow_run_warning.count());
  }
  for (RuntimeEventObserver* o : events_) o->on_flow_run(took);
  for (Record* r : dirty_out_) flush_out(*r);
  dirty_out_.clear();
  if (changed_during_run_) request_run();
  progress_.note_run();
}

Activity Controller::activity() const {
  Activity a;
  for (const auto& r : records_) {
    if (r->calls.current() != nullptr || r->calls.queued() > 0) ++a.calls;
    const auto state = r->process.state;
    if (state == WorkProcess::State::kLaunching || state == WorkProcess::State::kStopping) {
      ++a.processes;
    }
  }
  a.wakeups = wakeups_.size();
  a.input_sources = api_subscribers_.size() + input_sources_.size();
  a.run_pending = run_requested_;
  return a;
}

void Controller::schedule_in(std::chrono::milliseconds delay) {
  auto when = clock_.now() + delay;
  // Collapse requests less than a millisecond apart (a flow polling every run).
  auto it = wakeups_.lower_bound(when - std::chrono::milliseconds(1));
  if (it != wakeups_.end() && *it <= when + std::chrono::milliseconds(1)) return;
  wakeups_.insert(when);
  arm_wakeup();
}

void Controller::arm_wakeup() {
  if (wakeups_.empty()) return;
  wakeup_timer_.start_at(*wakeups_.begin(), "Controller.WakeUp", [this] {
    auto now = clock_.now();
    while (!wakeups_.empty() && *wakeups_.begin() <= now) wakeups_.erase(wakeups_.begin());
    request_run();
    arm_wakeup();
  });
}

// ---------------------------------------------------------------- state

void Controller::on_field_changed(Component& owner, const StateFieldBase& field, Json value) {
  publisher_.field_changed(owner, field, value);
  if (auto* w = dynamic_cast<Work*>(&owner)) {
    Record* r = record_of(*w);
    if (r != nullptr) {
      r->pending_out.set_field(field.name(), std::move(value));
      dirty_out_.insert(r);
    }
  }
  if (in_run_) {
    changed_during_run_ = true;
  } else {
    request_run();
  }
}

void Controller::flush_out(Record& r) {
  if (r.pending_out.empty()) return;
  const auto& session = r.process.session;
  if (r.process.state == WorkProcess::State::kConnected && session) {
    v1::ControllerMessage m;
    auto* d = m.mutable_delta();
    d->set_version(session->next_delta_out++);
    d->set_patch_json(detail::dump_json(r.pending_out.ops()));
    session->send(std::move(m));
  }
  // Not connected: the Welcome of the next process carries the whole state.
  r.pending_out.clear();
}

// ---------------------------------------------------------------- calls

void Controller::on_work_added(Work& work) {
  if (record_of(work) != nullptr) return;
  // The record's address is stable (a deque of unique_ptr): its hooks keep it.
  records_.push_back(nullptr);
  auto& slot = records_.back();
  CallTable::Hooks hooks{
      [this, &r = slot](const CallRecord& c, bool is_latest) { on_call_status(*r, c, is_latest); },
      [this, &r = slot] { pump(*r); },
      [this, &r = slot](uint64_t call_id, std::chrono::milliseconds timeout) {
        supervisor_.stop(r->process, r->work->options().grace_period());
        fail_current(*r, std::string(reason::kTimeout),
                     "call " + std::to_string(call_id) + " ran longer than its timeout of " +
                         std::to_string(timeout.count()) + " ms");
      }};
  slot = std::make_unique<Record>(work, clock_, std::move(hooks));
  record_of(work) = slot.get();
  publisher_.work_added(work);
  for (RuntimeEventObserver* o : events_) o->on_work_declared(work);
}

WorkStatus Controller::call_work(Work& work, Json args) {
  Record* r = record_of(work);
  if (r == nullptr) throw std::logic_error("Work::call on '" + work.path() + "': unknown work");
  if (!in_run_) {
    throw std::logic_error("Work::call on '" + work.path() +
                           "' outside Flow::run(): call works from a flow's run()");
  }
  const CallTable::Seen seen = r->calls.call(std::move(args), run_count_, !stopping_);
  if (seen.wake_in) schedule_in(*seen.wake_in);
  if (seen.is_new) pump(*r);
  if (seen.call == nullptr) return work.status();
  if (!work.options().parallel() && !seen.call->status.is_done()) throw FlowBlocked{work.path()};
  return seen.call->status;
}

void Controller::on_call_status(Record& r, const CallRecord& c, bool is_latest) {
  if (is_latest) {
    set_status(*r.work, c.status);
    publisher_.status_changed(*r.work);
  }
  for (RuntimeEventObserver* o : events_) {
    o->on_call_status(*r.work, c.status, is_latest);
    o->on_call_record(*r.work, c, is_latest);
  }
  // Any call's status is visible to the flow (call() returns it): run again.
  if (in_run_)
    changed_during_run_ = true;
  else
    request_run();
}

void Controller::pump(Record& r) {
  if (stopping_) return;
  CallRecord* c = r.calls.next_to_dispatch();
  if (c == nullptr) return;
  switch (r.process.state) {
    case WorkProcess::State::kNone:
      launch(r);
      c->waiting_on = r.process.id;
      break;
    case WorkProcess::State::kConnected:
      send_call(r, *c);
      break;
    case WorkProcess::State::kLaunching:  // on_hello pumps
      c->waiting_on = r.process.id;
      break;
    case WorkProcess::State::kStopping:  // on_process_exit pumps; not this process's call
      break;
  }
}

void Controller::send_call(Record& r, const CallRecord& c) {
  flush_out(r);
  dirty_out_.erase(&r);
  r.calls.mark_dispatched(r.process.id);
  v1::ControllerMessage m;
  auto* call = m.mutable_call();
  call->set_call_id(c.id);
  call->set_args_json(c.key);
  call->set_attempt(static_cast<uint32_t>(c.status.attempt));
  r.process.session->send(std::move(m));
}

void Controller::launch(Record& r) {
  logs_.reset_tail(r.work->path());
  v1::LaunchWorkRequest request;
  request.set_work_path(r.work->path());
  request.set_work_type(r.work->type_name());
  request.set_controller_address(options_.work_address);
  request.set_run_id(run_id());
  request.set_token(token());
  request.set_log_level(options_.log_level);
  request.mutable_env()->insert(r.work->options().env().begin(), r.work->options().env().end());
  request.set_run_dir(options_.run_dir);
  const Compute& compute = r.work->options().compute();
  if (!compute.is_empty()) request.set_compute_json(compute.to_json().dump());
  for (const auto& arg : app_args()) request.add_app_args(arg);
  supervisor_.launch(r.process, std::move(request));
}

void Controller::fail_current(Record& r, std::string reason, std::string message,
                              std::optional<int> exit_code, std::optional<int> signal,
                              bool outside_signal) {
  const CallRecord* c = r.calls.current();
  if (c == nullptr) return;
  const uint64_t call_id = c->id;
  const int attempt = c->status.attempt;
  const auto out = r.calls.fail_current(std::move(reason), message, !stopping_, exit_code, signal);
  if (out.retrying) {
    spdlog::warn("{}: call {} attempt {} failed ({}); retrying in {} ms", r.work->path(), call_id,
                 attempt, message, out.retry_in.count());
    return;
  }
  spdlog::error("{}: call {} failed: {}", r.work->path(), call_id, message);
  if (r.work->options().raise_exception() && !stopping_) {
    stop_app("work '" + r.work->path() + "' failed: " + message, true);
    if (outside_signal && signal) {
      failed_by_outside_signal_at_ = clock_.now();
      failed_by_outside_signal_ = *signal;
    }
  }
  pump(r);
}

bool Controller::interrupt_if_drained(Record& r, uint64_t process_id) {
  if (stopping_) return false;
  const std::string why = launcher_.draining_reason(process_id);
  if (why.empty()) return false;
  supervisor_.stop(r.process, r.work->options().grace_period());
  interrupt(r, why);
  return true;
}

void Controller::interrupt(Record& r, const std::string& why) {
  const CallRecord* c = r.calls.current();
  if (c == nullptr) return;
  spdlog::warn("{}: call {} attempt {} interrupted ({}); it runs again", r.work->path(), c->id,
               c->status.attempt, why);
  r.calls.interrupt_current(why);
}

void Controller::stop_work(Work& work) {
  Record* r = record_of(work);
  if (r == nullptr) return;
  r->calls.stop_all("stopped by a flow");
  supervisor_.stop(r->process, work.options().grace_period());
}

// ---------------------------------------------------------------- wire

void Controller::on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                                    v1::WorkerMessage& msg) {
  router_.on_session_message(session, msg);
}

void Controller::on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) {
  router_.on_session_closed(session);
}

const rpc::WorkSession* Controller::session_of(uint64_t process_id) const {
  const WorkProcess* p = supervisor_.find(process_id);
  return p == nullptr ? nullptr : p->session.get();
}

Controller::Record& Controller::record_of_process(uint64_t process_id) {
  WorkProcess* p = supervisor_.find(process_id);
  LIGHTNING_CHECK(p != nullptr, "no live process ", process_id);
  return *record_of(*p->work);
}

std::string Controller::work_path_of(uint64_t process_id) const {
  const WorkProcess* p = supervisor_.find(process_id);
  return p == nullptr ? "process " + std::to_string(process_id) : p->work->path();
}

Status Controller::on_hello(const std::shared_ptr<rpc::WorkSession>& session, const v1::Hello& h) {
  WorkProcess* p = supervisor_.find(h.process_id());
  if (p == nullptr || p->work->path() != h.work_path()) {
    return NotFound("unknown work path '" + h.work_path() + "' for process " +
                    std::to_string(h.process_id()));
  }
  Record& r = *record_of(*p->work);
  if (h.work_type() != r.work->type_name()) {
    return InvalidArgument("work '" + h.work_path() + "' has type '" + r.work->type_name() +
                           "', not '" + h.work_type() + "'");
  }
  if (p->state != WorkProcess::State::kLaunching || p->session) {
    return {StatusCode::kAlreadyExists, "work '" + h.work_path() +
                                            "' is not waiting for a process (already connected, "
                                            "or stopped)"};
  }
  supervisor_.connected(*p, session, static_cast<int>(h.pid()));
  spdlog::debug("{} connected (pid {}, process {})", r.work->path(), h.pid(), p->id);
  v1::ControllerMessage m;
  m.mutable_welcome()->set_state_json(detail::dump_json(r.work->fields_json()));
  m.mutable_welcome()->set_delta_version(0);
  session->next_delta_out = 1;
  r.pending_out.clear();
  session->send(std::move(m));
  pump(r);
  return Status::Ok();
}

Status Controller::on_delta(uint64_t process_id, const std::string& patch_json) {
  Record& r = record_of_process(process_id);
  auto res = detail::apply_patch_text(*r.work, patch_json);
  if (!res.ok) return InvalidArgument("rejected state delta: " + res.error);
  {
    auto batch = publisher_.batch();  // one incoming delta, one batch
    for (auto* f : res.changed) publisher_.field_changed(*r.work, *f, f->to_json());
  }
  request_run();
  return Status::Ok();
}

Status Controller::on_call_started(uint64_t process_id, uint64_t call_id) {
  Record& r = record_of_process(process_id);
  const CallRecord* c = r.calls.current();
  if (!c || c->id != call_id || c->dispatched_on != process_id) {
    if (r.calls.ended_while_in_flight(process_id, call_id)) {
      spdlog::debug("{}: call {} started after it was stopped", r.work->path(), call_id);
      return Status::Ok();
    }
    return InvalidArgument("CallStarted for unknown call " + std::to_string(call_id));
  }
  r.calls.start_current();
  return Status::Ok();
}

Status Controller::on_call_finished(uint64_t process_id, const v1::CallFinished& f) {
  Record& r = record_of_process(process_id);
  const CallRecord* c = r.calls.current();
  if (!c || c->id != f.call_id() || c->dispatched_on != process_id) {
    if (r.calls.ended_while_in_flight(process_id, f.call_id())) {
      // Stopped or timed out, and the work returned from run() since: its
      // process exits by itself now (it got a StopRequest).
      spdlog::debug("{}: call {} returned after it was stopped", r.work->path(), f.call_id());
      return Status::Ok();
    }
    return InvalidArgument("CallFinished for unknown call " + std::to_string(f.call_id()));
  }
  if (f.outside_signal() != 0 && interrupt_if_drained(r, process_id)) return Status::Ok();
  if (f.outside_signal() != 0) {
    // Someone outside the app signalled this work's process; it returned
    // from run() and ends its process. A failure like any other killed work
    // (retried if it has retries), with a cause that says so.
    const int sig = f.outside_signal();
    std::string message = "work process got " + signal_name(sig) + " from outside the app";
    if (f.outside_signal_sender() > 0) {
      message += " (sent by pid " + std::to_string(f.outside_signal_sender()) + ")";
    }
    message += f.ok() ? " and returned from run()"
                      : " and run() threw " + f.error_type() + ": " + f.message();
    supervisor_.stop(r.process, r.work->options().grace_period());
    if (launcher_.may_drain(process_id) && !stopping_) {
      // Slurm signals every process of a job step, the works too, and their
      // CallFinished can overtake the worker's Draining: the exit, which comes
      // after it on the worker's stream, decides (process_exited).
      r.outside_signal = detail::WorkRecord::OutsideSignal{process_id, sig, message};
      return Status::Ok();
    }
    fail_current(r, std::string(reason::kSignal), message, std::nullopt, sig,
                 /*outside_signal=*/true);
    return Status::Ok();
  }
  if (f.ok()) {
    r.calls.succeed_current();
    pump(r);
  } else {
    fail_current(r, std::string(reason::kException), f.error_type() + ": " + f.message());
  }
  return Status::Ok();
}

Status Controller::on_url_published(uint64_t process_id, const std::string& url) {
  if (const std::string problem = detail::published_url_problem(url); !problem.empty()) {
    return InvalidArgument("rejected published URL: " + problem);
  }
  publish_url(*record_of_process(process_id).work, url);
  return Status::Ok();
}

void Controller::publish_url(Work& work, const std::string& url) {
  if (work.url() == url) return;
  set_url(work, url);
  publisher_.url_changed(work);
  // The flow may wait for it (to show it, or to hand it to another work).
  if (in_run_) {
    changed_during_run_ = true;
  } else {
    request_run();
  }
}

void Controller::remove_event_observer(RuntimeEventObserver* observer) {
  events_.erase(std::remove(events_.begin(), events_.end(), observer), events_.end());
}

void Controller::on_disconnected(uint64_t process_id) {
  Record& r = record_of_process(process_id);
  // The process normally exits right after; if it hangs, make it.
  supervisor_.disconnected(r.process, std::chrono::milliseconds(2000));
  if (std::optional<ProcessExit> exit = deferred_exits_.take(process_id)) {
    process_exited(process_id, *exit);
  }
}

// ---------------------------------------------------------------- processes

void Controller::on_process_started(uint64_t process_id, int pid) {
  supervisor_.started(process_id, pid);
  if (const WorkProcess* p = supervisor_.find(process_id)) {
    for (RuntimeEventObserver* o : events_) o->on_process_started(*p->work, pid);
  }
}

void Controller::on_process_output(uint64_t process_id, std::string_view line, bool is_stderr) {
  const WorkProcess* p = supervisor_.find(process_id);
  if (p == nullptr) return;
  logs_.line(p->work->path(), line, is_stderr);
}

void Controller::on_process_exit(uint64_t process_id, const ProcessExit& ex) {
  // The forker reports an exit on its own channel, which may overtake the
  // process's gRPC stream: what a work that was told to stop sent last (the
  // deltas of the assignments it made while stopping, its CallFinished) can
  // still be on its way. Its stream ends after them (the process's socket
  // closed with it): wait for that. (A process that dies unasked fails its
  // call at once, as before.)
  const WorkProcess* p = supervisor_.find(process_id);
  if (p != nullptr && p->id == process_id && p->session != nullptr &&
      p->state == WorkProcess::State::kStopping && !deferred_exits_.has(process_id)) {
    deferred_exits_.hold(process_id, ex, [this](uint64_t id, const ProcessExit& exit) {
      process_exited(id, exit);
    });
    return;
  }
  process_exited(process_id, ex);
}

void Controller::process_exited(uint64_t process_id, const ProcessExit& ex) {
  const auto exit = supervisor_.exited(process_id);
  if (!exit) return;
  Record& r = *record_of(*exit->process->work);
  for (RuntimeEventObserver* o : events_) o->on_process_exited(*r.work, exit->pid);
  // What the process served went with it.
  if (exit->was_latest && !r.work->url().empty()) publish_url(*r.work, "");
  const CallRecord* current = r.calls.current();
  ExitFacts facts;
  facts.said_hello = r.process.said_hello;
  facts.had_call =
      current && !r.calls.is_waiting_to_retry() &&
      (current->dispatched_on == process_id ||
       (current->dispatched_on == 0 && current->waiting_on == process_id && !facts.said_hello));
  facts.stopping = stopping_;
  facts.expected = exit->expected;  // we stopped or killed it
  facts.outside_signal = r.outside_signal.process_id == process_id;
  facts.stop_cause = exit->cause;
  const detail::WorkRecord::OutsideSignal outside = std::move(r.outside_signal);
  r.outside_signal = {};
  const ExitDecision decision = decide_exit(ex, facts);
  const std::string how = describe_process_exit(ex, exit->cause, oom_);
  switch (decision.verdict) {
    case ExitDecision::Verdict::kInterrupt:
      interrupt(r, ex.error);
      break;
    case ExitDecision::Verdict::kFailWithSignal:
      fail_current(r, std::string(reason::kSignal), outside.message, std::nullopt,
                   outside.signal, /*outside_signal=*/true);
      break;
    case ExitDecision::Verdict::kFail: {
      std::string tail = logs_.stderr_tail(r.work->path());
      std::string message = "work process " + how;
      const std::string found = cause_in_output(tail);
      if (!found.empty()) message += "; " + found;
      if (!tail.empty()) message += "; last lines of stderr:\n" + tail;
      fail_current(r, decision.reason, message, ex.exit_code, ex.signal,
                   decision.outside_signal);
      break;
    }
    case ExitDecision::Verdict::kWarnIdle:
      spdlog::warn("work process of {} {} while idle", r.work->path(), how);
      break;
    case ExitDecision::Verdict::kNothing:
      break;
  }
  if (stopping_) {
    check_shutdown_done();
  } else {
    pump(r);
  }
}

// ---------------------------------------------------------------- shutdown

void Controller::stop_app(std::string message, bool failed) {
  if (stopping_) return;
  stopping_ = true;
  progress_.stop();
  failed_ = failed;
  exit_code_ = failed ? 1 : 0;
  final_message_ = std::move(message);
  loop_.post("Controller.BeginShutdown", [this] { begin_shutdown(); });
}

void Controller::begin_shutdown() {
  shutdown_begun_ = true;
  wakeup_timer_.cancel();
  std::chrono::milliseconds grace{0};
  for (auto& rp : records_) {
    Record& r = *rp;
    r.calls.stop_all("app shut down");
    if (r.process.state != WorkProcess::State::kNone) {
      // Each work gets its own grace period between SIGTERM and SIGKILL.
      grace = std::max(grace, r.work->options().grace_period());
      supervisor_.stop(r.process, r.work->options().grace_period());
    }
  }
  // Safety net: whatever has not exited a second after the longest grace period
  // is killed, and the app ends even if an exit report never comes.
  shutdown_timer_.start(grace + std::chrono::seconds(1), "Controller.ShutdownKill", [this] {
    supervisor_.stop_all_now();
    shutdown_timer_.start(std::chrono::seconds(1), "Controller.ShutdownGiveUp",
                          [this] { finish(); });
  });
  check_shutdown_done();
}

void Controller::check_shutdown_done() {
  // Not before begin_shutdown() has stopped the calls: the last processes may
  // end (a lost worker's) between stop_app() and it, and finish() stops the loop.
  if (shutdown_begun_ && !supervisor_.has_live_processes()) finish();
}

void Controller::finish() {
  if (finished_) return;
  finished_ = true;
  shutdown_timer_.cancel();
  launcher_.shutdown();
  loop_.io().stop();
}

Json Controller::final_record() const {
  return Json{{"run_id", run_id()},
              {"exit_code", exit_code_},
              {"message", final_message_},
              {"state_version", publisher_.version()},
              {"state", root_->snapshot()}};
}

}  // namespace lightning::runtime
