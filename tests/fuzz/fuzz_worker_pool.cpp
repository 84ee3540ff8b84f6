// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: the controller's handling of lightning-workers' Join streams
// (cluster::WorkerPool over a SchedulingLauncher), fed sequences of
// WorkerReports on several streams, with launches, stops and time passing.
//
// Input: a script, one command per line (unknown lines are skipped):
//   M                      (as the first line only) the pool requires a verified TLS
//                          client certificate (the app has --tls-ca)
//   N [cert]               a new Join stream (the current one from then on), whose
//                          verified client certificate is named `cert` (none without)
//   C                      the current stream closes
//   R name token version gpus   `register` (gpus: how many fake GPUs)
//   H                      heartbeat
//   S pid attempt          started       O pid attempt text   output
//   E pid attempt code     ended (code < 0: by signal -code)
//   D reason               draining
//   L gpus                 the controller launches a work asking for `gpus` GPUs
//   X pid grace_ms         the controller stops a process
//   T ms                   time passes (liveness checks run)
//   P hex                  a raw WorkerReport's bytes (protobuf), malformed or not
// The token the pool expects is "good".
// Invariants: nothing crashes, throws or hangs; a stream is answered
// `registered` only after a `register` with the right token and version (and,
// with M, on a stream with a certificate), and before anything else; a refused stream gets no
// command; every launch gets at most one exit, and no event about a process comes after its exit.
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cluster/worker_pool.hpp"
#include "fakes/fake_clock.hpp"
#include "fuzz_check.hpp"
#include "rpc/cluster_protocol.hpp"

namespace lc = lightning::cluster;
namespace v1 = lightning::v1;

