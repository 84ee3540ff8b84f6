// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: what a work process can send the controller. Each input is
// read twice, each time against a fresh Controller (no gRPC server; streams are
// test-made WorkSessions, processes come from ScriptedLauncher):
//  1. as one v1::WorkerMessage: a Hello is the stream's first message; anything
//     else is sent once on a stream that never said Hello, and once after a
//     valid Hello, so that delta and call handling are reached;
//  2. as a script of records (worker_message_script.hpp): up to four streams,
//     valid Hellos, messages, streams ending, processes exiting.
//
// Invariants: no crash, hang, leak or livelock (the loop settles); only a
// stream that said a valid Hello is ever bound to a process; what the
// controller sends back is what a work process can use: a Welcome first and
// once, whose state the work's fields accept, then deltas with consecutive
// versions that apply cleanly, and calls whose arguments are JSON.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/patch.hpp"
#include "fuzz_check.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"
#include "lightning/v1/runtime.pb.h"
#include "lightning/work.hpp"
#include "rpc/controller_service.hpp"
#include "runtime/controller.hpp"
#include "runtime/work_launcher.hpp"
#include "worker_message_script.hpp"

namespace {

using lightning::Json;
using lightning::State;
using lightning::WorkOptions;
using lightning::runtime::Controller;
using lightning::runtime::ControllerOptions;
using lightning::runtime::ProcessExit;
using lightning::runtime::WorkLauncherInterface;
namespace v1 = lightning::v1;
using v1::LaunchWorkRequest;
namespace script = lightning::fuzz::script;
using namespace std::chrono_literals;

/// LIGHTNING_FUZZ_TRACE=1 prints what each input does (to write seeds).
const bool kTrace = std::getenv("LIGHTNING_FUZZ_TRACE") != nullptr;

#define FUZZ_TRACE(...)                            \
  do {                                             \
    if (kTrace) std::fprintf(stderr, __VA_ARGS__); \
  } while (0)

/// Both works' type. Its fields cover the kinds of values a delta carries.
struct SyncedWork : lightning::Work {
  State<int> count{this, "count", 0};
  State<std::string> text{this, "text", ""};
  State<std::vector<int>> values{this, "values", {}};
  State<std::map<std::string, double>> weights{this, "weights", {}};
  State<Json> extra{this, "extra", Json::object()};
  void run(const Json&) override {}  // never runs: there are no processes
};

/// Calls a parallel work and a blocking one; its choices depend on the state
/// the works send, and it writes a work field back (a controller -> work delta).
struct FuzzRoot : lightning::Flow {
  SyncedWork& fast = add_work<SyncedWork>(
      "fast", WorkOptions().parallel(true).raise_exception(false).retries(1).retry_backoff(0ms));
  SyncedWork& slow =
      add_work<SyncedWork>("slow", WorkOptions().retries(1).retry_backoff(0ms).grace_period(0ms));
  bool stopped_slow = false;

  void run() override {
    if (fast.call({{"n", 1}}).has_succeeded()) {
      fast.call({{"n", 2}, {"values", fast.values->size()}});
    }
    fast.text = "seen " + std::to_string(fast.count.get());
    if (fast.count.get() < 0 && !stopped_slow) {
      stopped_slow = true;
      slow.stop();
    }
    slow.call({{"step", 1}});  // not parallel: run() ends here until the call is done
    if (slow.text.get() == "stop") stop("the slow work asked to stop");
    if (slow.text.get() == "fail") fail("the slow work asked to fail");
  }
};

/// A WorkLauncherInterface without processes. A launched process "starts" on
/// the loop; a stopped one exits on the loop (SIGTERM, or SIGKILL for grace 0); the script can make
/// one print and exit. Events keep the interface's order: started, output, exited.
class ScriptedLauncher final : public WorkLauncherInterface {
 public:
  explicit ScriptedLauncher(boost::asio::io_context& io) : io_(io) {}

  void set_events(Events events) override { events_ = std::move(events); }

