// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Helpers for the integration tests: run a real app binary as a subprocess
// (stdout/stderr captured to files), wait for conditions with a deadline, read
// state.json and the per-work logs, and check whether a process is gone.
// Nothing here sleeps to wait for a condition: every wait polls its condition
// (or the child's pidfd) and gives up at a deadline.
#pragma once

#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../common/temp_dir.hpp"

namespace lightning::integration {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// How long one app run may take before the test kills it and fails. Apps in
/// this suite finish in well under a second; the margin is for loaded CI.
inline constexpr milliseconds kAppDeadline{30000};

using lightning::testing::TempDir;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
inline bool contains(const Json& haystack, const std::string& needle) {
  return haystack.is_string() && contains(haystack.get<std::string>(), needle);
}

/// The lines of `text` (without their '\n').
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

inline bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

/// Parses a JSON file; a missing or malformed file gives a discarded value.
inline Json read_json(const std::string& path) {
  return Json::parse(read_file(path), nullptr, /*allow_exceptions=*/false);
}

/// Polls `condition` every `every` until it holds or `timeout` passes; returns
/// whether it held. The condition is checked once more at the deadline.
inline bool wait_until(const std::function<bool()>& condition, milliseconds timeout,
                       milliseconds every = milliseconds(5)) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(every);
  }
}

/// True when `pid` no longer runs: it does not exist, or it is a zombie
/// (dead, waiting to be reaped by a parent that is not this test).
inline bool process_is_gone(pid_t pid) {
  if (pid <= 0) return true;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain ') ', so search from the back.
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() &&
         (stat[close + 2] == 'Z' || stat[close + 2] == 'X');
}

inline bool wait_process_gone(pid_t pid, milliseconds timeout) {
  return wait_until([pid] { return process_is_gone(pid); }, timeout);
}

/// How an app process ended.
struct ExitStatus {
  bool timed_out = false;  ///< still running at the deadline: the test killed it
  int exit_code = -1;      ///< -1 when it did not exit normally
  int signal = 0;          ///< the signal that killed it, 0 if none
  milliseconds took{0};    ///< from the wait's start to the exit
};

inline std::ostream& operator<<(std::ostream& os, const ExitStatus& s) {
  return os << "{timed_out=" << s.timed_out << " exit_code=" << s.exit_code
            << " signal=" << s.signal << " took=" << s.took.count() << "ms}";
}

/// One run of an app binary as a child process. It starts in the constructor;
/// stdout and stderr go to files in `io_dir` (readable while it runs). The
/// child gets PR_SET_PDEATHSIG(SIGKILL), so nothing outlives a killed test,
/// no core dumps (abort() tests stay fast), none of the test's own
/// LIGHTNING_LOG_LEVEL, LIGHTNING_RUN_DIR, LIGHTNING_HTTP_PORT, and
/// LIGHTNING_HTTP_PORT=0 (tests bind port 0). The destructor kills a child
/// still running.
/// How the child is set up before exec, beyond the defaults.
struct ChildSetup {
  /// RLIMIT_NOFILE (soft and hard) of the app, as `ulimit -n` sets it.
  std::optional<rlim_t> open_files_limit;
  /// stderr into the stdout file (as `2>&1` to a file does), to see the order of both.
  bool stderr_into_stdout = false;
};

