// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-worker as a real process against a small fake of the controller's
// side (docs/design/worker-node.md, "Tests"): a WorkerPool service that
// registers it, serves FetchApp with a real app binary (apps/worker_app.cpp) and sends
// it commands, and a Controller service that the launched work process dials
// and says Hello to. Real gRPC over loopback, port 0; the works are real
// processes forked by the work forker spawned from the fetched binary. The
// real controller's WorkerPool (src/cluster/) gets its end-to-end test when
// both sides are merged.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "lightning/v1/cluster.grpc.pb.h"
#include "lightning/v1/runtime.grpc.pb.h"
#include "storage/sha256.hpp"
#include "support.hpp"

namespace {

using namespace lightning::integration;  // NOLINT(google-build-using-namespace)
using std::chrono::milliseconds;

constexpr milliseconds kWait{15000};

std::string file_content(const std::string& path) { return read_file(path); }

// The controller's side, as small as the tests allow. Every handler runs on a
// gRPC thread; the test reads what arrived under mu.
class FakeControllerSide final : public lightning::v1::WorkerPool::Service,
                                 public lightning::v1::Controller::Service {
 public:
  FakeControllerSide(std::string token, std::string app_path)
      : token_(std::move(token)), app_(file_content(app_path)) {
    sha256_ = lightning::storage::sha256_hex(app_);
  }

  // --- WorkerPool
  grpc::Status Join(grpc::ServerContext* /*ctx*/,
                    grpc::ServerReaderWriter<lightning::v1::WorkerCommand,
                                             lightning::v1::WorkerReport>* stream) override {
    lightning::v1::WorkerReport first;
    if (!stream->Read(&first) || !first.has_register_()) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "the first report must be register"};
    }
    if (first.register_().token() != token_) {
      std::lock_guard<std::mutex> lock(mu);
      ++refused;
      return {grpc::StatusCode::UNAUTHENTICATED, "wrong worker token"};
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      registrations.push_back(first.register_());
      ++sessions_open;
    }
    lightning::v1::WorkerCommand reg;
    auto* r = reg.mutable_registered();
    r->set_worker_id(worker_id.empty() ? first.register_().name() : worker_id);
    r->set_run_id("run-1");
    r->set_app_sha256(sha256_);
    r->set_app_size_bytes(static_cast<int64_t>(app_.size()));
    r->set_heartbeat_interval_ms(100);
    r->set_controller_grace_ms(controller_grace_ms);
    r->set_kill_running(kill_running);
    stream->Write(reg);
    bool reader_done = false;
    std::thread reader([&] {
      lightning::v1::WorkerReport report;
      while (stream->Read(&report)) {
        std::lock_guard<std::mutex> lock(mu);
        reports.push_back(report);
        cv_.notify_all();
      }
      std::lock_guard<std::mutex> lock(mu);
      reader_done = true;
      cv_.notify_all();
    });
    for (;;) {
      std::unique_lock<std::mutex> lock(mu);
      cv_.wait(lock, [&] { return reader_done || !commands_.empty(); });
      if (reader_done) break;
      lightning::v1::WorkerCommand cmd = commands_.front();
      commands_.pop_front();
      lock.unlock();
      stream->Write(cmd);
      if (cmd.has_shutdown()) break;
    }
    reader.join();
    std::lock_guard<std::mutex> lock(mu);
    --sessions_open;
    return grpc::Status::OK;
  }

  grpc::Status FetchApp(grpc::ServerContext* /*ctx*/, const lightning::v1::FetchAppRequest* req,
                        grpc::ServerWriter<lightning::v1::AppChunk>* writer) override {
    if (req->token() != token_) return {grpc::StatusCode::UNAUTHENTICATED, "wrong worker token"};
    if (req->sha256() != sha256_) return {grpc::StatusCode::NOT_FOUND, "no such app"};
    {
      std::lock_guard<std::mutex> lock(mu);
      ++fetches;
    }
    for (size_t at = static_cast<size_t>(req->offset()); at < app_.size(); at += 1 << 20) {
      lightning::v1::AppChunk chunk;
      chunk.set_data(app_.substr(at, 1 << 20));
      chunk.set_total_size(static_cast<int64_t>(app_.size()));
      if (!writer->Write(chunk)) break;
    }
    return grpc::Status::OK;
  }

  // --- Controller: the work process's side; records its Hello and keeps the
  // stream open (no Welcome) until it ends.
  grpc::Status Connect(grpc::ServerContext* /*ctx*/,
                       grpc::ServerReaderWriter<lightning::v1::ControllerMessage,
                                                lightning::v1::WorkerMessage>* stream) override {
    lightning::v1::WorkerMessage m;
    if (!stream->Read(&m) || !m.has_hello())
      return {grpc::StatusCode::INVALID_ARGUMENT, "no hello"};
    {
      std::lock_guard<std::mutex> lock(mu);
      hellos.push_back(m.hello());
    }
    while (stream->Read(&m)) {
    }
    return grpc::Status::OK;
  }

  void send(lightning::v1::WorkerCommand cmd) {
    std::lock_guard<std::mutex> lock(mu);
    commands_.push_back(std::move(cmd));
    cv_.notify_all();
  }

  // Reports of one kind, copied under the lock.
  template <class Pred>
  std::vector<lightning::v1::WorkerReport> reports_where(Pred pred) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<lightning::v1::WorkerReport> out;
    for (const auto& r : reports) {
      if (pred(r)) out.push_back(r);
    }
    return out;
  }
  std::optional<lightning::v1::ProcessEnded> ended(uint64_t process_id) {
    auto e = reports_where(
        [&](const auto& r) { return r.has_ended() && r.ended().process_id() == process_id; });
    if (e.empty()) return std::nullopt;
    return e.front().ended();
  }
  std::optional<lightning::v1::ProcessStarted> started(uint64_t process_id) {
    auto e = reports_where(
        [&](const auto& r) { return r.has_started() && r.started().process_id() == process_id; });
    if (e.empty()) return std::nullopt;
    return e.front().started();
  }
  size_t count(bool (lightning::v1::WorkerReport::*has)() const) {
    return reports_where([&](const auto& r) { return (r.*has)(); }).size();
  }
  template <class T>
  T locked(const std::function<T()>& f) {
    std::lock_guard<std::mutex> lock(mu);
    return f();
  }

  const std::string& sha256() const { return sha256_; }

  std::mutex mu;  // guards what follows
  std::vector<lightning::v1::RegisterWorker> registrations;
  std::vector<lightning::v1::WorkerReport> reports;
  std::vector<lightning::v1::Hello> hellos;
  int sessions_open = 0;
  int refused = 0;
  int fetches = 0;
  int64_t controller_grace_ms = 30000;
  bool kill_running = false;
  std::string worker_id;  ///< the id Registered gives; "": the name the worker sent

 private:
  std::condition_variable cv_;
  std::deque<lightning::v1::WorkerCommand> commands_;
  std::string token_;
  std::string app_;
  std::string sha256_;
};