  void launch(const LaunchWorkRequest& spec) override {
    if (shut_down_) {
      const uint64_t id = spec.process_id();
      boost::asio::post(io_, [this, id] {
        ProcessExit e;
        e.error = "launcher is shut down";
        events_.exited(id, e);
      });
      return;
    }
    launches_.push_back(spec);
    procs_[spec.process_id()] = Proc{};
    const uint64_t id = spec.process_id();
    boost::asio::post(io_, [this, id] { start(id); });
  }

  void stop(uint64_t process_id, std::chrono::milliseconds grace) override {
    const int sig = grace.count() == 0 ? SIGKILL : SIGTERM;
    boost::asio::post(io_, [this, process_id, sig] {
      ProcessExit e;
      e.signal = sig;
      end(process_id, e, "");
    });
  }

  void shutdown() override {
    shut_down_ = true;
    procs_.clear();
  }

  std::optional<LaunchWorkRequest> last_launch_of(const std::string& work_path) const {
    for (auto it = launches_.rbegin(); it != launches_.rend(); ++it) {
      if (it->work_path() == work_path) return *it;
    }
    return std::nullopt;
  }

  /// The process prints `line` on stderr (when not empty) and exits. Call it
  /// from the thread that drives the loop, never from inside a handler.
  void end(uint64_t process_id, const ProcessExit& how, const std::string& line) {
    auto it = procs_.find(process_id);
    if (it == procs_.end()) return;
    start(process_id);
    if (!line.empty()) events_.output(process_id, line, /*is_stderr=*/true);
    procs_.erase(process_id);
    events_.exited(process_id, how);
  }

 private:
  struct Proc {
    bool started = false;
  };

  void start(uint64_t id) {
    auto it = procs_.find(id);
    if (it == procs_.end() || it->second.started) return;
    it->second.started = true;
    events_.started(id, static_cast<int>(1000 + id));
  }

  boost::asio::io_context& io_;
  Events events_;
  std::vector<LaunchWorkRequest> launches_;
  std::map<uint64_t, Proc> procs_;
  bool shut_down_ = false;
};

/// One Connect stream as a work process would hold it: what the controller
/// sends is checked and applied to a mirror of the work, as work_process.cpp does.
struct Peer final : lightning::rpc::SessionWriter {
  // Raw `this`: the session must not own its peer (no cycle, no leak).
  std::shared_ptr<lightning::rpc::WorkSession> session =
      std::make_shared<lightning::rpc::WorkSession>(this, "fuzz");
  std::unique_ptr<SyncedWork> mirror;  // from the Welcome on
  uint64_t next_delta = 0;
  bool said_valid_hello = false;
  bool stopped = false;
  bool closed = false;

  Peer() = default;
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer() override { session->detach_writer(); }

  void write(v1::ControllerMessage m) override { receive(m); }
  void finish(const grpc::Status& status) override {
    FUZZ_TRACE("  <- closed: %s\n", status.error_message().c_str());
    closed = true;
  }

