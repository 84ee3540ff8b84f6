// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Storage benchmark (docs/benchmarks.md, bench/storage.sh): how fast a
// lightning::Path reaches another work.
//   bench_storage [flags] -- big <MiB> separate|shared
//       one file of <MiB> MiB from a producer to a consumer; prints the
//       producer's commit time and the consumer's local() time (separate: the
//       consumer's own cache, filled over gRPC from the artifact store;
//       shared: one cache, a hard link).
//   bench_storage [flags] -- small <rounds>
//       a 4 KiB Path, <rounds> times: from the flow seeing the producer's call
//       succeed to the consumer's local() having returned (consumer process
//       already up, separate caches).
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <lightning/lightning.hpp>
#include <string>
#include <vector>

namespace {

using lightning::Flow;
using lightning::Json;
using lightning::Path;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string arg(size_t i) {
  const auto& a = lightning::app_args();
  return i < a.size() ? a[i] : std::string();
}

WorkOptions cache_at(bool separate, const std::string& node) {
  WorkOptions o;
  o.parallel(false);
  if (separate) o.env({{"LIGHTNING_CACHE_DIR", lightning::run_dir() + "/" + node}});
  return o;
}

/// Writes `mib` MiB (or `bytes`) of non-repeating bytes into one file.
struct Producer : Work {
  State<Path> out{this, "out"};
  State<int64_t> ran_until_ns{this, "ran_until_ns", 0};
  void run(const Json& args) override {
    const uint64_t bytes = args.at("bytes").get<uint64_t>();
    Path p("data/" + args.value("name", std::string("blob.bin")));
    ::unlink(p.local().c_str());  // a committed file is read-only and shared: never rewrite it
    const int fd = ::open(p.local().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<uint64_t> block(1 << 17);  // 1 MiB
    uint64_t x = static_cast<uint64_t>(args.value("seed", 1));
    for (uint64_t done = 0; done < bytes;) {
      for (auto& w : block) w = (x = x * 6364136223846793005ull + 1442695040888963407ull);
      const size_t n = static_cast<size_t>(std::min<uint64_t>(bytes - done, block.size() * 8));
      if (::write(fd, block.data(), n) != static_cast<ssize_t>(n))
        throw std::runtime_error("write");
      done += n;
    }
    ::close(fd);
    out = p;
    ran_until_ns = now_ns();  // the commit (hashing, linking) follows run()
  }
};

struct Consumer : Work {
  State<int64_t> local_ns{this, "local_ns", 0};
  State<int64_t> done_at_ns{this, "done_at_ns", 0};
  void run(const Json& args) override {
    if (!args.contains("in")) return;  // warm-up: start the process
    const Path p = args.at("in").get<Path>();
    const int64_t t0 = now_ns();
    (void)p.local();
    done_at_ns = now_ns();
    local_ns = done_at_ns - t0;
  }
};

struct BigRoot : Flow {
  bool separate = arg(2) != "shared";
  Producer& producer = add_work<Producer>("producer", cache_at(separate, "node_a"));
  Consumer& consumer = add_work<Consumer>("consumer", cache_at(separate, "node_b"));
  int64_t succeeded_seen_ns = 0;
  void run() override {
    const uint64_t bytes = std::stoull(arg(1)) << 20;
    consumer.call();  // warm-up: the consumer's process is up before the Path exists
    producer.call({{"bytes", bytes}});
    if (succeeded_seen_ns == 0) succeeded_seen_ns = now_ns();
    consumer.call({{"in", producer.out.get()}});
    std::printf(
        "storage big: %llu MiB, %s caches: producer commit %.1f ms (after run() until the "
        "flow saw success), consumer local() %.2f ms = %.2f GB/s\n",
        static_cast<unsigned long long>(bytes >> 20), separate ? "separate" : "shared",
        (succeeded_seen_ns - producer.ran_until_ns.get()) / 1e6, consumer.local_ns.get() / 1e6,
        static_cast<double>(bytes) / static_cast<double>(consumer.local_ns.get()));
    std::fflush(stdout);
    stop();
  }
};

struct SmallRoot : Flow {
  Producer& producer = add_work<Producer>("producer", cache_at(true, "node_a"));
  Consumer& consumer = add_work<Consumer>("consumer", cache_at(true, "node_b"));
  int rounds = std::stoi(arg(1));
  int round = 0;
  int64_t seen_ns = 0;
  std::vector<double> latency_ms, local_ms;
  void run() override {
    consumer.call();  // warm-up: the consumer's process is up before round 0
    while (round < rounds) {
      const Json pargs = {{"bytes", 4096}, {"name", "small.bin"}, {"seed", round + 1}};
      producer.call(pargs);
      if (seen_ns == 0) seen_ns = now_ns();
      consumer.call({{"in", producer.out.get()}, {"round", round}});
      latency_ms.push_back((consumer.done_at_ns.get() - seen_ns) / 1e6);
      local_ms.push_back(consumer.local_ns.get() / 1e6);
      seen_ns = 0;
      ++round;
    }
    std::sort(latency_ms.begin(), latency_ms.end());
    std::sort(local_ms.begin(), local_ms.end());
    auto pct = [](const std::vector<double>& v, double q) {
      return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
    };
    std::printf(
        "storage small: 4 KiB Path, %d rounds, separate caches: producer succeeded -> "
        "consumer has it p50 %.3f ms p90 %.3f ms max %.3f ms; of which local() p50 %.3f ms\n",
        rounds, pct(latency_ms, 0.5), pct(latency_ms, 0.9), latency_ms.back(), pct(local_ms, 0.5));
    std::fflush(stdout);
    stop();
  }
};

}  // namespace

int main(int argc, char** argv) {
  return lightning::run_app(argc, argv, []() -> std::unique_ptr<Flow> {
    if (arg(0) == "big") return std::make_unique<BigRoot>();
    if (arg(0) == "small") return std::make_unique<SmallRoot>();
    throw std::invalid_argument(
        "usage: bench_storage -- big <MiB> separate|shared | small <rounds>");
  });
}
