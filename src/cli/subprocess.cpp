// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "errors.hpp"
#include "fs_util.hpp"

namespace lightning::cli {
namespace {

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

volatile sig_atomic_t g_child_pid = 0;
volatile sig_atomic_t g_received_signal = 0;

void forward_signal(int signal) {
  g_received_signal = signal;
  if (g_child_pid > 0) ::kill(static_cast<pid_t>(g_child_pid), signal);
}

// Installs forward_signal for the duration of one child; restores on exit.
class SignalForwarder {
 public:
  explicit SignalForwarder(pid_t child) {
    g_received_signal = 0;
    g_child_pid = child;
    struct sigaction action {};
    action.sa_handler = forward_signal;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
      ::sigaction(kForwardedSignals[i], &action, &previous_[i]);
    }
  }
  ~SignalForwarder() {
    for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
      ::sigaction(kForwardedSignals[i], &previous_[i], nullptr);
    }
    g_child_pid = 0;
  }
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

 private:
  struct sigaction previous_[std::size(kForwardedSignals)];
};

// In the child, between fork and exec: only async-signal-safe calls plus the
// setenv of a single-threaded process.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const ProcessOptions& options,
                             int error_pipe) {
  for (const auto& [name, value] : options.env) ::setenv(name.c_str(), value.c_str(), 1);
  const int mode = options.append ? O_APPEND : O_TRUNC;
  auto redirect = [mode](const std::string& file, int target) {
    if (file.empty()) return true;
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    return ::dup2(fd, target) >= 0;
  };
  const bool shared = !options.stdout_file.empty() && options.stdout_file == options.stderr_file;
  if (!redirect(options.stdout_file, STDOUT_FILENO) ||
      (shared ? ::dup2(STDOUT_FILENO, STDERR_FILENO) < 0
              : !redirect(options.stderr_file, STDERR_FILENO))) {
    const int err = errno;
    (void)!::write(error_pipe, &err, sizeof(err));
    ::_exit(127);
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  const int err = errno;
  (void)!::write(error_pipe, &err, sizeof(err));
  ::_exit(127);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw CliError("run_process: empty command");
  // The child reports an exec failure through a close-on-exec pipe: an empty
  // read means exec succeeded.
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    throw CliError(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(error_pipe[0]);
    ::close(error_pipe[1]);
    throw CliError(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(error_pipe[0]);
    exec_child(argv, options, error_pipe[1]);
  }
  ::close(error_pipe[1]);

  ProcessResult result;
  int exec_errno = 0;
  {
    SignalForwarder forwarder(pid);
    ssize_t n;
    do {
      n = ::read(error_pipe[0], &exec_errno, sizeof(exec_errno));
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof(exec_errno))) exec_errno = 0;
    ::close(error_pipe[0]);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) throw CliError(std::string("waitpid: ") + std::strerror(errno));
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }
  if (exec_errno != 0) {
    throw CliError("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  }
  if (g_received_signal != 0) throw Interrupted(g_received_signal);
  return result;
}

namespace {

// A fresh empty file under $TMPDIR; empty string when it cannot be made.
std::string make_temp_file(const char* tag) {
  std::string tmp_dir = env_or_empty("TMPDIR");
  if (tmp_dir.empty()) tmp_dir = "/tmp";
  std::string pattern_text = tmp_dir + "/lightning-" + tag + "-XXXXXX";
  std::vector<char> pattern(pattern_text.begin(), pattern_text.end());
  pattern.push_back('\0');
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return "";
  ::close(fd);
  return pattern.data();
}

}  // namespace

CapturedOutput run_captured(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessOptions captured = options;
  captured.stdout_file = make_temp_file("out");
  captured.stderr_file = make_temp_file("err");
  captured.append = false;
  if (captured.stdout_file.empty() || captured.stderr_file.empty()) {
    const int err = errno;
    if (!captured.stdout_file.empty()) ::unlink(captured.stdout_file.c_str());
    throw CliError("cannot make a temporary file under $TMPDIR or /tmp to run " + argv.at(0) +
                   ": " + std::strerror(err));
  }
  struct Cleanup {
    const ProcessOptions& o;
    ~Cleanup() {
      ::unlink(o.stdout_file.c_str());
      ::unlink(o.stderr_file.c_str());
    }
  } cleanup{captured};
  CapturedOutput output;
  output.result = run_process(argv, captured);
  output.out = read_file(captured.stdout_file).value_or("");
  output.err = read_file(captured.stderr_file).value_or("");
  return output;
}

std::optional<std::string> capture_stdout(const std::vector<std::string>& argv) {
  std::string tmp_dir = env_or_empty("TMPDIR");
  if (tmp_dir.empty()) tmp_dir = "/tmp";
  std::string pattern_text = tmp_dir + "/lightning-run-out-XXXXXX";
  std::vector<char> pattern(pattern_text.begin(), pattern_text.end());
  pattern.push_back('\0');
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return std::nullopt;
  ::close(fd);
  ProcessOptions options;
  options.stdout_file = pattern.data();
  options.stderr_file = "/dev/null";
  std::optional<std::string> out;
  try {
    if (run_process(argv, options).succeeded()) out = read_file(pattern.data());
  } catch (const CliError&) {
  }
  ::unlink(pattern.data());
  return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789_-+=/.,:@%") == std::string::npos;
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::vector<std::string> shell_split(const std::string& text) {
  // wordexp refuses a newline (it would end a shell command); here it
  // separates words, as a space does.
  std::string line = text;
  std::replace(line.begin(), line.end(), '\n', ' ');
  wordexp_t words{};
  const int rc = ::wordexp(line.c_str(), &words, WRDE_NOCMD | WRDE_UNDEF);
  if (rc != 0) {
    if (rc == WRDE_NOSPACE) ::wordfree(&words);  // may hold a partial result
    std::string why;
    switch (rc) {
      case WRDE_BADCHAR:
        why = "an unquoted | & ; < > ( ) { }; quote it, e.g. '-DX=(1)'";
        break;
      case WRDE_BADVAL:
        why = "an undefined variable; set it, or quote the $ as '\\$' or in '...'";
        break;
      case WRDE_CMDSUB:
        why = "a command substitution ($(...) or `...`), which is not run";
        break;
      case WRDE_SYNTAX:
        why = "a shell syntax error, such as an unterminated quote";
        break;
      default:
        why = "too many words";
        break;
    }
    throw CliError("cannot split the compiler flags \"" + text + "\": " + why, 2);
  }
  std::vector<std::string> result(words.we_wordv, words.we_wordv + words.we_wordc);
  ::wordfree(&words);
  return result;
}

}  // namespace lightning::cli