  void receive(const v1::ControllerMessage& m) {
    if (kTrace) std::fprintf(stderr, "  <- %s\n", m.ShortDebugString().c_str());
    switch (m.body_case()) {
      case v1::ControllerMessage::kWelcome: {
        LIGHTNING_FUZZ_CHECK(said_valid_hello,
                             "a Welcome on a stream that never said a valid Hello");
        LIGHTNING_FUZZ_CHECK(!mirror, "a second Welcome on one stream");
        mirror = std::make_unique<SyncedWork>();
        const Json state = Json::parse(m.welcome().state_json(), nullptr, false);
        LIGHTNING_FUZZ_CHECK(
            state.is_object() && state.size() == mirror->fields().size(),
            "the Welcome's state is not the work's fields: " + m.welcome().state_json());
        Json ops = Json::array();
        for (const auto& [key, value] : state.items()) {
          ops.push_back(lightning::detail::replace_op(key, value));
        }
        const auto applied = lightning::detail::apply_patch(*mirror, ops);
        LIGHTNING_FUZZ_CHECK(applied.ok,
                             "the work cannot take its Welcome state: " + applied.error);
        next_delta = m.welcome().delta_version() + 1;
        break;
      }
      case v1::ControllerMessage::kDelta: {
        LIGHTNING_FUZZ_CHECK(mirror != nullptr, "a state delta before the Welcome");
        LIGHTNING_FUZZ_CHECK(m.delta().version() == next_delta,
                             "delta version " + std::to_string(m.delta().version()) +
                                 ", expected " + std::to_string(next_delta));
        ++next_delta;
        const auto applied = lightning::detail::apply_patch_text(*mirror, m.delta().patch_json());
        LIGHTNING_FUZZ_CHECK(applied.ok, "the work cannot apply the controller's delta " +
                                             m.delta().patch_json() + ": " + applied.error);
        break;
      }
      case v1::ControllerMessage::kCall: {
        LIGHTNING_FUZZ_CHECK(mirror != nullptr, "a call before the Welcome");
        LIGHTNING_FUZZ_CHECK(!Json::parse(m.call().args_json(), nullptr, false).is_discarded(),
                             "call arguments are not JSON: " + m.call().args_json());
        break;
      }
      case v1::ControllerMessage::kError:
        LIGHTNING_FUZZ_CHECK(!m.error().message().empty(), "an error report without a message");
        break;
      case v1::ControllerMessage::kStop:
        LIGHTNING_FUZZ_CHECK(said_valid_hello, "a StopRequest to a stream that never said Hello");
        LIGHTNING_FUZZ_CHECK(!stopped, "a second StopRequest on one stream");
        LIGHTNING_FUZZ_CHECK(m.stop().grace_period_ms() >= 0, "a negative grace period");
        stopped = true;
        break;
      case v1::ControllerMessage::BODY_NOT_SET:
        LIGHTNING_FUZZ_CHECK(false, "the controller sent an empty message");
    }
  }
};

const std::string& run_dir() {
  // Never destroyed: the atexit clean-up below runs after static destructors.
  static const std::string& dir = *new std::string([] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lightning_fuzz_XXXXXX").string();
    LIGHTNING_FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "cannot make a temporary run dir");
    std::filesystem::create_directories(tmpl + "/logs");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(run_dir(), ec);
    });
    return tmpl;
  }());
  return dir;
}

/// A started controller with FuzzRoot, its launcher, and four stream slots.
class Harness {
 public:
  static constexpr int kMaxPolls = 10000;

  Harness() : launcher_(io_) {
    ControllerOptions options;
    options.run_dir = run_dir();
    options.echo_logs = false;
    options.log_level = "off";
    controller_ =
        std::make_unique<Controller>(loop_, options, std::make_unique<FuzzRoot>(), launcher_);
    for (int i = 0; i < script::kSlots; ++i) reopen(i);
    controller_->start();
    settle();
  }

  ~Harness() {
    for (const auto& p : peers_) {
      LIGHTNING_FUZZ_CHECK(p->session->process_id == 0 || p->said_valid_hello,
                           "a stream that never said a valid Hello was bound to process " +
                               std::to_string(p->session->process_id));
    }
  }

  Controller& controller() { return *controller_; }
  ScriptedLauncher& launcher() { return launcher_; }
  Peer& slot(int i) { return *slots_[i]; }

  void reopen(int i) {
    peers_.push_back(std::make_unique<Peer>());
    slots_[i] = peers_.back().get();
  }

  void send(Peer& peer, v1::WorkerMessage msg) {
    if (kTrace) std::fprintf(stderr, "  -> %s\n", msg.ShortDebugString().c_str());
    controller_->on_session_message(peer.session, msg);
  }

  /// Says Hello for the latest process of `work_path`, as that process would.
  void say_valid_hello(Peer& peer, const std::string& work_path) {
    const auto spec = launcher_.last_launch_of(work_path);
    if (!spec) return;
    v1::WorkerMessage m;
    auto* h = m.mutable_hello();
    h->set_protocol_version(1);
    h->set_run_id(controller_->run_id());
    h->set_token(controller_->token());
    h->set_work_path(spec->work_path());
    h->set_work_type(spec->work_type());
    h->set_pid(static_cast<int64_t>(1000 + spec->process_id()));
    h->set_process_id(spec->process_id());
    peer.said_valid_hello = true;
    send(peer, std::move(m));
  }

