// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// `--cluster workers` end to end (apps/cluster_app.cpp): a real app, real
// lightning-worker processes on this machine, each with its own fake GPUs
// and work directory, real gRPC over loopback.
//  - GPU works get distinct CUDA_VISIBLE_DEVICES per worker;
//  - a work asking for more GPUs than any worker has is pending with the
//    scheduler's reason in its status;
//  - `kill -9` of the worker running a call: the worker is declared lost
//    after its heartbeat timeout, the call is retried on another worker and
//    the app succeeds;
//  - a worker with a wrong token is refused, and the refusal is logged with
//    its address, never the token;
//  - FetchApp with a plain gRPC client: the binary's hash and size, a wrong
//    token refused;
//  - TLS (certificates made by openssl, tests/common/tls_certs.hpp): a TLS
//    app and a TLS worker run a work that fetches a Payload over TLS; a
//    worker whose certificate another CA signed, one with no certificate,
//    one without --tls-ca, one checking another name and one with a wrong
//    token are each refused with the reason and exit 2 at once, while the app
//    keeps running and its work stays pending; a TLS worker against an app
//    without TLS likewise; local works dial over TLS too; a key others may
//    read stops the app at start.
// The tests that need lightning-worker skip themselves while it is not built
// (LIGHTNING_WORKER_EXE empty, in the build and the environment). A few seconds each.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api_app.hpp"
#include "common/tls_certs.hpp"
#include "lightning/v1/cluster.grpc.pb.h"
#include "storage/sha256.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

constexpr milliseconds kWait{20000};
const std::string kToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The lightning-worker built with this tree, or $LIGHTNING_WORKER_EXE (another build's).
std::string worker_exe() {
  const char* env = std::getenv("LIGHTNING_WORKER_EXE");
  return env != nullptr && *env != '\0' ? env : LIGHTNING_WORKER_EXE;
}

bool have_worker() { return !worker_exe().empty(); }

/// The cluster flags of every app here: loopback, a 2 s heartbeat timeout.
std::vector<std::string> cluster_flags(const std::string& token_file) {
  return {"--port",
          "0",
          "--cluster",
          "workers",
          "--listen",
          "127.0.0.1:0",
          "--worker-token-file",
          token_file,
          "--worker-heartbeat-timeout",
          "2",
          "--quiet-works"};
}

/// The address the app logs for workers ("workers join at 127.0.0.1:PORT (...").
std::string join_address(ApiApp& app) {
  std::string address;
  wait_until(
      [&] {
        const std::string err = app.process().stderr_text();
        const auto at = err.find("workers join at ");
        if (at == std::string::npos) return false;
        const auto start = at + std::string("workers join at ").size();
        address = err.substr(start, err.find(' ', start) - start);
        return true;
      },
      kWait);
  return address;
}

/// A lightning-worker on this machine: `--gpus gpus`, its own work dir.
struct Worker {
  std::string name;
  std::string work_dir;
  std::unique_ptr<AppProcess> process;
};

Worker start_worker(const TempDir& dir, const std::string& name, const std::string& controller,
                    const std::string& token_file, const std::string& gpus,
                    const std::vector<std::string>& more = {}) {
  Worker w;
  w.name = name;
  w.work_dir = dir / name;
  std::filesystem::create_directories(w.work_dir);
  std::vector<std::string> args{"--controller", controller,   "--token-file", token_file, "--name",
                                name,           "--work-dir", w.work_dir,     "--gpus",   gpus,
                                "--cpus",       "4",          "--memory-gb",  "4"};
  args.insert(args.end(), more.begin(), more.end());
  w.process = std::make_unique<AppProcess>(worker_exe(), args, w.work_dir);
  return w;
}

/// GET /api/v1/workers: the workers by name.
std::map<std::string, Json> workers_by_name(ApiApp& app) {
  std::map<std::string, Json> out;
  const Json j = app.get_json("/api/v1/workers");
  if (!j.is_object() || !j.contains("workers")) return out;
  for (const Json& w : j.at("workers")) out[w.value("name", "")] = w;
  return out;
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_worker()) {
      GTEST_SKIP() << "lightning-worker is not built on this branch (helper A's src/node/); "
                      "these tests run once it is";
    }
    token_file_ = dir_ / "worker-token";
    write_file(token_file_, kToken + "\n");
    ::chmod(token_file_.c_str(), 0600);
  }
  TempDir dir_;
  std::string token_file_;
};

