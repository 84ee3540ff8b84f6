// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app for what the HTTP API shows of a running app (observe_api_test.cpp):
// components, logs, published URLs, metrics. Runs until it is stopped.
// Usage: observe_app [flags] -- works
//   printer: prints "line 0".."line 9" and succeeds (one call).
//   server:  listens on a free loopback port, publishes its URL, then prints
//            "tick N" every 10 ms until stopped.
//   flaky:   (retries 1) prints "first attempt", waits for <run dir>/go, then
//            exits with code 3; its retry (a new process) prints "second
//            attempt" and succeeds.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "app_support.hpp"

namespace {

using lightning::Flow;
using lightning::Json;
using lightning::Work;
using lightning::WorkOptions;

struct Printer : Work {
  void run(const Json&) override {
    for (int i = 0; i < 10; ++i) std::printf("line %d\n", i);
    std::fflush(stdout);
  }
};

struct Server : Work {
  void run(const Json&) override {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, 16) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen");
    }
    publish_url("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
    for (int i = 0; !lightning::stop_requested(); ++i) {
      std::printf("tick %d\n", i);
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::close(fd);
  }
};

struct Flaky : Work {
  void run(const Json&) override {
    const std::string marker = lightning::run_dir() + "/flaky-started";
    if (!integ_app::file_exists(marker)) {
      integ_app::write_file(marker, "1");
      std::printf("first attempt\n");
      std::fflush(stdout);
      const std::string go = lightning::run_dir() + "/go";
      while (!integ_app::file_exists(go)) {
        if (lightning::stop_requested()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      std::_Exit(3);
    }
    std::printf("second attempt\n");
    std::fflush(stdout);
  }
};

struct Works : Flow {
  Printer& printer = add_work<Printer>("printer", WorkOptions().parallel(true));
  Server& server = add_work<Server>(
      "server", WorkOptions().parallel(true).grace_period(std::chrono::milliseconds(2000)));
  Flaky& flaky = add_work<Flaky>(
      "flaky", WorkOptions().parallel(true).retries(1).retry_backoff(std::chrono::milliseconds(0)));
  void run() override {
    printer.call();
    server.call();
    flaky.call();
  }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv, {{"works", integ_app::scenario<Works>()}});
}