class FakeServer {
 public:
  explicit FakeServer(FakeControllerSide& side, const std::string& address = "127.0.0.1:0") {
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    // A sync server's threads wait on their queue up to this long (10 s by
    // default); keep anything in its shutdown that waits for them short.
    b.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 100);
    b.RegisterService(static_cast<lightning::v1::WorkerPool::Service*>(&side));
    b.RegisterService(static_cast<lightning::v1::Controller::Service*>(&side));
    server_ = b.BuildAndStart();
    address_ = "127.0.0.1:" + std::to_string(port);
  }
  ~FakeServer() { stop(); }
  void stop() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
  }
  const std::string& address() const { return address_; }

 private:
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

std::string write_token(const TempDir& dir, const std::string& token) {
  const std::string path = dir / "worker.token";
  write_file(path, token + "\n");
  chmod(path.c_str(), 0600);
  return path;
}

// A lightning-worker process with its output in `io` (a new directory).
std::unique_ptr<AppProcess> start_worker(const std::string& io, std::vector<std::string> args) {
  std::filesystem::create_directories(io);
  return std::make_unique<AppProcess>(LIGHTNING_WORKER_EXE, args, io);
}

lightning::v1::WorkerCommand launch_command(uint64_t id, uint64_t attempt,
                                            const std::string& controller_address,
                                            const std::string& run_dir) {
  lightning::v1::WorkerCommand cmd;
  auto* l = cmd.mutable_launch();
  l->set_attempt(attempt);
  l->add_gpus(1);
  auto* r = l->mutable_request();
  r->set_process_id(id);
  r->set_work_path("root.env");
  r->set_work_type("worker_app::EnvWork");
  r->set_controller_address(controller_address);
  r->set_run_id("run-1");
  r->set_token("work-token-" + std::to_string(id));
  r->set_run_dir(run_dir);
  (*r->mutable_env())["CUDA_VISIBLE_DEVICES"] = "1";
  return cmd;
}