namespace {

struct RecordingWriter final : lc::JoinSession::Writer {
  std::vector<v1::WorkerCommand> commands;
  bool finished = false;
  bool finished_ok = false;
  void write(v1::WorkerCommand c) override {
    if (!finished) commands.push_back(std::move(c));  // as the stream's reactor does
  }
  void finish(const grpc::Status& s) override {
    if (finished) return;
    finished = true;
    finished_ok = s.ok();
  }
};

std::shared_ptr<lc::AppBinary> app() {
  // /dev/null, hashed once before the first input (its thread posts onto a
  // loop that must outlive it).
  static std::shared_ptr<lc::AppBinary> a = [] {
    auto r = lc::AppBinary::open("/dev/null");
    if (!r.ok()) std::abort();
    boost::asio::io_context io;
    lightning::testing::FakeClock clock;
    lightning::util::EventLoop loop(io, clock);
    bool done = false;
    (*r)->when_hashed(loop, [&done] { done = true; });
    auto guard = boost::asio::make_work_guard(io);
    while (!done) io.run_one();
    return *r;
  }();
  return a;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  spdlog::set_level(spdlog::level::off);
  boost::asio::io_context io;
  lightning::testing::FakeClock clock;
  lightning::util::EventLoop loop(io, clock);
  lc::SchedulingLauncherOptions lo;
  lo.scheduler.heartbeat_timeout = std::chrono::seconds(2);
  lc::SchedulingLauncher launcher(loop, lo);
  std::map<uint64_t, int> exits;
  std::set<uint64_t> launched;
  bool event_after_exit = false;
  launcher.set_events(lightning::runtime::WorkLauncherInterface::Events{
      [&](uint64_t id, int) { event_after_exit |= exits.count(id) != 0; },
      [&](uint64_t id, std::string_view, bool) { event_after_exit |= exits.count(id) != 0; },
      [&](uint64_t id, const lightning::runtime::ProcessExit&) { ++exits[id]; },
      [&](uint64_t id, const std::string&) { event_after_exit |= exits.count(id) != 0; }});
  lc::WorkerPoolOptions po;
  po.worker_token = "good";
  po.run_id = "run";
  const bool mtls = size >= 1 && data[0] == 'M' && (size == 1 || data[1] == '\n');
  po.require_client_certificate = mtls;
  lc::WorkerPool pool(loop, launcher, app(), po);

  std::vector<std::unique_ptr<RecordingWriter>> writers;
  std::vector<std::shared_ptr<lc::JoinSession>> sessions;
  std::vector<bool> good_register;  // per stream: a correct `register` was sent first
  std::vector<bool> has_certificate;
  auto new_stream = [&](const std::string& certificate) {
    writers.push_back(std::make_unique<RecordingWriter>());
    sessions.push_back(
        std::make_shared<lc::JoinSession>(writers.back().get(), "fuzz", certificate));
    good_register.push_back(false);
    has_certificate.push_back(!certificate.empty());
  };
  new_stream("");
  bool first_report = true;
  auto report = [&](const v1::WorkerReport& r) {
    if (first_report && r.body_case() == v1::WorkerReport::kRegister &&
        r.register_().token() == "good" &&
        r.register_().protocol_version() == lightning::rpc::kClusterProtocolVersion &&
        (!mtls || has_certificate.back())) {
      good_register.back() = true;
    }
    first_report = false;
    pool.on_report(sessions.back(), r);
    io.poll();
    io.restart();
  };

  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string line;
  uint64_t next_process = 0;
  int steps = 0;
  while (std::getline(in, line) && ++steps < 400) {
    std::istringstream ls(line);
    std::string op;
    ls >> op;
    v1::WorkerReport r;
    uint64_t pid = 0, attempt = 0;
    if (op == "N") {
      std::string certificate;
      ls >> certificate;
      new_stream(certificate);
      first_report = true;
    } else if (op == "C") {
      pool.on_closed(sessions.back());
    } else if (op == "R") {
      std::string name, token;
      uint32_t version = 0;
      int gpus = 0;
      ls >> name >> token >> version >> gpus;
      auto* reg = r.mutable_register_();
      reg->set_name(name);
      reg->set_token(token);
      reg->set_protocol_version(version);
      reg->mutable_resources()->set_milli_cpus(4000);
      reg->mutable_resources()->set_memory_bytes(int64_t{8} << 30);
      for (int i = 0; i < gpus && i < 2000; ++i) reg->mutable_resources()->add_gpus()->set_index(i);
      report(r);
    } else if (op == "H") {
      r.mutable_heartbeat()->set_running(1);
      report(r);
    } else if (op == "S" && (ls >> pid >> attempt)) {
      r.mutable_started()->set_process_id(pid);
      r.mutable_started()->set_attempt(attempt);
      report(r);
    } else if (op == "O" && (ls >> pid >> attempt)) {
      std::string text;
      std::getline(ls, text);
      r.mutable_output()->set_process_id(pid);
      r.mutable_output()->set_attempt(attempt);
      r.mutable_output()->add_lines(text);
      report(r);
    } else if (op == "E" && (ls >> pid >> attempt)) {
      int code = 0;
      ls >> code;
      r.mutable_ended()->set_process_id(pid);
      r.mutable_ended()->set_attempt(attempt);
      if (code < 0) {
        r.mutable_ended()->set_signal(-code);
      } else {
        r.mutable_ended()->set_exit_code(code);
      }
      report(r);
    } else if (op == "D") {
      std::string reason;
      std::getline(ls, reason);
      r.mutable_draining()->set_reason(reason);
      report(r);
    } else if (op == "L") {
      int gpus = 0;
      ls >> gpus;
      v1::LaunchWorkRequest req;
      req.set_process_id(++next_process);
      req.set_work_path("root.w" + std::to_string(next_process));
      if (gpus > 0 && gpus <= 1024)
        req.set_compute_json("{\"gpus\": " + std::to_string(gpus) + "}");
      launched.insert(next_process);
      launcher.launch(req);
      io.poll();
      io.restart();
    } else if (op == "X" && (ls >> pid)) {
      int64_t grace = 0;
      ls >> grace;
      launcher.stop(pid, std::chrono::milliseconds(grace < 0 ? 0 : grace % 100000));
      io.poll();
      io.restart();
    } else if (op == "T") {
      int64_t ms = 0;
      ls >> ms;
      clock.AdvanceTime(std::chrono::milliseconds(ms < 0 ? 0 : ms % 60000));
      io.poll();
      io.restart();
    } else if (op == "P") {
      std::string hex, bytes;
      ls >> hex;
      for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) break;
        bytes.push_back(static_cast<char>(hi * 16 + lo));
      }
      if (r.ParseFromString(bytes)) report(r);
    }
  }
  launcher.shutdown();
  io.poll();

  for (size_t i = 0; i < writers.size(); ++i) {
    const RecordingWriter& w = *writers[i];
    for (size_t k = 0; k < w.commands.size(); ++k) {
      const bool is_registered = w.commands[k].body_case() == v1::WorkerCommand::kRegistered;
      LIGHTNING_FUZZ_CHECK(!is_registered || (k == 0 && good_register[i]),
                           "`registered` sent without a good first `register`, or not first");
      LIGHTNING_FUZZ_CHECK(k != 0 || is_registered, "a command before `registered`");
    }
    if (!good_register[i]) {
      LIGHTNING_FUZZ_CHECK(w.commands.empty(), "a refused stream got commands");
    }
  }
  for (const auto& [id, n] : exits) {
    LIGHTNING_FUZZ_CHECK(
        n == 1, "process " + std::to_string(id) + " exited " + std::to_string(n) + " times");
    LIGHTNING_FUZZ_CHECK(launched.count(id) != 0, "an exit of a process never launched");
  }
  LIGHTNING_FUZZ_CHECK(!event_after_exit, "an event about a process after its exit");
  return 0;
}