TEST_F(ClusterTest, GpuWorksGetDistinctGpusPerWorkerAndAWorkTooLargeIsPendingWithTheReason) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"gpus"}, cluster_flags(token_file_));
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  std::vector<Worker> workers;
  workers.reserve(3);
  for (int i = 0; i < 3; ++i) {
    workers.push_back(start_worker(dir_, "node" + std::to_string(i), address, token_file_, "0,1"));
  }
  ASSERT_TRUE(wait_until([&] { return workers_by_name(app).size() == 3; }, kWait))
      << app.get("/api/v1/workers").body << app.describe();
  const auto listed = workers_by_name(app);
  EXPECT_EQ(listed.at("node1").at("resources").at("gpus").size(), 2u);
  EXPECT_EQ(listed.at("node1").at("id"), "node1");
  ASSERT_EQ(app.patch_state(app.get_json("/api/v1/state").at("version").get<uint64_t>(),
                            R"([{"op":"replace","path":"/vars/go","value":true}])")
                .status,
            200)
      << app.describe();
  // While `huge` waits, GET /api/v1/components says where each work ran (the
  // worker, its host, the GPUs pinned to it) and why `huge` waits.
  ASSERT_TRUE(wait_until(
      [&] {
        const Json s = app.get_json("/api/v1/state");
        return s.is_object() &&
               !s.at("state").at("vars").at("huge_reason").get<std::string>().empty();
      },
      kWait))
      << app.describe();
  std::map<std::string, Json> nodes;
  const Json components = app.get_json("/api/v1/components");
  ASSERT_TRUE(components.is_object()) << app.get("/api/v1/components").body;
  for (const Json& w : components.at("root").at("works")) {
    nodes[w.at("name").get<std::string>()] = w;
  }
  ASSERT_EQ(app.patch_state(app.get_json("/api/v1/state").at("version").get<uint64_t>(),
                            R"([{"op":"replace","path":"/vars/finish","value":true}])")
                .status,
            200)
      << app.describe();
  const ExitStatus status = app.process().wait(kWait);
  ASSERT_EQ(status.exit_code, 0) << status << app.describe();
  const Json state = read_json(app.run_dir() + "/state.json").at("state");
  ASSERT_EQ(nodes.count("huge"), 1u) << components.dump();
  EXPECT_TRUE(nodes.at("huge").at("worker").is_null()) << nodes.at("huge").dump();
  EXPECT_EQ(nodes.at("huge").at("gpus"), Json::array());
  EXPECT_EQ(nodes.at("huge").at("message"), "no worker has 8 GPUs (largest: 2)");
  for (int i = 0; i < 6; ++i) {
    const std::string name = "g" + std::to_string(i);
    const Json& node = nodes.at(name);
    const Json& vars = state.at("works").at(name).at("vars");
    ASSERT_TRUE(node.at("worker").is_string()) << node.dump();
    const std::string worker = node.at("worker");
    // The work's cache dir is under its worker's --work-dir (dir/<name>/...).
    EXPECT_NE(vars.at("worker").get<std::string>().find("/" + worker + "/"), std::string::npos)
        << name << " ran in " << vars.at("worker") << ", the API says on " << worker;
    ASSERT_EQ(listed.count(worker), 1u) << worker << " is not among the workers: " << node.dump();
    EXPECT_EQ(node.at("host"), listed.at(worker).at("hostname")) << node.dump();
    EXPECT_EQ(node.at("gpus"), Json::array({std::stoi(vars.at("cvd").get<std::string>())}))
        << node.dump() << " saw CUDA_VISIBLE_DEVICES=" << vars.at("cvd");
  }
  // Each (worker, GPU) held by one work at a time; every work saw one GPU.
  struct Use {
    int64_t start, end;
    std::string work;
  };
  std::map<std::pair<std::string, std::string>, std::vector<Use>> uses;
  std::set<std::string> on_workers;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "g" + std::to_string(i);
    const Json& vars = state.at("works").at(name).at("vars");
    const std::string cvd = vars.at("cvd");
    EXPECT_TRUE(cvd == "0" || cvd == "1") << name << " saw CUDA_VISIBLE_DEVICES='" << cvd << "'";
    const std::string worker = vars.at("worker");
    EXPECT_FALSE(worker.empty()) << name << " ran outside a worker";
    on_workers.insert(worker);
    uses[{worker, cvd}].push_back({vars.at("start_us"), vars.at("end_us"), name});
  }
  EXPECT_GE(on_workers.size(), 2u) << "six one-GPU works fit on no single 2-GPU worker at once";
  for (const auto& [key, list] : uses) {
    for (size_t a = 0; a < list.size(); ++a) {
      for (size_t b = a + 1; b < list.size(); ++b) {
        const bool overlap = list[a].start < list[b].end && list[b].start < list[a].end;
        EXPECT_FALSE(overlap) << list[a].work << " and " << list[b].work << " held GPU "
                              << key.second << " of " << key.first << " at once";
      }
    }
  }
  const std::string reason = state.at("vars").at("huge_reason");
  EXPECT_EQ(reason, "no worker has 8 GPUs (largest: 2)") << app.describe();
}

