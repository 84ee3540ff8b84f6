// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/controller.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <typeinfo>

#include "core/json_io.hpp"
#include "core/patch.hpp"
#include "rpc/protocol.hpp"
#include "lightning/app.hpp"
#include "util/ids.hpp"

namespace lightning::runtime {

namespace {
using rpc::kProtocolVersion;
// Longest wait before a finally failed call that the flow calls again re-runs.
constexpr std::chrono::milliseconds kMaxRerunBackoff{5 * 60 * 1000};

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : std::to_string(sig);
}

std::string escape_pointer_segment(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}
}  // namespace

Controller::Controller(boost::asio::io_context& io, ControllerOptions options,
                       std::unique_ptr<Flow> root, WorkLauncherInterface& launcher)
    : io_(io),
      options_(std::move(options)),
      root_(std::move(root)),
      launcher_(launcher),
      logs_(options_.run_dir + "/logs", options_.echo_logs),
      run_id_(util::random_hex(8)),
      token_(util::random_hex(16)),
      signals_(io, SIGINT, SIGTERM),
      wakeup_timer_(io),
      shutdown_timer_(io) {
  launcher_.set_events(WorkLauncherInterface::Events{
      [this](uint64_t id, int pid) { on_process_started(id, pid); },
      [this](uint64_t id, std::string_view line, bool err) { on_process_output(id, line, err); },
      [this](uint64_t id, const ProcessExit& ex) { on_process_exit(id, ex); }});
}

Controller::~Controller() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
}

int Controller::run() {
  std::string error;
  if (!start(&error)) {
    spdlog::error("{}", error);
    return 1;
  }
  io_.run();
  if (exit_code_ != 0) {
    std::fprintf(stderr, "lightning: app failed: %s\n", final_message_.c_str());
  } else if (!final_message_.empty()) {
    spdlog::info("app stopped: {}", final_message_);
  }
  return exit_code_;
}

bool Controller::start(std::string* error) {
  if (!options_.listen_address.empty()) {
    service_ = std::make_unique<rpc::ControllerService>(io_, *this);
    std::string why;
    server_ = rpc::start_server(*service_, options_.listen_address, &address_, &why);
    if (!server_) {
      *error = "cannot start the controller's gRPC server: " + why;
      return false;
    }
  }
  spdlog::debug("controller listening on {} (run {})", address_, run_id_);

  attach_tree(*root_, this);
  // Works declared as members were added before the runtime was attached.
  std::function<void(Flow&)> add_all = [&](Flow& f) {
    for (Work* w : f.works()) on_work_added(*w);
    for (Flow* c : f.flows()) add_all(*c);
  };
  add_all(*root_);

  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    stop_app("interrupted by " + signal_name(sig), true);
    exit_code_ = 128 + sig;
    // A second signal kills at once.
    signals_.async_wait([this](const boost::system::error_code& ec2, int) {
      if (ec2) return;
      for (auto& [id, r] : by_process_) launcher_.stop(id, std::chrono::milliseconds(0));
    });
  });

  request_run();
  return true;
}

// ---------------------------------------------------------------- flow loop

void Controller::request_run() {
  if (run_requested_ || stopping_) return;
  run_requested_ = true;
  boost::asio::post(io_, [this] {
    run_requested_ = false;
    run_flows();
  });
}

void Controller::run_flows() {
  if (stopping_) return;
  ++run_count_;
  in_run_ = true;
  changed_during_run_ = false;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    root_->run();
  } catch (const FlowBlocked&) {
    // A non-parallel work is busy: the rest of run() waits for its result.
  } catch (const std::exception& e) {
    in_run_ = false;
    stop_app(root_->path() + ".run() threw " + detail::demangle(typeid(e).name()) + ": " + e.what(),
             true);
  } catch (...) {
    in_run_ = false;
    stop_app(root_->path() + ".run() threw an exception that is not a std::exception", true);
  }
  in_run_ = false;
  const auto took = std::chrono::steady_clock::now() - t0;
  if (took > options_.slow_run_warning) {
    spdlog::warn("{}.run() took {} ms (warning threshold {} ms): keep run() short and move slow "
                 "work into a Work",
                 root_->path(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                 options_.slow_run_warning.count());
  }
  for (Record* r : dirty_out_) flush_out(*r);
  dirty_out_.clear();
  if (changed_during_run_) request_run();
}