  void close_stream(int i) {
    FUZZ_TRACE("  stream %d ends\n", i);
    controller_->on_session_closed(slot(i).session);
    reopen(i);
  }

  /// Runs ready handlers until none is left (timers that are due included).
  void settle() {
    for (int i = 0; i < kMaxPolls; ++i) {
      if (io_.stopped()) io_.restart();
      if (io_.poll() == 0) return;
    }
    LIGHTNING_FUZZ_CHECK(false, "the controller's loop did not settle (livelock)");
  }

 private:
  boost::asio::io_context io_;
  lightning::util::AsioClock clock_{io_};
  lightning::util::EventLoop loop_{io_, clock_};
  ScriptedLauncher launcher_;
  std::vector<std::unique_ptr<Peer>> peers_;  // all of them, so late sends find theirs
  std::array<Peer*, script::kSlots> slots_{};
  std::unique_ptr<Controller> controller_;
};

void run_one_message(const uint8_t* data, size_t size) {
  v1::WorkerMessage msg;
  if (size > INT_MAX || !msg.ParseFromArray(data, static_cast<int>(size))) return;
  FUZZ_TRACE("as one message:\n");
  Harness h;
  if (msg.has_hello()) {
    Peer& peer = h.slot(0);
    h.send(peer, msg);
    if (msg.hello().token() != h.controller().token()) {
      LIGHTNING_FUZZ_CHECK(peer.session->process_id == 0 && peer.closed,
                           "a Hello with a wrong token was not rejected");
    }
  } else {
    Peer& stranger = h.slot(1);
    h.send(stranger, msg);
    LIGHTNING_FUZZ_CHECK(stranger.closed && stranger.session->process_id == 0,
                         "a stream whose first message is not Hello was not closed");
    Peer& peer = h.slot(0);
    h.say_valid_hello(peer, script::kFastWork);
    h.settle();
    LIGHTNING_FUZZ_CHECK(peer.mirror != nullptr, "a valid Hello was not welcomed");
    h.send(peer, msg);
  }
  h.settle();
}

void run_script(const uint8_t* data, size_t size) {
  FUZZ_TRACE("as a script:\n");
  Harness h;
  size_t pos = 0;
  while (pos < size) {
    const uint8_t ctl = data[pos++];
    size_t len = 0;
    if (pos + 2 <= size) len = data[pos] | (static_cast<size_t>(data[pos + 1]) << 8);
    pos = pos + 2 <= size ? pos + 2 : size;
    len = std::min(len, size - pos);
    const uint8_t* payload = data + pos;
    pos += len;

    const int slot = ctl & script::kSlotMask;
    const std::string work =
        (ctl & script::kSlowWork) != 0 ? script::kSlowWorkPath : script::kFastWork;
    FUZZ_TRACE("record: stream %d, %s, ctl 0x%02x, %zu bytes\n", slot, work.c_str(), ctl, len);
    if ((ctl & script::kHelloFirst) != 0) h.say_valid_hello(h.slot(slot), work);
    if ((ctl & script::kSend) != 0) {
      v1::WorkerMessage msg;
      if (msg.ParseFromArray(payload, static_cast<int>(len))) h.send(h.slot(slot), std::move(msg));
    }
    if ((ctl & script::kProcessExits) != 0) {
      if (const auto spec = h.launcher().last_launch_of(work)) {
        ProcessExit how;
        switch (len % 3) {
          case 0:
            how.exit_code = 0;
            break;
          case 1:
            how.exit_code = 1;
            break;
          default:
            how.signal = 9;
        }
        FUZZ_TRACE("  process %llu of %s exits\n",
                   static_cast<unsigned long long>(spec->process_id()), work.c_str());
        h.launcher().end(spec->process_id(), how,
                         std::string(reinterpret_cast<const char*>(payload), len));
      }
    }
    if ((ctl & script::kCloseStream) != 0) h.close_stream(slot);
    if ((ctl & script::kSettle) != 0) h.settle();
  }
  h.settle();
  FUZZ_TRACE("controller: %s%s\n", h.controller().finished() ? "finished: " : "running",
             h.controller().final_message().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  run_one_message(data, size);
  run_script(data, size);
  return 0;
}