lightning::v1::WorkerCommand stop_command(uint64_t id, int64_t grace_ms) {
  lightning::v1::WorkerCommand cmd;
  cmd.mutable_stop()->set_process_id(id);
  cmd.mutable_stop()->set_grace_period_ms(grace_ms);
  return cmd;
}

lightning::v1::WorkerCommand shutdown_command() {
  lightning::v1::WorkerCommand cmd;
  cmd.mutable_shutdown()->set_reason("the app ended");
  return cmd;
}

struct Fixture {
  TempDir dir;
  std::string token = "tok-" + std::to_string(::getpid()) + "-Zq81";
  std::string token_file = write_token(dir, token);
  FakeControllerSide side{token, LIGHTNING_WORKER_APP};
  FakeServer server{side};
  std::string work_dir = dir / "work";
  std::string run_dir = dir / "run";

  std::vector<std::string> worker_args(const std::string& name) const {
    return {"--controller",
            server.address(),
            "--token-file",
            token_file,
            "--name",
            name,
            "--work-dir",
            work_dir,
            "--gpus",
            "0,1",
            "--cpus",
            "2",
            "--memory-gb",
            "1",
            "--label",
            "zone=a",
            "--connect-timeout",
            "10",
            "--drain-grace",
            "0.3"};
  }
  bool wait_registered(size_t n) {
    return wait_until(
        [&] { return side.locked<size_t>([&] { return side.registrations.size(); }) >= n; }, kWait);
  }
};

std::string environ_of(int64_t pid) {
  std::string env = read_file("/proc/" + std::to_string(pid) + "/environ");
  for (char& c : env) {
    if (c == '\0') c = '\n';
  }
  return env;
}

