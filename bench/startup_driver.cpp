// Measures launch of a compiled app -> its first Flow::run: takes
// CLOCK_MONOTONIC, fork+execs the app, reads "FIRST_RUN <ns>" from its
// stdout. Usage: bench_startup_driver APP [runs] [app flags...]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

static long long now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s APP [runs] [app flags...]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 30;
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      std::vector<char*> args{argv[1]};
      for (int a = 3; a < argc; ++a) args.push_back(argv[a]);
      args.push_back(nullptr);
      execv(argv[1], args.data());
      _exit(127);
    }
    close(fds[1]);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    auto p = out.find("FIRST_RUN ");
    if (p == std::string::npos) {
      std::fprintf(stderr, "run %d: no FIRST_RUN line (status %d)\n", i, st);
      return 1;
    }
    ms.push_back((std::atoll(out.c_str() + p + 10) - t0) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("{\"runs\": %d, \"launch_to_first_run_ms\": {\"p50\": %.2f, \"p90\": %.2f, \"min\": %.2f}}\n",
              runs, ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.front());
  return 0;
}