TEST_F(ClusterTest, AWorkerRunsAtMostMaxProcessesWorksAndIdleOnesMakeRoomForTheRest) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"slots"}, cluster_flags(token_file_));
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  Worker worker =
      start_worker(dir_, "small", address, token_file_, "none", {"--max-processes", "2"});
  const ExitStatus status = app.process().wait(kWait);
  ASSERT_EQ(status.exit_code, 0) << status << app.describe();
  const Json state = read_json(app.run_dir() + "/state.json").at("state");
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int i = 0; i < 6; ++i) {
    const Json& vars = state.at("works").at("s" + std::to_string(i)).at("vars");
    EXPECT_FALSE(vars.at("worker").get<std::string>().empty()) << i << " ran outside the worker";
    runs.emplace_back(vars.at("start_us").get<int64_t>(), vars.at("end_us").get<int64_t>());
  }
  // At no start were more than 2 works running (each run() is inside its process).
  for (const auto& [start, end] : runs) {
    int running = 0;
    for (const auto& [s, e] : runs) running += s <= start && start < e ? 1 : 0;
    EXPECT_LE(running, 2) << "more work processes than --max-processes 2 at once";
  }
  const std::string reason = state.at("vars").at("slot_reason");
  EXPECT_NE(reason.find("no free process slot on any worker (2 work processes on 1 workers, at "
                        "most 2)"),
            std::string::npos)
      << reason << app.describe();
}