TEST(WorkerNodeTest, RegistersFetchesTheAppLaunchesAWorkThatDialsTheControllerAndStopsIt) {
  Fixture f;
  std::filesystem::create_directories(f.run_dir);
  auto worker = start_worker(f.dir / "w1", f.worker_args("node1"));
  ASSERT_TRUE(f.wait_registered(1)) << worker->stderr_text();
  const auto reg =
      f.side.locked<lightning::v1::RegisterWorker>([&] { return f.side.registrations[0]; });
  EXPECT_EQ(reg.protocol_version(), 1u);
  EXPECT_EQ(reg.name(), "node1");
  EXPECT_EQ(reg.pid(), worker->pid());
  EXPECT_EQ(reg.resources().milli_cpus(), 2000);
  EXPECT_EQ(reg.resources().memory_bytes(), int64_t{1} << 30);
  ASSERT_EQ(reg.resources().gpus_size(), 2);
  EXPECT_EQ(reg.resources().gpus(1).index(), 1);
  EXPECT_EQ(reg.resources().labels().at("zone"), "a");
  EXPECT_EQ(reg.detected_by().at("gpus"), "--gpus");

  f.side.send(launch_command(11, 5, f.server.address(), f.run_dir));
  ASSERT_TRUE(wait_until([&] { return f.side.started(11).has_value(); }, kWait))
      << worker->stderr_text();
  const auto started = *f.side.started(11);
  EXPECT_EQ(started.attempt(), 5u);
  ASSERT_GT(started.pid(), 0);
  // The work dialed the controller_address it was given, with its identity.
  ASSERT_TRUE(wait_until(
      [&] { return f.side.locked<bool>([&] { return !f.side.hellos.empty(); }); }, kWait))
      << worker->stderr_text();
  const auto hello = f.side.locked<lightning::v1::Hello>([&] { return f.side.hellos[0]; });
  EXPECT_EQ(hello.process_id(), 11u);
  EXPECT_EQ(hello.token(), "work-token-11");
  EXPECT_EQ(hello.work_path(), "root.env");
  EXPECT_EQ(hello.pid(), started.pid());
  // Its output, relayed with the attempt: the environment the worker gave it
  // (the controller's CUDA_VISIBLE_DEVICES, the node's object cache).
  auto lines_of_stream = [&](bool is_stderr) {
    std::vector<std::string> lines;
    for (const auto& r : f.side.reports_where([&](const auto& r) {
           return r.has_output() && r.output().process_id() == 11 &&
                  r.output().is_stderr() == is_stderr;
         })) {
      EXPECT_EQ(r.output().attempt(), 5u);
      for (const auto& l : r.output().lines()) lines.push_back(l);
    }
    return lines;
  };
  ASSERT_TRUE(wait_until(
      [&] { return lines_of_stream(false).size() >= 2 && !lines_of_stream(true).empty(); }, kWait))
      << worker->stderr_text();
  EXPECT_EQ(lines_of_stream(false),
            (std::vector<std::string>{"CUDA_VISIBLE_DEVICES=1",
                                      "LIGHTNING_CACHE_DIR=" + f.work_dir + "/cache"}));
  EXPECT_EQ(lines_of_stream(true), std::vector<std::string>{"env work built"});
  // No worker token in the work's environment.
  EXPECT_FALSE(contains(environ_of(started.pid()), f.token));
  // The binary is in the node's cache, read-only.
  struct stat st {};
  ASSERT_EQ(::stat((f.work_dir + "/apps/" + f.side.sha256()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555u);

  // A launch a worker must never run is answered, and the worker goes on.
  auto bad = launch_command(12, 1, f.server.address(), f.run_dir);
  bad.mutable_launch()->mutable_request()->set_work_path("root/../../etc");
  f.side.send(bad);
  ASSERT_TRUE(wait_until([&] { return f.side.ended(12).has_value(); }, kWait));
  EXPECT_NE(f.side.ended(12)->error().find("work_path"), std::string::npos);
  EXPECT_EQ(f.side.ended(12)->attempt(), 1u);

  f.side.send(stop_command(11, 200));
  ASSERT_TRUE(wait_until([&] { return f.side.ended(11).has_value(); }, kWait))
      << worker->stderr_text();
  const auto ended = *f.side.ended(11);
  EXPECT_EQ(ended.attempt(), 5u);
  EXPECT_TRUE(ended.signal_from_runtime());
  EXPECT_EQ(ended.how_case(), lightning::v1::ProcessEnded::kSignal);
  EXPECT_TRUE(process_is_gone(static_cast<pid_t>(started.pid())));
  EXPECT_TRUE(wait_until(
      [&] { return f.side.count(&lightning::v1::WorkerReport::has_heartbeat) >= 1; }, kWait));

  f.side.send(shutdown_command());
  const ExitStatus exit = worker->wait(kWait);
  EXPECT_EQ(exit.exit_code, 0) << exit << worker->stderr_text();
  EXPECT_FALSE(contains(worker->stderr_text(), f.token));
  EXPECT_EQ(f.side.locked<int>([&] { return f.side.fetches; }), 1);
}

TEST(WorkerNodeTest, AWorkerRegisteredUnderAnotherIdLogsUnderThatId) {
  // The controller gives a second worker of a name in use the id name-<pid>.
  Fixture f;
  std::filesystem::create_directories(f.run_dir);
  f.side.worker_id = "node1-4242";
  auto worker = start_worker(f.dir / "w1", f.worker_args("node1"));
  ASSERT_TRUE(f.wait_registered(1)) << worker->stderr_text();
  ASSERT_TRUE(wait_until(
      [&] {
        return contains(worker->stderr_text(),
                        "lightning-worker[node1-4242] info: registered with the controller at");
      },
      kWait))
      << worker->stderr_text();
  // Lines before the controller answered carry the name it asked for.
  EXPECT_TRUE(contains(worker->stderr_text(), "lightning-worker[node1] info:"))
      << worker->stderr_text();
}

TEST(WorkerNodeTest, AWorkerPrunesTheNodesAppCacheToItsLimitKeepingTheBinaryItRuns) {
  Fixture f;
  std::filesystem::create_directories(f.run_dir);
  // An earlier run's binary (4 MiB) in the node's cache, last used long ago.
  const std::string stale = f.work_dir + "/apps/" + std::string(64, 'a');
  std::filesystem::create_directories(f.work_dir + "/apps");
  write_file(stale, std::string(4 << 20, 'x'));
  std::vector<std::string> args = f.worker_args("node1");
  args.insert(args.end(), {"--app-cache-gb", "0.001"});  // 1 MiB: only what runs stays
  auto worker = start_worker(f.dir / "w1", args);
  ASSERT_TRUE(f.wait_registered(1)) << worker->stderr_text();
  ASSERT_TRUE(
      wait_until([&] { return contains(worker->stderr_text(), "removed 1 app binaries"); }, kWait))
      << worker->stderr_text();
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(f.work_dir + "/apps/" + f.side.sha256()))
      << "the binary the worker runs is in use, whatever the limit";
  f.side.send(launch_command(61, 1, f.server.address(), f.run_dir));
  EXPECT_TRUE(wait_until([&] { return f.side.started(61).has_value(); }, kWait))
      << worker->stderr_text();
}

TEST(WorkerNodeTest, ASecondWorkerOnTheNodeUsesTheCachedBinary) {
  Fixture f;
  std::filesystem::create_directories(f.run_dir);
  auto first = start_worker(f.dir / "w1", f.worker_args("node1"));
  ASSERT_TRUE(f.wait_registered(1));
  ASSERT_TRUE(
      wait_until([&] { return file_exists(f.work_dir + "/apps/" + f.side.sha256()); }, kWait))
      << first->stderr_text();
  auto second = start_worker(f.dir / "w2", f.worker_args("node2"));
  ASSERT_TRUE(f.wait_registered(2)) << second->stderr_text();
  ASSERT_TRUE(
      wait_until([&] { return contains(second->stderr_text(), "is in the node's cache"); }, kWait))
      << second->stderr_text();
  f.side.send(shutdown_command());  // taken by one of the two sessions
  f.side.send(shutdown_command());
  const ExitStatus first_exit = first->wait(kWait);
  const ExitStatus second_exit = second->wait(kWait);
  EXPECT_EQ(first_exit.exit_code, 0) << first->stderr_text();
  EXPECT_EQ(second_exit.exit_code, 0) << second->stderr_text();
  EXPECT_EQ(f.side.locked<int>([&] { return f.side.fetches; }), 1);
}

TEST(WorkerNodeTest, WorkersStartingTogetherOnOneNodeFetchTheBinaryOnce) {
  Fixture f;
  std::vector<std::unique_ptr<AppProcess>> workers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(
        start_worker(f.dir / ("w" + std::to_string(i)), f.worker_args("node" + std::to_string(i))));
  }
  auto has_app = [](AppProcess& w) {
    const std::string err = w.stderr_text();
    return contains(err, "fetched the app binary") || contains(err, "is in the node's cache");
  };
  for (auto& w : workers) {
    ASSERT_TRUE(wait_until([&] { return has_app(*w); }, kWait)) << w->stderr_text();
  }
  EXPECT_EQ(f.side.locked<int>([&] { return f.side.fetches; }), 1);
  int fetched = 0;
  for (auto& w : workers) fetched += contains(w->stderr_text(), "fetched the app binary") ? 1 : 0;
  EXPECT_EQ(fetched, 1);
  for (size_t i = 0; i < workers.size(); ++i) f.side.send(shutdown_command());
  for (auto& w : workers) EXPECT_EQ(w->wait(kWait).exit_code, 0) << w->stderr_text();
  // Nothing left behind but the binary and its download and use locks.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(f.work_dir + "/apps")) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{f.side.sha256(), f.side.sha256() + ".lock",
                                             f.side.sha256() + ".use"}));
}

