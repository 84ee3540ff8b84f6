// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "worker/work_process.hpp"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include "core/json_io.hpp"
#include "core/patch.hpp"
#include "core/patch_builder.hpp"
#include "core/runtime.hpp"
#include "lightning/app.hpp"
#include "lightning/registry.hpp"
#include "lightning/state_changes.hpp"
#include "lightning/v1/runtime.grpc.pb.h"
#include "rpc/protocol.hpp"
#include "rpc/tls.hpp"
#include "storage/path_commit.hpp"
#include "util/ids.hpp"
#include "worker/stop_flag.hpp"

namespace lightning::worker {
namespace {

using rpc::kProtocolVersion;

/// Messages a work process sends, in order. State changes made while the
/// writer is busy are coalesced into one patch by a PatchBuilder (one op per
/// field, last value wins) so a tight loop of assignments costs a few map
/// updates, not a write each.
class Outbox {
 public:
  void add_change(const std::string& field, Json value) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!batch_open_) {
      items_.emplace_back();
      batch_open_ = true;
    }
    items_.back().patch.set_field(field, std::move(value));
    cv_.notify_one();
  }

  void add_message(v1::WorkerMessage msg) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.emplace_back();
    items_.back().msg = std::move(msg);
    items_.back().is_patch = false;
    batch_open_ = false;
    cv_.notify_one();
  }

  void close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  /// Writer thread: runs until close() and everything queued is written.
  void drain(grpc::ClientReaderWriter<v1::WorkerMessage, v1::ControllerMessage>& stream) {
    uint64_t version = 0;
    std::deque<Item> batch;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return closed_ || !items_.empty(); });
        if (items_.empty() && closed_) return;
        batch.swap(items_);
        batch_open_ = false;
      }
      for (auto& item : batch) {
        if (item.is_patch) {
          v1::WorkerMessage m;
          auto* d = m.mutable_delta();
          d->set_version(++version);
          d->set_patch_json(detail::dump_json(item.patch.ops()));
          if (!stream.Write(m)) return;
        } else if (!stream.Write(item.msg)) {
          return;
        }
      }
      batch.clear();
    }
  }

 private:
  struct Item {
    bool is_patch = true;
    detail::PatchBuilder patch;
    v1::WorkerMessage msg;
  };
  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<Item> items_;
  bool batch_open_ = false;  // items_.back() is a patch that still takes changes
  bool closed_ = false;
};

/// Messages from the controller, handed from the reader thread to the run thread.
class Inbox {
 public:
  void push(v1::ControllerMessage m) {
    std::lock_guard<std::mutex> lock(mu_);
    q_.push_back(std::move(m));
    ++pushed_;
    cv_.notify_all();
  }
  void close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_one();
  }
  /// Takes the state deltas at the front of the queue, waiting up to
  /// `timeout` for one; returns early when any other message is pushed (a
  /// stop) or the stream ends. What is not a delta stays queued.
  std::vector<v1::ControllerMessage> take_deltas(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t pushed = pushed_;
    auto front_is_delta = [&] { return !q_.empty() && q_.front().has_delta(); };
    cv_.wait_for(lock, timeout, [&] { return closed_ || pushed_ != pushed || front_is_delta(); });
    std::vector<v1::ControllerMessage> out;
    while (front_is_delta()) {
      out.push_back(std::move(q_.front()));
      q_.pop_front();
    }
    return out;
  }
  bool pop(v1::ControllerMessage* out) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !q_.empty(); });
    if (q_.empty()) return false;
    *out = std::move(q_.front());
    q_.pop_front();
    return true;
  }

 private:
  std::mutex mu_;  // guards q_, pushed_, closed_
  std::condition_variable cv_;
  std::deque<v1::ControllerMessage> q_;
  uint64_t pushed_ = 0;  // messages pushed so far
  bool closed_ = false;
};

class WorkProcess;
// The process whose call is running (set and read on the run thread only):
// what lightning::receive_state_changes() talks to.
WorkProcess* g_running_call = nullptr;