TEST_F(ClusterTest, AWorkerKilledMidCallIsLostAndTheCallIsRetriedOnAnother) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"retry"}, cluster_flags(token_file_));
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  std::vector<Worker> workers;
  workers.reserve(2);
  for (int i = 0; i < 2; ++i) {
    workers.push_back(start_worker(dir_, "node" + std::to_string(i), address, token_file_, "0"));
  }
  const std::string running = app.run_dir() + "/victim.running";
  ASSERT_TRUE(wait_until([&] { return file_exists(running); }, kWait)) << app.describe();
  const std::string first_worker = read_file(running);
  Worker* victim_host = nullptr;
  for (Worker& w : workers) {
    if (first_worker.rfind(w.work_dir, 0) == 0) victim_host = &w;
  }
  ASSERT_NE(victim_host, nullptr) << "ran in " << first_worker;
  victim_host->process->send_signal(SIGKILL);
  const ExitStatus status = app.process().wait(kWait);
  ASSERT_EQ(status.exit_code, 0) << status << app.describe();
  const Json state = read_json(app.run_dir() + "/state.json").at("state");
  const Json& vars = state.at("works").at("victim").at("vars");
  EXPECT_EQ(vars.at("attempts_seen"), 2);
  const std::string second_worker = vars.at("worker");
  EXPECT_NE(second_worker, first_worker) << "retried on the lost worker";
  const std::string err = app.process().stderr_text();
  EXPECT_TRUE(contains(err, "work process lost with its worker (worker '" + victim_host->name +
                                "' lost: no heartbeat for"))
      << "the retried attempt's cause; not 'could not start'";
  EXPECT_TRUE(contains(err, "worker '" + victim_host->name + "' lost: no heartbeat for"))
      << app.describe();
}

TEST_F(ClusterTest, AWorkerWithAWrongTokenIsRefusedAndLoggedWithoutTheToken) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"idle"}, cluster_flags(token_file_));
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  const std::string wrong = dir_ / "wrong-token";
  write_file(wrong, std::string(64, 'f') + "\n");
  ::chmod(wrong.c_str(), 0600);
  Worker w = start_worker(dir_, "intruder", address, wrong, "0");
  const ExitStatus ws = w.process->wait(kWait);
  EXPECT_FALSE(ws.timed_out) << "the refused worker did not give up";
  EXPECT_NE(ws.exit_code, 0);
  ASSERT_TRUE(wait_until(
      [&] { return contains(app.process().stderr_text(), "refused: wrong worker token"); }, kWait))
      << app.describe();
  EXPECT_TRUE(workers_by_name(app).empty());
  app.stop();
  const std::string log = read_file(app.run_dir() + "/controller.log");
  EXPECT_FALSE(contains(log, kToken)) << "the token is in controller.log";
  EXPECT_FALSE(contains(log, std::string(64, 'f'))) << "the wrong token is in controller.log";
}

TEST_F(ClusterTest, AWorkerTokenFileOthersMayReadIsRefusedAtStart) {
  const std::string open_file = dir_ / "open-token";
  write_file(open_file, kToken + "\n");
  ::chmod(open_file.c_str(), 0644);
  const AppRun run = run_app(LIGHTNING_CLUSTER_APP, dir_, {"idle"}, cluster_flags(open_file),
                             std::chrono::seconds(20));
  EXPECT_FALSE(run.status.timed_out) << "the app started for workers that would refuse the file";
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "has mode 644: others may read it (chmod 600 " + open_file + ")"))
      << run.describe();
  EXPECT_FALSE(contains(run.err, kToken));
}

// ------------------------------------------------------------------ TLS

class ClusterTlsTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (IsSkipped()) return;
    const std::string certs_dir = dir_ / "certs";
    std::filesystem::create_directories(certs_dir);
    certs_ = lightning::testing::make_test_certificates(certs_dir);
  }
  /// cluster_flags() plus the app's TLS: its certificate for localhost and,
  /// unless `ca` is false, the CA that must sign the workers' certificates.
  std::vector<std::string> tls_flags(bool ca = true) const {
    std::vector<std::string> flags = cluster_flags(token_file_);
    flags.insert(flags.end(), {"--tls-cert", certs_.server_cert, "--tls-key", certs_.server_key});
    if (ca) flags.insert(flags.end(), {"--tls-ca", certs_.ca});
    return flags;
  }
  std::vector<std::string> worker_tls() const {
    return {"--tls-ca",         certs_.ca,   "--tls-cert",
            certs_.worker_cert, "--tls-key", certs_.worker_key};
  }
  lightning::testing::TestCertificates certs_;
};