TEST(WorkerNodeTest, AWrongTokenMakesTheWorkerExitWithCode2) {
  Fixture f;
  const std::string wrong = write_token(f.dir, "not-the-token");
  auto args = f.worker_args("node1");
  args[3] = wrong;
  auto worker = start_worker(f.dir / "w1", args);
  const ExitStatus exit = worker->wait(kWait);
  EXPECT_EQ(exit.exit_code, 2) << exit << worker->stderr_text();
  EXPECT_TRUE(contains(worker->stderr_text(), "refused the token in " + wrong))
      << worker->stderr_text();
  EXPECT_FALSE(contains(worker->stderr_text(), "not-the-token"));
}

TEST(WorkerNodeTest, ATokenFileOthersCanReadIsRefused) {
  Fixture f;
  chmod(f.token_file.c_str(), 0644);
  auto worker = start_worker(f.dir / "w1", f.worker_args("node1"));
  const ExitStatus exit = worker->wait(kWait);
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_TRUE(contains(worker->stderr_text(), "chmod 600")) << worker->stderr_text();
  EXPECT_EQ(f.side.locked<int>(
                [&] { return f.side.refused + static_cast<int>(f.side.registrations.size()); }),
            0);
}

TEST(WorkerNodeTest, AnUnreachableControllerIsRetriedUntilTheConnectTimeout) {
  TempDir dir;
  const std::string token_file = write_token(dir, "t");
  // A port nobody listens on: bind one, then close it.
  FakeControllerSide side("t", LIGHTNING_WORKER_APP);
  std::string address;
  {
    FakeServer s(side);
    address = s.address();
  }
  auto worker =
      start_worker(dir / "w", {"--controller", address, "--token-file", token_file, "--work-dir",
                               dir / "work", "--gpus", "none", "--connect-timeout", "0.5"});
  const ExitStatus exit = worker->wait(kWait);
  EXPECT_EQ(exit.exit_code, 1) << exit;
  EXPECT_TRUE(contains(worker->stderr_text(), "cannot reach the controller at " + address))
      << worker->stderr_text();
}

