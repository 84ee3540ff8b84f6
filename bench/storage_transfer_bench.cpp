// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The object transfer alone (no app, no flow): an ObjectStoreService on a
// Unix socket or loopback TCP in this process, a RemoteObjectFetcher pulling
// one object of <MiB> into an empty cache. Prints MB/s per chunk size, and
// the CPU time the process spent on it (server and client together: user,
// system), which is steadier than wall time on a shared machine.
//   bench_storage_transfer <dir> <MiB> [unix|tcp]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "storage/object_fetcher.hpp"
#include "storage/object_service.hpp"
#include "storage/storage_context.hpp"

using namespace lightning::storage;
namespace fs = std::filesystem;

namespace {

/// This process's CPU time so far (all threads), seconds: {user, system}.
std::pair<double, double> cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return {secs(ru.ru_utime), secs(ru.ru_stime)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR MIB [unix|tcp]\n", argv[0]);
    return 2;
  }
  const fs::path dir = argv[1];
  const uint64_t bytes = std::stoull(argv[2]) << 20;
  const bool tcp = argc > 3 && std::string(argv[3]) == "tcp";
  fs::create_directories(dir);
  const fs::path src = dir / "src.bin";
  {
    std::vector<uint64_t> block(1 << 17);
    uint64_t x = 7;
    FILE* f = std::fopen(src.c_str(), "wb");
    for (uint64_t done = 0; done < bytes; done += block.size() * 8) {
      for (auto& w : block) w = (x = x * 6364136223846793005ull + 1442695040888963407ull);
      std::fwrite(block.data(), 8, block.size(), f);
    }
    std::fclose(f);
  }
  tune_allocator_for_transfers();
  ContentStore store(dir / "store");
  const std::string name = *store.add_file(src);
  ObjectStoreService service(store);
  service.set_credentials("r", "t");
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string listen = tcp ? "127.0.0.1:0" : "unix:" + (dir / "s.sock").string();
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  const std::string address = tcp ? "127.0.0.1:" + std::to_string(port) : listen;
  for (uint32_t chunk : {1u << 20, 4u << 20}) {
    fs::remove_all(dir / "cache");
    ContentStore cache(dir / "cache");
    FetchOptions o;
    o.chunk_size = chunk;
    RemoteObjectFetcher f(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                                    RemoteObjectFetcher::channel_arguments()),
                          "r", "t", o);
    const auto cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const lightning::Status s = f.fetch_into(name, cache);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto cpu1 = cpu_seconds();
    std::printf(
        "transfer %s: %llu MiB, %u KiB chunks: %.3f s = %.2f GB/s; CPU user %.2f s + sys %.2f s "
        "= %.2f s per GiB%s\n",
        tcp ? "tcp loopback" : "unix socket", static_cast<unsigned long long>(bytes >> 20),
        chunk >> 10, secs, static_cast<double>(bytes) / secs / 1e9, cpu1.first - cpu0.first,
        cpu1.second - cpu0.second,
        (cpu1.first - cpu0.first + cpu1.second - cpu0.second) /
            (static_cast<double>(bytes) / (1 << 30)),
        s.ok() ? "" : (" FAILED: " + s.message()).c_str());
  }
  // Small objects: one stream each, with and without the final fsync's share.
  {
    std::vector<double> ms;
    fs::remove_all(dir / "cache");
    ContentStore cache(dir / "cache");
    RemoteObjectFetcher f(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                                    RemoteObjectFetcher::channel_arguments()),
                          "r", "t");
    for (int i = 0; i < 30; ++i) {
      const std::string small =
          *store.add_bytes(std::string(4096, static_cast<char>(i)) + std::to_string(i));
      const auto t0 = std::chrono::steady_clock::now();
      if (!f.fetch_into(small, cache).ok()) return 1;
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf(
        "transfer %s: 4 KiB objects, 30 fetches: p50 %.3f ms, p90 %.3f ms (each ends "
        "with an fsync)\n",
        tcp ? "tcp loopback" : "unix socket", ms[15], ms[27]);
  }
  server->Shutdown();
  fs::remove_all(dir);
  return 0;
}