TEST_F(ClusterTlsTest, AWorkOnATlsWorkerRunsAndFetchesAPayloadOverTls) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"tls"}, tls_flags());
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  // --tls-server-name: the worker dials 127.0.0.1 and checks the name
  // `localhost` in the certificate; its work is told the same.
  std::vector<std::string> flags = worker_tls();
  flags.insert(flags.end(), {"--tls-server-name", "localhost"});
  Worker w = start_worker(dir_, "secure", address, token_file_, "none", flags);
  const ExitStatus status = app.process().wait(kWait);
  ASSERT_EQ(status.exit_code, 0) << status << app.describe() << w.process->stderr_text();
  const Json vars =
      read_json(app.run_dir() + "/state.json").at("state").at("works").at("remote").at("vars");
  // It ran on the worker (its node cache), and its storage client fetched the
  // flow's Payload from the controller: both over TLS, the only thing the
  // controller's port speaks.
  EXPECT_EQ(vars.at("worker").get<std::string>().rfind(w.work_dir, 0), 0u) << vars.dump();
  EXPECT_EQ(vars.at("got"), "bytes that crossed TLS");
  const std::string err = app.process().stderr_text();
  EXPECT_TRUE(
      contains(err, "gRPC over TLS with the certificate " + certs_.server_cert + " (CN=localhost)"))
      << app.describe();
  EXPECT_TRUE(contains(err, "worker 'secure' joined")) << app.describe();
  EXPECT_TRUE(contains(err, "(TLS client certificate CN=worker-1)")) << app.describe();
  const std::string worker_err = w.process->stderr_text();
  EXPECT_TRUE(contains(worker_err, "dialing the controller over TLS")) << worker_err;
  const std::string log = read_file(app.run_dir() + "/controller.log");
  EXPECT_FALSE(contains(log, "PRIVATE KEY")) << "a key is in controller.log";
  EXPECT_FALSE(contains(log, kToken)) << "the token is in controller.log";
}