TEST(WorkerNodeTest, LosingTheControllerKillsTheWorksAfterTheGraceAndExits3) {
  Fixture f;
  f.side.controller_grace_ms = 300;
  std::filesystem::create_directories(f.run_dir);
  auto worker = start_worker(f.dir / "w1", f.worker_args("node1"));
  ASSERT_TRUE(f.wait_registered(1)) << worker->stderr_text();
  f.side.send(launch_command(21, 1, f.server.address(), f.run_dir));
  ASSERT_TRUE(wait_until([&] { return f.side.started(21).has_value(); }, kWait))
      << worker->stderr_text();
  const int64_t work_pid = f.side.started(21)->pid();
  f.server.stop();  // the controller is gone (and so is the work's stream)
  const ExitStatus exit = worker->wait(kWait);
  EXPECT_EQ(exit.exit_code, 3) << exit << worker->stderr_text();
  EXPECT_TRUE(contains(worker->stderr_text(), "lost the controller")) << worker->stderr_text();
  EXPECT_TRUE(contains(worker->stderr_text(), "unreachable for 300 ms")) << worker->stderr_text();
  EXPECT_TRUE(wait_process_gone(static_cast<pid_t>(work_pid), kWait));
}

TEST(WorkerNodeTest, AControllerBackWithinTheGraceGetsTheWorkerBackAndKillRunningEndsOldWorks) {
  Fixture f;
  f.side.controller_grace_ms = 20000;
  std::filesystem::create_directories(f.run_dir);
  // The works dial a server of their own, which stays up (a service object of
  // its own too: gRPC services are not shared between live servers).
  FakeControllerSide works_side(f.token, LIGHTNING_WORKER_APP);
  FakeServer works_server(works_side);
  auto worker = start_worker(f.dir / "w1", f.worker_args("node1"));
  ASSERT_TRUE(f.wait_registered(1)) << worker->stderr_text();
  f.side.send(launch_command(41, 3, works_server.address(), f.run_dir));
  ASSERT_TRUE(wait_until(
      [&] { return works_side.locked<bool>([&] { return !works_side.hellos.empty(); }); }, kWait))
      << worker->stderr_text();
  // The hello may come before the worker's ProcessStarted report.
  ASSERT_TRUE(wait_until([&] { return f.side.started(41).has_value(); }, kWait));
  const auto work_pid = static_cast<pid_t>(f.side.started(41)->pid());
  const std::string address = f.server.address();
  f.side.kill_running = true;  // as the scheduler says after declaring the worker lost
  f.server.stop();
  ASSERT_TRUE(
      wait_until([&] { return contains(worker->stderr_text(), "lost the controller"); }, kWait))
      << worker->stderr_text();
  EXPECT_FALSE(process_is_gone(work_pid))  // the works outlive the controller's absence
      << worker->stderr_text();
  FakeServer back(f.side, address);
  ASSERT_TRUE(f.wait_registered(2)) << worker->stderr_text();
  EXPECT_EQ(f.side.locked<std::string>([&] { return f.side.registrations[1].name(); }), "node1");
  ASSERT_TRUE(wait_until([&] { return f.side.ended(41).has_value(); }, kWait))
      << worker->stderr_text();
  EXPECT_EQ(f.side.ended(41)->attempt(), 3u);
  EXPECT_TRUE(f.side.ended(41)->signal_from_runtime());
  EXPECT_TRUE(wait_process_gone(work_pid, kWait));
  EXPECT_TRUE(contains(worker->stderr_text(), "re-joined the controller")) << worker->stderr_text();
  f.side.send(shutdown_command());
  const ExitStatus exit = worker->wait(kWait);
  EXPECT_EQ(exit.exit_code, 0) << exit << worker->stderr_text();
}

