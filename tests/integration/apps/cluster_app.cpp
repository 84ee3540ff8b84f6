// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for `--cluster workers` (cluster_test.cpp): works placed on
// lightning-workers that each declare their own fake GPUs.
// Usage: cluster_app [flags] -- <scenario>
//   gpus   once the test sets `go` (POST /api/v1/state), six works asking for
//          one GPU each run at once; each records the CUDA_VISIBLE_DEVICES and
//          the worker (its LIGHTNING_CACHE_DIR, under the worker's --work-dir)
//          it saw and when it ran. Then a work asks for 8 GPUs: the flow
//          records its pending reason, and stops the app once the test sets
//          `finish` (the test reads GET /api/v1/components meanwhile).
//   retry  `victim` (retries(1)) blocks on its first attempt (the test kills
//          its worker with SIGKILL) and succeeds on the second; the app ends
//          when it has.
//   idle   nothing runs until the test stops the app (wrong-token workers).
//   slots  six parallel works that ask for nothing, each holding 100 ms, on a
//          worker with --max-processes 2: the flow records the first pending
//          reason that names the process slots; the app ends when all
//          succeeded.
//   tls    `remote` gets a Payload the flow made (its bytes are fetched from
//          the controller's ObjectStore by the work's storage client) and
//          records it and where it ran; the app ends when it has succeeded.
//          With TLS, the work, its storage client and the worker all dial
//          the controller over TLS (the server speaks nothing else).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "app_support.hpp"

namespace {

using lightning::Compute;
using lightning::Flow;
using lightning::Json;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct GpuWork : Work {
  State<std::string> cvd{this, "cvd", ""};
  State<std::string> worker{this, "worker", ""};
  State<int64_t> start_us{this, "start_us", 0};
  State<int64_t> end_us{this, "end_us", 0};
  void run(const Json&) override {
    start_us = unix_us();
    cvd = env_or_empty("CUDA_VISIBLE_DEVICES");
    worker = env_or_empty("LIGHTNING_CACHE_DIR");
    // Holds its GPU a little, as real work would, so the works overlap.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    end_us = unix_us();
  }
};

struct Nothing : Work {
  void run(const Json&) override {}
};

struct GpusRoot : Flow {
  static constexpr int kWorks = 6;
  State<bool> go{this, "go", false, lightning::External::kWritable};
  State<bool> finish{this, "finish", false, lightning::External::kWritable};
  State<std::string> huge_reason{this, "huge_reason", ""};
  std::vector<GpuWork*> works;
  Nothing& huge =
      add_work<Nothing>("huge", WorkOptions().parallel(true).compute(Compute().gpus(8)));
  GpusRoot() {
    for (int i = 0; i < kWorks; ++i) {
      works.push_back(&add_work<GpuWork>("g" + std::to_string(i),
                                         WorkOptions().parallel(true).compute(Compute().gpus(1))));
    }
  }
  void run() override {
    if (!go.get()) return;
    bool all_done = true;
    for (GpuWork* w : works) all_done = w->call().has_succeeded() && all_done;
    if (!all_done) return;
    const auto& st = huge.call();
    if (st.reason == "waiting_for_resources" && !st.message.empty()) huge_reason = st.message;
    if (!huge_reason.get().empty() && finish.get()) stop("saw the pending reason of 'huge'");
  }
};

struct Victim : Work {
  State<std::string> worker{this, "worker", ""};
  State<int> attempts_seen{this, "attempts_seen", 0};
  void run(const Json&) override {
    const int n = integ_app::bump_counter(lightning::run_dir() + "/victim.count");
    attempts_seen = n;
    worker = env_or_empty("LIGHTNING_CACHE_DIR");
    if (n == 1) {
      // The first attempt: says where it runs and blocks until its worker is killed.
      integ_app::write_file(lightning::run_dir() + "/victim.running",
                            env_or_empty("LIGHTNING_CACHE_DIR"));
      for (int i = 0; i < 60000 && !lightning::stop_requested(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }
};

struct RetryRoot : Flow {
  Victim& victim = add_work<Victim>(
      "victim", WorkOptions().retries(1).retry_backoff(std::chrono::milliseconds(0)));
  void run() override {
    if (victim.call().has_succeeded()) stop("the victim succeeded");
  }
};

struct SlotsRoot : Flow {
  static constexpr int kWorks = 6;
  State<std::string> slot_reason{this, "slot_reason", ""};
  std::vector<GpuWork*> works;
  SlotsRoot() {
    for (int i = 0; i < kWorks; ++i) {
      works.push_back(&add_work<GpuWork>("s" + std::to_string(i), WorkOptions().parallel(true)));
    }
  }
  void run() override {
    bool all_done = true;
    for (GpuWork* w : works) {
      const auto& st = w->call();
      if (slot_reason.get().empty() && st.message.find("process slot") != std::string::npos) {
        slot_reason = st.message;
      }
      all_done = st.has_succeeded() && all_done;
    }
    if (all_done) stop("all six ran");
  }
};

struct TlsWork : Work {
  State<std::string> worker{this, "worker", ""};
  State<std::string> got{this, "got", ""};
  void run(const Json& args) override {
    worker = env_or_empty("LIGHTNING_CACHE_DIR");
    got = args.at("blob").get<lightning::Payload>().bytes();
  }
};

struct TlsRoot : Flow {
  TlsWork& remote = add_work<TlsWork>("remote");
  std::optional<lightning::Payload> blob;
  void run() override {
    if (!blob) blob = lightning::Payload(std::string("bytes that crossed TLS"));
    if (remote.call({{"blob", *blob}}).has_succeeded()) stop("the remote work succeeded");
  }
};

struct IdleRoot : Flow {
  void run() override {}
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"gpus", integ_app::scenario<GpusRoot>()},
                                  {"retry", integ_app::scenario<RetryRoot>()},
                                  {"idle", integ_app::scenario<IdleRoot>()},
                                  {"slots", integ_app::scenario<SlotsRoot>()},
                                  {"tls", integ_app::scenario<TlsRoot>()}});
}