TEST_F(ClusterTlsTest, WorkersWithTheWrongCertificateNoneNoTlsOrAWrongTokenAreRefusedAtOnce) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"tls"}, tls_flags());
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  const std::string wrong_token = dir_ / "wrong-token";
  write_file(wrong_token, std::string(64, 'f') + "\n");
  ::chmod(wrong_token.c_str(), 0600);
  struct Case {
    std::string name;
    std::string token_file;
    std::vector<std::string> flags;
    std::string worker_says;  // in its stderr
    std::string app_says;     // in the app's stderr; empty: nothing of its own
  };
  const std::vector<Case> cases = {
      // (b) a client certificate signed by another CA: the handshake fails.
      {"other-ca",
       token_file_,
       {"--tls-ca", certs_.ca, "--tls-cert", certs_.other_cert, "--tls-key", certs_.other_key},
       "refused this worker's TLS certificate in the handshake",
       ""},
      // (c) no client certificate: Join refuses it, saying why, and logs it.
      {"no-cert",
       token_file_,
       {"--tls-ca", certs_.ca},
       "refused this worker's TLS certificate: no verified TLS client certificate",
       "worker 'no-cert' at ipv4:127.0.0.1:"},
      // (d) no TLS at all against a TLS app: said at once, not a retry loop.
      {"plain", token_file_, {}, "speaks TLS, and this worker dials without it", ""},
      // (e) a good certificate and a wrong token: the token still counts.
      {"bad-token", wrong_token, worker_tls(), "refused the token in " + wrong_token,
       "worker 'bad-token' at ipv4:127.0.0.1:"},
      // The controller's certificate does not name what the worker checks.
      {"wrong-name",
       token_file_,
       {"--tls-ca", certs_.ca, "--tls-cert", certs_.worker_cert, "--tls-key", certs_.worker_key,
        "--tls-server-name", "head.example"},
       "is not trusted (hostname mismatch): it must be signed by --tls-ca " + certs_.ca +
           " and name head.example",
       ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto start = Clock::now();
    // --connect-timeout far above what the refusal may take: it must not be what ends it.
    std::vector<std::string> flags = c.flags;
    flags.insert(flags.end(), {"--connect-timeout", "30"});
    Worker w = start_worker(dir_, c.name, address, c.token_file, "none", flags);
    const ExitStatus ws = w.process->wait(kWait);
    EXPECT_FALSE(ws.timed_out) << "the refused worker did not give up";
    EXPECT_EQ(ws.exit_code, 2) << ws << w.process->stderr_text();
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(10)) << "refused only by the timeout";
    EXPECT_TRUE(contains(w.process->stderr_text(), c.worker_says)) << w.process->stderr_text();
    if (!c.app_says.empty()) {
      EXPECT_TRUE(
          wait_until([&] { return contains(app.process().stderr_text(), c.app_says); }, kWait))
          << app.describe();
    }
  }
  const std::string err = app.process().stderr_text();
  EXPECT_TRUE(contains(err, "refused: no verified TLS client certificate")) << app.describe();
  EXPECT_TRUE(contains(err, "refused: wrong worker token")) << app.describe();
  // The app keeps running; nobody joined, so its work is still pending.
  EXPECT_FALSE(app.process().has_exited()) << app.describe();
  EXPECT_TRUE(workers_by_name(app).empty());
  const Json state = app.get_json("/api/v1/state");
  EXPECT_EQ(state.at("state").at("works").at("remote").at("status").at("stage"), "pending")
      << state.dump();
  app.stop();
  const std::string log = read_file(app.run_dir() + "/controller.log");
  EXPECT_FALSE(contains(log, kToken));
  EXPECT_FALSE(contains(log, std::string(64, 'f')));
}

TEST_F(ClusterTlsTest, AWorkerWithTlsDiallingAnAppWithoutItIsRefusedAtOnce) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"idle"}, cluster_flags(token_file_));
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  std::vector<std::string> flags = worker_tls();
  flags.insert(flags.end(), {"--connect-timeout", "30"});
  const auto start = Clock::now();
  Worker w = start_worker(dir_, "tls-only", address, token_file_, "none", flags);
  const ExitStatus ws = w.process->wait(kWait);
  EXPECT_EQ(ws.exit_code, 2) << ws << w.process->stderr_text();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10)) << "refused only by the timeout";
  EXPECT_TRUE(contains(w.process->stderr_text(),
                       "does not speak TLS (the app runs without --tls-cert/--tls-key)"))
      << w.process->stderr_text();
  EXPECT_TRUE(workers_by_name(app).empty());
}

TEST_F(ClusterTlsTest, LocalWorksDialTheControllerOverTlsToo) {
  std::vector<std::string> flags = tls_flags();
  flags.emplace_back("--local-worker");
  const AppRun run = run_app(LIGHTNING_CLUSTER_APP, dir_, {"tls"}, flags, std::chrono::seconds(30));
  EXPECT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_TRUE(run.final.is_object()) << run.describe();
  EXPECT_EQ(run.work("remote").at("vars").at("got"), "bytes that crossed TLS") << run.describe();
  EXPECT_TRUE(contains(run.err, "worker 'local' joined")) << run.describe();
}

TEST_F(ClusterTlsTest, AKeyOthersMayReadStopsTheAppAtStartNamingTheFlagAndFile) {
  ::chmod(certs_.server_key.c_str(), 0644);
  const AppRun run =
      run_app(LIGHTNING_CLUSTER_APP, dir_, {"idle"}, tls_flags(), std::chrono::seconds(20));
  EXPECT_FALSE(run.status.timed_out);
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(
      contains(run.err, "cannot serve TLS: --tls-key " + certs_.server_key + " has mode 644"))
      << run.describe();
  EXPECT_FALSE(contains(run.err, "PRIVATE KEY"));
}