class WorkProcess final : public detail::Runtime {
 public:
  explicit WorkProcess(const v1::LaunchWorkRequest& request) : request_(request) {}

  void on_field_changed(Component&, const StateFieldBase& field, Json value) override {
    outbox_.add_change(field.name(), std::move(value));
  }

  void publish_url(Work& work, const std::string& url) override {
    set_url(work, url);
    v1::WorkerMessage m;
    m.mutable_url()->set_url(url);
    outbox_.add_message(std::move(m));
  }

  int run() {
    work_ = detail::create_work(request_.work_type());
    if (!work_) {
      std::string known;
      for (const auto& n : detail::registered_work_types())
        known += (known.empty() ? "" : ", ") + n;
      std::fprintf(stderr, "lightning: unknown work type '%s' (registered: %s)\n",
                   request_.work_type().c_str(), known.c_str());
      return kExitUnknownType;
    }
    set_identity(*work_, request_.work_path(), request_.work_type());

    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
    auto channel = rpc::controller_channel(request_.controller_address(),
                                           rpc::work_client_tls(request_), args);
    auto stub = v1::Controller::NewStub(channel);
    grpc::ClientContext ctx;
    auto stream = stub->Connect(&ctx);

    v1::WorkerMessage hello_msg;
    auto* hello = hello_msg.mutable_hello();
    hello->set_protocol_version(kProtocolVersion);
    hello->set_run_id(request_.run_id());
    hello->set_token(request_.token());
    hello->set_work_path(request_.work_path());
    hello->set_work_type(request_.work_type());
    hello->set_pid(getpid());
    hello->set_process_id(request_.process_id());
    v1::ControllerMessage welcome;
    if (!stream->Write(hello_msg) || !stream->Read(&welcome) || !welcome.has_welcome()) {
      stream->WritesDone();
      grpc::Status st = stream->Finish();
      std::fprintf(stderr, "lightning: controller at %s refused work '%s': %s\n",
                   request_.controller_address().c_str(), request_.work_path().c_str(),
                   st.ok() ? "no welcome" : st.error_message().c_str());
      return kExitRejected;
    }
    auto applied = detail::apply_patch_text(*work_, welcome_patch(welcome.welcome().state_json()));
    if (!applied.ok) std::fprintf(stderr, "lightning: initial state: %s\n", applied.error.c_str());
    attach_tree(*work_, this);

    std::thread writer([&] { outbox_.drain(*stream); });
    std::thread reader([&] {
      v1::ControllerMessage m;
      while (stream->Read(&m)) {
        // Set here, not when the run thread gets to it: that thread is
        // probably inside Work::run, which is what should see it.
        if (m.has_stop()) stop_.request();
        inbox_.push(std::move(m));
      }
      inbox_.close();
    });

    next_delta_ = welcome.welcome().delta_version() + 1;
    v1::ControllerMessage m;
    while (inbox_.pop(&m)) {
      if (m.has_delta()) {
        apply_delta(m.delta());
      } else if (m.has_call()) {
        serve_call(m.call());
        // Asked to stop (by the controller, or by a signal from outside):
        // this process runs no further call; it ends its stream and exits.
        if (stop_.requested()) break;
      } else if (m.has_stop()) {
        break;
      } else if (m.has_error()) {
        std::fprintf(stderr, "lightning: controller reported: %s\n", m.error().message().c_str());
      }
    }
    outbox_.close();
    writer.join();
    stream->WritesDone();
    reader.join();
    stream->Finish();
    return 0;
  }

 private:
  // The welcome state is a JSON object; turn it into replace ops for known fields.
  std::string welcome_patch(const std::string& state_json) {
    Json state = detail::parse_untrusted(state_json, nullptr);
    Json ops = Json::array();
    if (state.is_object()) {
      for (auto& [k, v] : state.items()) {
        if (work_->find_field(k) != nullptr) ops.push_back(detail::replace_op(k, v));
      }
    }
    return detail::dump_json(ops);
  }