TEST(WorkerNodeTest, SigtermDrainsRefusesNewLaunchesStopsTheWorksAndExits0) {
  Fixture f;
  std::filesystem::create_directories(f.run_dir);
  auto args = f.worker_args("node1");
  args.back() = "1";  // --drain-grace
  auto worker = start_worker(f.dir / "w1", args);
  ASSERT_TRUE(f.wait_registered(1)) << worker->stderr_text();
  auto launch = launch_command(31, 1, f.server.address(), f.run_dir);
  (*launch.mutable_launch()->mutable_request()->mutable_env())["WORKER_APP_IGNORE_SIGTERM"] = "1";
  f.side.send(launch);
  // It ignores SIGTERM (once built, so after its Hello): it stays until the
  // SIGKILL at the end of the drain grace, and the worker keeps draining.
  ASSERT_TRUE(wait_until(
      [&] { return f.side.locked<bool>([&] { return !f.side.hellos.empty(); }); }, kWait))
      << worker->stderr_text();
  ASSERT_TRUE(wait_until([&] { return f.side.started(31).has_value(); }, kWait));
  const auto work_pid = static_cast<pid_t>(f.side.started(31)->pid());
  worker->send_signal(SIGTERM);
  ASSERT_TRUE(wait_until(
      [&] { return f.side.count(&lightning::v1::WorkerReport::has_draining) > 0; }, kWait));
  const auto draining = f.side.reports_where([](const auto& r) { return r.has_draining(); })[0];
  EXPECT_TRUE(contains(draining.draining().reason(), "SIGTERM"));
  EXPECT_GT(draining.draining().deadline_unix_us(), 0);
  f.side.send(launch_command(32, 1, f.server.address(), f.run_dir));
  ASSERT_TRUE(wait_until([&] { return f.side.ended(32).has_value(); }, kWait))
      << worker->stderr_text();
  EXPECT_TRUE(contains(f.side.ended(32)->error(), "worker 'node1' is draining"))
      << f.side.ended(32)->error();
  EXPECT_FALSE(f.side.started(32).has_value());
  const ExitStatus exit = worker->wait(kWait);
  EXPECT_EQ(exit.exit_code, 0) << exit << worker->stderr_text();
  ASSERT_TRUE(f.side.ended(31).has_value());
  EXPECT_TRUE(f.side.ended(31)->signal_from_runtime());
  EXPECT_EQ(f.side.ended(31)->signal(), SIGKILL);
  EXPECT_TRUE(process_is_gone(work_pid));
}

}  // namespace