// A worker token the app made for its run (no --worker-token-file) is its
// own secret: owner-only while the app runs, and gone once it has ended.
TEST(ClusterTokenTest, TheTokenTheAppMadeIsOwnerOnlyAndRemovedWhenTheAppEnds) {
  ApiApp app(LIGHTNING_CLUSTER_APP, {"idle"},
             {"--port", "0", "--cluster", "workers", "--listen", "127.0.0.1:0", "--quiet-works"});
  ASSERT_FALSE(join_address(app).empty()) << app.describe();
  const std::string token_file = app.run_dir() + "/worker-token";
  struct stat st {};
  ASSERT_EQ(::stat(token_file.c_str(), &st), 0) << app.describe();
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(token_file).size(), 65u) << "64 hex digits and a newline";
  const ExitStatus status = app.stop();
  EXPECT_EQ(status.exit_code, 0) << status << app.describe();
  EXPECT_FALSE(file_exists(token_file)) << "the ended run's token stays behind";
}

// FetchApp needs no worker: a plain gRPC client.
TEST(ClusterFetchAppTest, ServesTheAppBinaryByHashAndRefusesAWrongToken) {
  TempDir dir;
  const std::string token_file = dir / "worker-token";
  write_file(token_file, kToken + "\n");
  ::chmod(token_file.c_str(), 0600);
  ApiApp app(LIGHTNING_CLUSTER_APP, {"idle"}, cluster_flags(token_file));
  const std::string address = join_address(app);
  ASSERT_FALSE(address.empty()) << app.describe();
  auto stub =
      v1::WorkerPool::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  const Result<std::string> want = storage::sha256_of_file(LIGHTNING_CLUSTER_APP);
  ASSERT_TRUE(want.ok()) << want.status().message();
  const auto size = static_cast<int64_t>(std::filesystem::file_size(LIGHTNING_CLUSTER_APP));

  auto fetch = [&](const std::string& token, const std::string& sha, int64_t offset,
                   std::string* data, int64_t* total) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kWait);
    v1::FetchAppRequest req;
    req.set_token(token);
    req.set_sha256(sha);
    req.set_offset(offset);
    auto reader = stub->FetchApp(&ctx, req);
    v1::AppChunk chunk;
    while (reader->Read(&chunk)) {
      EXPECT_LE(chunk.data().size(), size_t{1} << 20);
      data->append(chunk.data());
      *total = chunk.total_size();
    }
    return reader->Finish();
  };
  // The hash is computed when the first worker registers (or the first
  // FetchApp comes, answered UNAVAILABLE until it is known).
  std::string data;
  int64_t total = 0;
  grpc::Status st;
  ASSERT_TRUE(wait_until(
      [&] {
        data.clear();
        st = fetch(kToken, *want, 0, &data, &total);
        return st.error_code() != grpc::StatusCode::UNAVAILABLE;
      },
      kWait))
      << st.error_message();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(total, size);
  EXPECT_EQ(static_cast<int64_t>(data.size()), size);
  EXPECT_EQ(storage::sha256_hex(data), *want);
  // From an offset: the rest.
  std::string tail;
  ASSERT_TRUE(fetch(kToken, *want, size - 100, &tail, &total).ok());
  EXPECT_EQ(tail, data.substr(static_cast<size_t>(size - 100)));

  std::string none;
  EXPECT_EQ(fetch(std::string(64, '0'), *want, 0, &none, &total).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(fetch(kToken, std::string(64, 'a'), 0, &none, &total).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(contains(app.process().stderr_text(), "FetchApp from ")) << app.describe();
  EXPECT_FALSE(contains(read_file(app.run_dir() + "/controller.log"), kToken));
}

}  // namespace
}  // namespace lightning::integration