  // Throws lightning::StorageError (the call then fails with it).
  void commit_paths() {
    for (StateFieldBase* field : work_->fields()) {
      Json value = field->to_json();
      if (storage::commit_paths_of_field(field->name(), value)) {
        field->assign_json(value);
        outbox_.add_change(field->name(), std::move(value));
      }
    }
  }

 public:
  /// lightning::receive_state_changes(), on the run thread inside a call.
  size_t receive_state_changes(std::chrono::milliseconds timeout) {
    if (stop_.requested()) return 0;
    auto deltas = inbox_.take_deltas(timeout);
    for (const auto& m : deltas) apply_delta(m.delta());
    return deltas.size();
  }

 private:
  void apply_delta(const v1::StateDelta& delta) {
    if (delta.version() != next_delta_) {
      report_error("delta version " + std::to_string(delta.version()) + ", expected " +
                   std::to_string(next_delta_));
    }
    next_delta_ = delta.version() + 1;
    auto r = detail::apply_patch_text(*work_, delta.patch_json());
    if (!r.ok) report_error(r.error);
  }

  void report_error(const std::string& message) {
    std::fprintf(stderr, "lightning: %s\n", message.c_str());
    v1::WorkerMessage e;
    e.mutable_error()->set_message(message);
    outbox_.add_message(std::move(e));
  }

  void serve_call(const v1::CallRequest& call) {
    v1::WorkerMessage started;
    started.mutable_started()->set_call_id(call.call_id());
    started.mutable_started()->set_started_unix_us(util::now_unix_us());
    outbox_.add_message(std::move(started));

    v1::WorkerMessage done;
    auto* f = done.mutable_finished();
    f->set_call_id(call.call_id());
    Json args = detail::parse_untrusted(call.args_json(), nullptr);
    if (args.is_discarded()) {
      f->set_ok(false);
      f->set_error_type("lightning::ProtocolError");
      f->set_message("call arguments are not valid JSON or nested too deeply");
    } else {
      stop_.begin_call();
      g_running_call = this;
      try {
        work_->run(args);
        // The Paths in the work's fields go to the artifact store before the
        // call is reported done, so the flow never sees a success whose
        // files are not committed yet.
        commit_paths();
        f->set_ok(true);
      } catch (const std::exception& e) {
        f->set_ok(false);
        f->set_error_type(detail::demangle(typeid(e).name()));
        f->set_message(e.what());
      } catch (...) {
        f->set_ok(false);
        f->set_error_type("unknown");
        f->set_message("Work::run threw something that is not a std::exception");
      }
      g_running_call = nullptr;
      stop_.end_call();
    }
    const StopCause cause = stop_.cause();
    f->set_stop_requested(cause.requested);
    f->set_outside_signal(cause.outside_signal);
    f->set_outside_signal_sender(cause.outside_sender);
    std::fflush(stdout);
    f->set_finished_unix_us(util::now_unix_us());
    outbox_.add_message(std::move(done));
  }

  const v1::LaunchWorkRequest& request_;
  StopFlag& stop_ = StopFlag::of_process();
  std::unique_ptr<Work> work_;
  Outbox outbox_;
  Inbox inbox_;
  uint64_t next_delta_ = 0;  // the version the next state delta must have
};

}  // namespace

size_t receive_running_call_changes(std::chrono::milliseconds timeout) {
  return g_running_call ? g_running_call->receive_state_changes(timeout) : 0;
}

int run_work_process(const v1::LaunchWorkRequest& request) {
  detail::set_process_context(request.run_dir(),
                              {request.app_args().begin(), request.app_args().end()});
  storage::init_work_process(request.run_dir(), request.work_path(), request.controller_address(),
                             request.run_id(), request.token(), rpc::work_client_tls(request));
  WorkProcess process(request);
  return process.run();
}

}  // namespace lightning::worker

namespace lightning {
size_t receive_state_changes(std::chrono::milliseconds timeout) {
  return worker::receive_running_call_changes(timeout);
}
}  // namespace lightning