void Controller::forget_if_unneeded(Record& r, const detail::CallRecord& c) {
  // A done call that is neither a cached success nor a failure (whose re-run
  // backoff lives in the record), and that is no longer the work's latest
  // call, has nothing left to tell: drop it, or a flow calling with ever-new
  // args would grow the controller by a record per call.
  const WorkStatus& st = c.status;
  if (!st.is_done() || st.has_failed() || r.latest.get() == &c) return;
  if (st.has_succeeded() && r.work->options().cache_calls()) return;
  auto it = r.by_key.find(c.key);
  if (it != r.by_key.end() && it->second.get() == &c) r.by_key.erase(it);  // may free c
}

void Controller::schedule_in(std::chrono::milliseconds delay) {
  auto when = std::chrono::steady_clock::now() + delay;
  // Collapse requests less than a millisecond apart (a flow polling every run).
  auto it = wakeups_.lower_bound(when - std::chrono::milliseconds(1));
  if (it != wakeups_.end() && *it <= when + std::chrono::milliseconds(1)) return;
  wakeups_.insert(when);
  arm_wakeup();
}

void Controller::arm_wakeup() {
  if (wakeups_.empty()) return;
  wakeup_timer_.expires_at(*wakeups_.begin());
  wakeup_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto now = std::chrono::steady_clock::now();
    while (!wakeups_.empty() && *wakeups_.begin() <= now) wakeups_.erase(wakeups_.begin());
    request_run();
    arm_wakeup();
  });
}

// ---------------------------------------------------------------- state

std::string Controller::pointer_of(const Component& c) const {
  if (c.parent() == nullptr) return "";
  const bool is_work = dynamic_cast<const Work*>(&c) != nullptr;
  return pointer_of(*c.parent()) + (is_work ? "/works/" : "/flows/") +
         escape_pointer_segment(c.name());
}

void Controller::publish(const std::string& pointer, const Json& value) {
  ++state_version_;
  for (auto* o : observers_) o->on_state_change(state_version_, pointer, value);
}