class AppProcess {
 public:
  AppProcess(const std::string& exe, const std::vector<std::string>& args,
             const std::string& io_dir, const ChildSetup& setup = {})
      : stdout_path_(io_dir + "/app.stdout"),
        stderr_path_(setup.stderr_into_stdout ? stdout_path_ : io_dir + "/app.stderr") {
    std::vector<std::string> argv{exe};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    // Built before fork: the child may only make async-signal-safe calls.
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      if (kv.rfind("LIGHTNING_LOG_LEVEL=", 0) == 0 || kv.rfind("LIGHTNING_RUN_DIR=", 0) == 0 ||
          kv.rfind("LIGHTNING_HTTP_PORT=", 0) == 0)
        continue;
      env.push_back(kv);
    }
    // Tests bind port 0: an app's HTTP API takes a free port unless the test
    // passes --port (a flag wins over the environment).
    env.emplace_back("LIGHTNING_HTTP_PORT=0");
    std::vector<char*> cenv;
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    const int out = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err =
        setup.stderr_into_stdout
            ? ::fcntl(out, F_DUPFD_CLOEXEC, 0)
            : ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || err < 0) throw std::runtime_error("cannot create output files in " + io_dir);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(125);
      ::setpgid(0, 0);  // signals meant for the test runner's group do not reach the app
      rlimit no_core{0, 0};
      ::setrlimit(RLIMIT_CORE, &no_core);
      if (setup.open_files_limit) {
        rlimit files{*setup.open_files_limit, *setup.open_files_limit};
        if (::setrlimit(RLIMIT_NOFILE, &files) != 0) ::_exit(126);
      }
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execve(cargv[0], cargv.data(), cenv.data());
      ::_exit(127);
    }
    ::close(out);
    ::close(err);
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  }

  ~AppProcess() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
    }
    if (pidfd_ >= 0) ::close(pidfd_);
  }
  AppProcess(const AppProcess&) = delete;
  AppProcess& operator=(const AppProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::string stdout_text() const { return read_file(stdout_path_); }
  std::string stderr_text() const { return read_file(stderr_path_); }
  void send_signal(int sig) const { ::kill(pid_, sig); }

  /// Reaps the child if it has exited (does not block).
  bool has_exited() {
    if (status_) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) record(st, milliseconds(0));
    return status_.has_value();
  }

  /// Waits for the child to exit; at the deadline kills it (SIGKILL) and
  /// reports timed_out.
  ExitStatus wait(milliseconds timeout = kAppDeadline) {
    if (status_) return *status_;
    const auto start = Clock::now();
    const auto deadline = start + timeout;
    for (;;) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        record(st, std::chrono::duration_cast<milliseconds>(Clock::now() - start));
        return *status_;
      }
      const auto now = Clock::now();
      if (now >= deadline) break;
      const int left =
          static_cast<int>(std::chrono::duration_cast<milliseconds>(deadline - now).count()) + 1;
      if (pidfd_ >= 0) {
        pollfd p{pidfd_, POLLIN, 0};
        ::poll(&p, 1, left);
      } else {
        std::this_thread::sleep_for(milliseconds(std::min(left, 5)));
      }
    }
    ::kill(pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    record(st, std::chrono::duration_cast<milliseconds>(Clock::now() - start));
    status_->timed_out = true;
    return *status_;
  }

 private:
  void record(int st, milliseconds took) {
    ExitStatus s;
    if (WIFEXITED(st)) s.exit_code = WEXITSTATUS(st);
    if (WIFSIGNALED(st)) s.signal = WTERMSIG(st);
    s.took = took;
    status_ = s;
  }

  std::string stdout_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<ExitStatus> status_;
};

/// A finished app run: how it ended, what it printed and what it left.
struct AppRun {
  pid_t pid = -1;
  ExitStatus status;
  std::string out;
  std::string err;
  std::string run_dir;
  Json final;  ///< <run_dir>/state.json (discarded when missing)

  /// The root flow's snapshot ("state" in state.json).
  const Json& state() const { return final.at("state"); }
  const Json& root_vars() const { return state().at("vars"); }
  const Json& work(const std::string& name) const { return state().at("works").at(name); }
  std::string work_log(const std::string& work_path) const {
    return read_file(run_dir + "/logs/" + work_path + ".log");
  }
  /// Everything worth seeing when an assertion fails.
  std::string describe() const {
    return "exit: " + to_string() + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err +
           "--- state.json ---\n" + (final.is_discarded() ? "(none)" : final.dump(2)) + "\n";
  }

 private:
  std::string to_string() const {
    std::ostringstream s;
    s << status;
    return s.str();
  }
};

/// Runs `exe --run-dir <dir>/run <flags...> -- <app_args...>` to the end
/// (or the deadline) and collects the result.
inline AppRun run_app(const std::string& exe, const TempDir& dir,
                      const std::vector<std::string>& app_args,
                      const std::vector<std::string>& flags = {},
                      milliseconds timeout = kAppDeadline) {
  AppRun run;
  run.run_dir = dir / "run";
  std::vector<std::string> args{"--run-dir", run.run_dir};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back("--");
  args.insert(args.end(), app_args.begin(), app_args.end());
  AppProcess app(exe, args, dir.path());
  run.pid = app.pid();
  run.status = app.wait(timeout);
  run.out = app.stdout_text();
  run.err = app.stderr_text();
  run.final = read_json(run.run_dir + "/state.json");
  return run;
}

/// CLOCK_MONOTONIC in nanoseconds: comparable across processes on one host.
inline int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// A bad peer's connection: connects over plain TCP to `address` (host:port),
/// sends `bytes`, then waits up to `linger` for the server to close it.
/// Returns whether it connected; sets *closed_by_server when given.
inline bool send_raw_tcp(const std::string& address, const std::string& bytes, milliseconds linger,
                         bool* closed_by_server = nullptr) {
  if (closed_by_server != nullptr) *closed_by_server = false;
  const auto colon = address.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) != 1) return false;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return false;
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close before reading it all
    sent += static_cast<size_t>(n);
  }
  const auto deadline = Clock::now() + linger;
  char buf[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    if (::recv(fd, buf, sizeof buf, 0) <= 0) {  // closed (or reset) by the server
      if (closed_by_server != nullptr) *closed_by_server = true;
      break;
    }
  }
  ::close(fd);
  return true;
}

}  // namespace lightning::integration
