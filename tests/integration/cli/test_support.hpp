// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Helpers for tests that run real processes: a self-removing temp dir, file
// I/O, and a child process whose stdout/stderr are captured.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../../common/temp_dir.hpp"

namespace lightning::testing {


inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Identity and modification time of a file: equal stamps mean the file was
/// neither rewritten nor replaced.
struct FileIdentity {
  bool exists = false;
  ino_t inode = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileIdentity& o) const {
    return exists == o.exists && inode == o.inode && mtime_ns == o.mtime_ns;
  }
};

inline FileIdentity identity_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, st.st_ino,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

struct ProcessOutput {
  int exit_code = -1;  ///< -1 when killed by a signal
  int signal = 0;
  pid_t pid = 0;
  std::string out;
  std::string err;
};

/// What a child process gets in its environment besides the parent's.
struct Env {
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> unset;
};

/// A child process with captured stdout and stderr. start() returns at once;
/// wait() reads both pipes to the end and reaps the child.
class Process {
 public:
  Process(std::vector<std::string> argv, Env env = {}, std::string cwd = "")
      : argv_(std::move(argv)), env_(std::move(env)), cwd_(std::move(cwd)) {}
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    close_fd(out_fd_);
    close_fd(err_fd_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void start() {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      for (const auto& name : env_.unset) ::unsetenv(name.c_str());
      for (const auto& [name, value] : env_.set) ::setenv(name.c_str(), value.c_str(), 1);
      if (!cwd_.empty() && ::chdir(cwd_.c_str()) != 0) ::_exit(126);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }

  pid_t pid() const { return pid_; }

  ProcessOutput wait() {
    ProcessOutput result;
    result.pid = pid_;
    while (out_fd_ >= 0 || err_fd_ >= 0) {
      pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("poll failed");
      }
      drain(fds[0], out_fd_, result.out);
      drain(fds[1], err_fd_, result.err);
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = 0;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return result;
  }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  static void drain(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || p.revents == 0) return;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      close_fd(fd);
    }
  }

  std::vector<std::string> argv_;
  Env env_;
  std::string cwd_;
  pid_t pid_ = 0;
  int out_fd_ = -1;
  int err_fd_ = -1;
};

inline ProcessOutput run_process(std::vector<std::string> argv, Env env = {},
                                 std::string cwd = "") {
  Process p(std::move(argv), std::move(env), std::move(cwd));
  p.start();
  return p.wait();
}

/// The first line of `text` that contains `needle`, or "".
inline std::string line_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

inline std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

}  // namespace lightning::testing