void Controller::on_field_changed(Component& owner, const StateFieldBase& field, Json value) {
  if (!observers_.empty()) publish(pointer_of(owner) + "/vars/" + escape_pointer_segment(field.name()), value);
  else ++state_version_;
  if (auto* w = dynamic_cast<Work*>(&owner)) {
    Record* r = record_of(*w);
    if (r != nullptr) {
      auto it = r->pending_index.find(field.name());
      if (it != r->pending_index.end()) {
        r->pending_out[it->second]["value"] = std::move(value);
      } else {
        r->pending_index.emplace(field.name(), r->pending_out.size());
        r->pending_out.push_back(detail::replace_op(field.name(), std::move(value)));
      }
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
  if (r.proc == Record::Proc::kConnected && r.session) {
    v1::ControllerMessage m;
    auto* d = m.mutable_delta();
    d->set_version(r.session->next_delta_out++);
    d->set_patch_json(detail::dump_json(r.pending_out));
    r.session->send(std::move(m));
  }
  // Not connected: the Welcome of the next process carries the whole state.
  r.pending_out = Json::array();
  r.pending_index.clear();
}

// ---------------------------------------------------------------- calls

void Controller::on_work_added(Work& work) {
  if (record_of(work) != nullptr) return;
  records_.push_back(std::make_unique<Record>(io_));
  Record* r = records_.back().get();
  r->work = &work;
  record_of(work) = r;
  if (!observers_.empty()) publish(pointer_of(work), work.snapshot());
}

WorkStatus Controller::call_work(Work& work, Json args) {
  Record* r = record_of(work);
  if (r == nullptr) throw std::logic_error("Work::call on '" + work.path() + "': unknown work");
  if (!in_run_) {
    throw std::logic_error("Work::call on '" + work.path() +
                           "' outside Flow::run(): call works from a flow's run()");
  }
  const auto& opts = work.options();
  std::string key = detail::dump_json(args);
  std::shared_ptr<detail::CallRecord> c;
  int failures_before = 0;
  auto it = r->by_key.find(key);
  if (it != r->by_key.end()) {
    auto& prev = it->second;
    const WorkStatus& st = prev->status;
    bool keep = !st.is_done() || (st.has_succeeded() && opts.cache_calls()) ||
                prev->observed_in_run == 0 || prev->observed_in_run == run_count_;
    if (!keep && st.has_failed()) {
      const auto now = std::chrono::steady_clock::now();
      if (now < prev->rerun_not_before) {
        keep = true;  // re-run once the backoff has passed: wake the flow then
        schedule_in(std::chrono::ceil<std::chrono::milliseconds>(prev->rerun_not_before - now));
      }
    }
    if (keep) {
      c = prev;
      if (st.is_done() && c->observed_in_run == 0) c->observed_in_run = run_count_;
    } else {
      failures_before = prev->final_failures;
    }
  }
  if (!c && !stopping_) {
    c = std::make_shared<detail::CallRecord>();
    c->id = r->next_call_id++;
    c->args = std::move(args);
    c->key = std::move(key);
    c->status.call_id = c->id;
    c->status.attempt = 1;
    c->final_failures = failures_before;
    r->by_key[c->key] = c;
    r->queue.push_back(c);
    std::shared_ptr<detail::CallRecord> previous = std::move(r->latest);
    r->latest = c;
    if (previous) forget_if_unneeded(*r, *previous);
    set_call_status(*r, *c, WorkStage::kPending);
    pump(*r);
  }
  if (!c) return work.status();
  if (!opts.parallel() && !c->status.is_done()) throw FlowBlocked{work.path()};
  return c->status;
}

void Controller::set_call_status(Record& r, detail::CallRecord& c, WorkStage stage,
                                 std::string reason, std::string message) {
  c.status.stage = stage;
  c.status.timestamp_us = util::now_unix_us();
  c.status.reason = std::move(reason);
  c.status.message = std::move(message);
  if (stage != WorkStage::kFailed) {
    c.status.exit_code.reset();
    c.status.signal.reset();
  }
  if (stage == WorkStage::kSucceeded || stage == WorkStage::kFailed ||
      stage == WorkStage::kStopped) {
    c.observed_in_run = 0;
  }
  if (stage == WorkStage::kSucceeded || stage == WorkStage::kStopped) {
    c.args = Json();  // only needed to dispatch; the key keeps the identity
  }
  if (r.latest.get() == &c) {
    set_status(*r.work, c.status);
    if (!observers_.empty()) publish(pointer_of(*r.work) + "/status", c.status.to_json());
    else ++state_version_;
  }
  // Any call's status is visible to the flow (call() returns it): run again.
  if (in_run_) changed_during_run_ = true;
  else request_run();
  forget_if_unneeded(r, c);  // last: it may free c
}

void Controller::pump(Record& r) {
  if (stopping_) return;
  if (!r.current) {
    if (r.queue.empty()) return;
    r.current = r.queue.front();
    r.queue.pop_front();
  }
  if (r.retry_wait || r.current->dispatched_on != 0) return;
  switch (r.proc) {
    case Record::Proc::kNone: launch(r); break;
    case Record::Proc::kConnected: send_call(r); break;
    case Record::Proc::kLaunching:  // on_hello pumps
    case Record::Proc::kStopping:   // on_process_exit pumps
      break;
  }
}

void Controller::send_call(Record& r) {
  flush_out(r);
  dirty_out_.erase(&r);
  auto& c = *r.current;
  c.dispatched_on = r.process_id;
  v1::ControllerMessage m;
  auto* call = m.mutable_call();
  call->set_call_id(c.id);
  call->set_args_json(c.key);
  call->set_attempt(static_cast<uint32_t>(c.status.attempt));
  r.session->send(std::move(m));
}

void Controller::launch(Record& r) {
  r.proc = Record::Proc::kLaunching;
  r.process_id = ++next_process_id_;
  r.said_hello = false;
  r.pid = -1;
  by_process_[r.process_id] = &r;
  logs_.reset_tail(r.work->path());
  v1::LaunchWorkRequest request;
  request.set_process_id(r.process_id);
  request.set_work_path(r.work->path());
  request.set_work_type(r.work->type_name());
  request.set_controller_address(address_);
  request.set_run_id(run_id_);
  request.set_token(token_);
  request.set_log_level(options_.log_level);
  request.mutable_env()->insert(r.work->options().env().begin(), r.work->options().env().end());
  request.set_run_dir(options_.run_dir);
  for (const auto& arg : app_args()) request.add_app_args(arg);
  launcher_.launch(request);
  const uint64_t pid = r.process_id;
  r.start_timer.expires_after(options_.start_timeout);
  r.start_timer.async_wait([this, &r, pid](const boost::system::error_code& ec) {
    if (ec || r.process_id != pid || r.proc != Record::Proc::kLaunching) return;
    spdlog::error("work process of {} did not connect within {} ms", r.work->path(),
                  options_.start_timeout.count());
    kill_process(r, std::chrono::milliseconds(0));
  });
}

void Controller::kill_process(Record& r, std::chrono::milliseconds grace) {
  if (r.proc == Record::Proc::kNone) return;
  r.proc = Record::Proc::kStopping;
  // The launcher times the SIGKILL; a repeated stop never postpones it.
  launcher_.stop(r.process_id, grace);
}

void Controller::fail_current(Record& r, std::string reason, std::string message,
                              std::optional<int> exit_code, std::optional<int> signal) {
  if (!r.current) return;
  auto c = r.current;
  r.call_timer.cancel();
  const auto& opts = r.work->options();
  c->dispatched_on = 0;
  if (!stopping_ && c->status.attempt <= opts.retries()) {
    const auto delay = opts.retry_backoff() * (1 << std::min(c->status.attempt - 1, 16));
    spdlog::warn("{}: call {} attempt {} failed ({}); retrying in {} ms", r.work->path(), c->id,
                 c->status.attempt, message, delay.count());
    const int failed_attempt = c->status.attempt++;
    set_call_status(r, *c, WorkStage::kPending, std::string(reason::kRetrying),
                    "attempt " + std::to_string(failed_attempt) + " failed (" + reason +
                        "): " + message);
    r.retry_wait = true;
    r.retry_timer.expires_after(delay);
    r.retry_timer.async_wait([this, &r](const boost::system::error_code& ec) {
      if (ec) return;
      r.retry_wait = false;
      pump(r);
    });
    return;
  }
  c->status.exit_code = exit_code;
  c->status.signal = signal;
  c->final_failures++;
  c->rerun_not_before = std::chrono::steady_clock::now() +
                        std::min<std::chrono::milliseconds>(
                            opts.retry_backoff() * (1 << std::min(c->final_failures - 1, 16)),
                            kMaxRerunBackoff);
  r.current.reset();
  set_call_status(r, *c, WorkStage::kFailed, std::move(reason), message);
  c->status.exit_code = exit_code;
  c->status.signal = signal;
  if (r.latest == c) set_status(*r.work, c->status);
  spdlog::error("{}: call {} failed: {}", r.work->path(), c->id, message);
  if (r.work->options().raise_exception()) {
    stop_app("work '" + r.work->path() + "' failed: " + message, true);
  }
  pump(r);
}

void Controller::stop_work(Work& work) {
  Record* r = record_of(work);
  if (r == nullptr) return;
  auto stop_call = [&](const std::shared_ptr<detail::CallRecord>& c) {
    set_call_status(*r, *c, WorkStage::kStopped, std::string(reason::kStopped), "stopped by a flow");
  };
  if (r->current) stop_call(r->current);
  for (auto& c : r->queue) stop_call(c);
  r->current.reset();
  r->queue.clear();
  r->retry_wait = false;
  r->retry_timer.cancel();
  r->call_timer.cancel();
  kill_process(*r, work.options().grace_period());
}

// ---------------------------------------------------------------- wire

void Controller::on_session_message(const std::shared_ptr<rpc::WorkSession>& session,
                                    v1::WorkerMessage& msg) {
  if (session->process_id == 0) {
    if (!msg.has_hello()) {
      spdlog::warn("work connection from {}: first message must be Hello", session->peer());
      session->close(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                  "the first message on a Connect stream must be Hello"));
      return;
    }
    on_hello(session, msg.hello());
    return;
  }
  auto it = by_process_.find(session->process_id);
  if (it == by_process_.end() || it->second->session != session) return;  // stale
  Record& r = *it->second;
  auto protocol_error = [&](const std::string& what) {
    spdlog::error("{}: {}", r.work->path(), what);
    v1::ControllerMessage e;
    e.mutable_error()->set_message(what);
    session->send(std::move(e));
  };
  switch (msg.body_case()) {
    case v1::WorkerMessage::kDelta: {
      const auto& d = msg.delta();
      if (d.version() != session->next_delta_in) {
        protocol_error("state delta version " + std::to_string(d.version()) + " out of order (expected " +
                       std::to_string(session->next_delta_in) + "); applied anyway");
      }
      session->next_delta_in = d.version() + 1;
      auto res = detail::apply_patch_text(*r.work, d.patch_json());
      if (!res.ok) {
        protocol_error("rejected state delta: " + res.error);
        return;
      }
      for (auto* f : res.changed) {
        if (!observers_.empty()) {
          publish(pointer_of(*r.work) + "/vars/" + escape_pointer_segment(f->name()), f->to_json());
        } else {
          ++state_version_;
        }
      }
      request_run();
      break;
    }
    case v1::WorkerMessage::kStarted: {
      if (!r.current || r.current->id != msg.started().call_id() ||
          r.current->dispatched_on != session->process_id) {
        protocol_error("CallStarted for unknown call " + std::to_string(msg.started().call_id()));
        return;
      }
      set_call_status(r, *r.current, WorkStage::kRunning);
      const auto timeout = r.work->options().timeout();
      if (timeout.count() > 0) {
        const uint64_t call_id = r.current->id;
        r.call_timer.expires_after(timeout);
        r.call_timer.async_wait([this, &r, call_id, timeout](const boost::system::error_code& ec) {
          if (ec || !r.current || r.current->id != call_id) return;
          kill_process(r, r.work->options().grace_period());
          fail_current(r, std::string(reason::kTimeout),
                       "call " + std::to_string(call_id) + " ran longer than its timeout of " +
                           std::to_string(timeout.count()) + " ms");
        });
      }
      break;
    }
    case v1::WorkerMessage::kFinished: {
      const auto& f = msg.finished();
      if (!r.current || r.current->id != f.call_id() ||
          r.current->dispatched_on != session->process_id) {  // e.g. it timed out meanwhile
        protocol_error("CallFinished for unknown call " + std::to_string(f.call_id()));
        return;
      }
      r.call_timer.cancel();
      if (f.ok()) {
        auto c = r.current;
        r.current.reset();
        set_call_status(r, *c, WorkStage::kSucceeded);
        pump(r);
      } else {
        fail_current(r, std::string(reason::kException), f.error_type() + ": " + f.message());
      }
      break;
    }
    case v1::WorkerMessage::kError:
      spdlog::warn("{} reported a protocol error: {}", r.work->path(), msg.error().message());
      break;
    case v1::WorkerMessage::kHello:
      protocol_error("duplicate Hello");
      break;
    default:
      protocol_error("empty or unknown message");
  }
}

void Controller::on_hello(const std::shared_ptr<rpc::WorkSession>& session, const v1::Hello& h) {
  auto reject = [&](grpc::StatusCode code, const std::string& why) {
    spdlog::warn("rejected a work connection from {} (work '{}'): {}", session->peer(),
                 h.work_path(), why);
    session->close(grpc::Status(code, why));
  };
  if (h.protocol_version() != kProtocolVersion) {
    return reject(grpc::StatusCode::FAILED_PRECONDITION,
                  "protocol version " + std::to_string(h.protocol_version()) +
                      " is not supported; this controller speaks " + std::to_string(kProtocolVersion));
  }
  if (h.run_id() != run_id_ || !util::equal_secret(h.token(), token_)) {
    return reject(grpc::StatusCode::UNAUTHENTICATED, "wrong run id or token");
  }
  auto it = by_process_.find(h.process_id());
  if (it == by_process_.end() || it->second->work->path() != h.work_path()) {
    return reject(
        grpc::StatusCode::NOT_FOUND,
        "unknown work path '" + h.work_path() + "' for process " + std::to_string(h.process_id()));
  }
  Record& r = *it->second;
  if (h.work_type() != r.work->type_name()) {
    return reject(grpc::StatusCode::INVALID_ARGUMENT, "work '" + h.work_path() + "' has type '" +
                                                          r.work->type_name() + "', not '" +
                                                          h.work_type() + "'");
  }
  if (r.proc != Record::Proc::kLaunching || r.session) {
    return reject(grpc::StatusCode::ALREADY_EXISTS,
                  "work '" + h.work_path() + "' is not waiting for a process (already connected, "
                  "or stopped)");
  }
  r.start_timer.cancel();
  if (r.pid <= 0) r.pid = static_cast<int>(h.pid());
  spdlog::debug("{} connected (pid {}, process {})", r.work->path(), h.pid(), r.process_id);
  session->process_id = r.process_id;
  r.session = session;
  r.said_hello = true;
  r.proc = Record::Proc::kConnected;
  v1::ControllerMessage m;
  m.mutable_welcome()->set_state_json(detail::dump_json(r.work->fields_json()));
  m.mutable_welcome()->set_delta_version(0);
  session->next_delta_out = 1;
  r.pending_out = Json::array();
  r.pending_index.clear();
  session->send(std::move(m));
  pump(r);
}

void Controller::on_session_closed(const std::shared_ptr<rpc::WorkSession>& session) {
  if (session->process_id == 0) return;
  auto it = by_process_.find(session->process_id);
  if (it == by_process_.end() || it->second->session != session) return;
  Record& r = *it->second;
  r.session.reset();
  // The process normally exits right after; if it hangs, make it.
  if (r.proc == Record::Proc::kConnected) {
    spdlog::debug("{}: stream closed; waiting for the process to exit", r.work->path());
    kill_process(r, std::chrono::milliseconds(2000));
  }
}

// ---------------------------------------------------------------- processes

void Controller::on_process_started(uint64_t process_id, int pid) {
  auto it = by_process_.find(process_id);
  if (it != by_process_.end()) it->second->pid = pid;
}

void Controller::on_process_output(uint64_t process_id, std::string_view line, bool is_stderr) {
  auto it = by_process_.find(process_id);
  if (it == by_process_.end()) return;
  logs_.line(it->second->work->path(), line, is_stderr);
}

void Controller::on_process_exit(uint64_t process_id, const ProcessExit& ex) {
  auto it = by_process_.find(process_id);
  if (it == by_process_.end()) return;
  Record& r = *it->second;
  by_process_.erase(it);
  const bool expected = r.proc == Record::Proc::kStopping;  // we stopped or killed it
  if (r.process_id == process_id) {
    r.proc = Record::Proc::kNone;
    if (r.session) r.session->close(grpc::Status(grpc::StatusCode::CANCELLED, "process exited"));
    r.session.reset();
    r.pid = -1;
    r.start_timer.cancel();
  }
  std::string how = !ex.error.empty()   ? "could not start: " + ex.error
                    : ex.signal         ? "killed by signal " + std::to_string(*ex.signal) + " (" +
                                          signal_name(*ex.signal) + ")"
                    : ex.exit_code      ? "exited with code " + std::to_string(*ex.exit_code)
                                        : "exited";
  const bool had_call = r.current && !r.retry_wait &&
                        (r.current->dispatched_on == process_id ||
                         (r.current->dispatched_on == 0 && !r.said_hello));
  if (had_call && !stopping_) {
    std::string tail = logs_.stderr_tail(r.work->path());
    std::string message = "work process " + how;
    if (!tail.empty()) message += "; last lines of stderr:\n" + tail;
    std::string why = !ex.error.empty() || !r.said_hello ? std::string(reason::kStartFailed)
                      : ex.signal                        ? std::string(reason::kSignal)
                                                         : std::string(reason::kExit);
    fail_current(r, why, message, ex.exit_code, ex.signal);
  } else if (!stopping_ && !expected && r.said_hello) {
    spdlog::warn("work process of {} {} while idle", r.work->path(), how);
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
  exit_code_ = failed ? 1 : 0;
  final_message_ = std::move(message);
  boost::asio::post(io_, [this] { begin_shutdown(); });
}

void Controller::begin_shutdown() {
  wakeup_timer_.cancel();
  std::chrono::milliseconds grace{0};
  for (auto& rp : records_) {
    Record& r = *rp;
    r.retry_timer.cancel();
    r.call_timer.cancel();
    auto stop_call = [&](const std::shared_ptr<detail::CallRecord>& c) {
      set_call_status(r, *c, WorkStage::kStopped, std::string(reason::kStopped), "app shut down");
    };
    if (r.current) stop_call(r.current);
    for (auto& c : r.queue) stop_call(c);
    r.current.reset();
    r.queue.clear();
    if (r.proc != Record::Proc::kNone) {
      // Each work gets its own grace period between SIGTERM and SIGKILL.
      grace = std::max(grace, r.work->options().grace_period());
      kill_process(r, r.work->options().grace_period());
    }
  }
  // Safety net: whatever has not exited a second after the longest grace period
  // is killed, and the app ends even if an exit report never comes.
  shutdown_timer_.expires_after(grace + std::chrono::seconds(1));
  shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    for (auto& [id, r] : by_process_) launcher_.stop(id, std::chrono::milliseconds(0));
    shutdown_timer_.expires_after(std::chrono::seconds(1));
    shutdown_timer_.async_wait([this](const boost::system::error_code& ec2) {
      if (!ec2) finish();
    });
  });
  check_shutdown_done();
}

void Controller::check_shutdown_done() {
  if (by_process_.empty()) finish();
}

void Controller::write_state_file(const Json& out) {
  // Write a temporary file, check it reached the disk, then rename: a full disk
  // leaves the previous file (or none) and a warning, never a truncated one.
  const std::string path = options_.run_dir + "/state.json";
  const std::string tmp = path + ".tmp";
  bool ok = false;
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << detail::dump_json(out, 2) << "\n";
    f.flush();
    ok = static_cast<bool>(f);
    f.close();
    ok = ok && !f.fail();
  }
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    std::fprintf(stderr, "lightning: warning: could not write %s (disk full?); the final state "
                 "is not saved\n", path.c_str());
  }
}

void Controller::finish() {
  if (finished_) return;
  finished_ = true;
  shutdown_timer_.cancel();
  launcher_.shutdown();
  Json out{{"run_id", run_id_},
           {"exit_code", exit_code_},
           {"message", final_message_},
           {"state_version", state_version_},
           {"state", root_->snapshot()}};
  write_state_file(out);
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
  signals_.cancel();
  io_.stop();
}

}  // namespace lightning::runtime
