// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The `lightning` CLI against a real running app (apps/cli_app.cpp) over its
// real HTTP API, and the live table of works an app shows on a terminal (a
// real pseudo-terminal). Port 0 everywhere; every wait has a deadline.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <regex>

#include "support.hpp"

namespace lightning::integration {
namespace {

constexpr milliseconds kWait{20000};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct CliResult {
  ExitStatus status;
  std::string out;
  std::string err;
  std::string describe() const {
    return "exit " + std::to_string(status.exit_code) + "\n--- stdout ---\n" + out +
           "\n--- stderr ---\n" + err;
  }
};

/// Runs `lightning <args>` in `cwd` (with `env` prefixed, e.g. "LIGHTNING_TOKEN=x")
/// and waits for it.
CliResult lightning(const std::string& cwd, const std::vector<std::string>& args,
                    const std::string& env = "") {
  TempDir io;
  std::string command = "cd " + quote(cwd) + " && " + env + " exec " + quote(LIGHTNING_CLI_EXE);
  for (const std::string& arg : args) command += " " + quote(arg);
  AppProcess process("/bin/sh", {"-c", command}, io.path());
  CliResult result;
  result.status = process.wait(kWait);
  result.out = process.stdout_text();
  result.err = process.stderr_text();
  return result;
}

/// A running cli_app whose run dir is where `lightning` looks for it:
/// <dir>/.lightning/runs/<name>.
class RunningApp {
 public:
  explicit RunningApp(const std::string& scenario, const std::string& run_name = "run-1")
      : run_dir_(dir_.path() + "/.lightning/runs/" + run_name) {
    std::filesystem::create_directories(io_dir_);
    app_ = std::make_unique<AppProcess>(
        LIGHTNING_CLI_APP,
        std::vector<std::string>{"--run-dir", run_dir_, "--port", "0", "--", scenario}, io_dir_);
    wait_until(
        [this] {
          return file_exists(run_dir_ + "/api.json") &&
                 contains(app_->stderr_text(), "HTTP API at ");
        },
        kWait);
    url_ = read_json(run_dir_ + "/api.json").value("url", "");
  }

  const std::string& dir() const { return dir_.path(); }
  const std::string& run_dir() const { return run_dir_; }
  const std::string& url() const { return url_; }
  AppProcess& process() { return *app_; }
  std::string describe() const {
    return "--- app stderr ---\n" + app_->stderr_text() + "\n--- app stdout ---\n" +
           app_->stdout_text();
  }

 private:
  TempDir dir_;
  std::string io_dir_ = dir_.path() + "/io";
  std::string run_dir_;
  std::unique_ptr<AppProcess> app_;
  std::string url_;
};

TEST(LightningCliTest, StatusPrintsTheAppsUrlRunDirAndTableOfWorks) {
  RunningApp app("forever");
  ASSERT_FALSE(app.url().empty()) << app.describe();
  CliResult status;
  // Until the quick work has succeeded and the printer runs.
  wait_until(
      [&] {
        status = lightning(app.dir(), {"status"});
        return contains(status.out, "succeeded") && contains(status.out, "running");
      },
      kWait);
  EXPECT_EQ(status.status.exit_code, 0) << status.describe();
  EXPECT_TRUE(contains(status.out, "app      " + app.url())) << status.describe();
  EXPECT_TRUE(contains(status.out, "run dir  " + app.run_dir())) << status.describe();
  EXPECT_TRUE(contains(status.out, "PATH")) << status.describe();
  EXPECT_TRUE(std::regex_search(status.out, std::regex("root\\.printer +running +[0-9.]+s +1")))
      << status.describe();
  EXPECT_TRUE(std::regex_search(status.out, std::regex("root\\.quick +succeeded")))
      << status.describe();
  EXPECT_TRUE(contains(status.out, "2 works")) << status.describe();
  // A local run: every work runs here, no WORKER column; nothing waits or failed, no WHY.
  EXPECT_FALSE(contains(status.out, "WORKER")) << status.describe();
  EXPECT_FALSE(contains(status.out, "WHY")) << status.describe();
}

TEST(LightningCliTest, TheMostRecentLiveAppIsChosenAndAnExplicitUrlWins) {
  RunningApp app("forever");
  // A stale run dir (its pid is gone) written later must not be chosen.
  const std::string stale = app.dir() + "/.lightning/runs/run-0-stale";
  std::filesystem::create_directories(stale);
  write_file(stale + "/api.json", R"({"url": "http://127.0.0.1:1", "pid": 999999999})");
  const CliResult chosen = lightning(app.dir(), {"status"});
  EXPECT_EQ(chosen.status.exit_code, 0) << chosen.describe();
  EXPECT_TRUE(contains(chosen.out, app.url())) << chosen.describe();

  // --app from another directory: the URL is enough for reads.
  TempDir elsewhere;
  const CliResult by_url = lightning(elsewhere.path(), {"state", "--app", app.url()});
  EXPECT_EQ(by_url.status.exit_code, 0) << by_url.describe();
  const Json state = Json::parse(by_url.out, nullptr, false);
  ASSERT_TRUE(state.is_object()) << by_url.describe();
  EXPECT_TRUE(state.contains("version"));
  EXPECT_TRUE(state.at("state").at("works").contains("printer")) << by_url.out;
}

TEST(LightningCliTest, StateWatchPrintsTheSnapshotThenEachChange) {
  RunningApp app("forever");
  TempDir io;
  AppProcess watch(
      "/bin/sh",
      {"-c", "cd " + quote(app.dir()) + " && exec " + quote(LIGHTNING_CLI_EXE) + " state --watch"},
      io.path());
  const bool saw = wait_until(
      [&] { return contains(watch.stdout_text(), "replace /works/printer/vars/count "); }, kWait);
  EXPECT_TRUE(saw) << watch.stdout_text() << watch.stderr_text();
  const std::string out = watch.stdout_text();
  EXPECT_TRUE(contains(out, "\"version\":")) << out;  // the snapshot, pretty-printed
  EXPECT_TRUE(
      std::regex_search(out, std::regex("\nv[0-9]+ replace /works/printer/vars/count [0-9]+")))
      << out;
  // The app's end closes the stream, and the watcher exits 0.
  EXPECT_EQ(lightning(app.dir(), {"stop"}).status.exit_code, 0);
  EXPECT_EQ(app.process().wait(kWait).exit_code, 0) << app.describe();
  EXPECT_EQ(watch.wait(kWait).exit_code, 0) << watch.stderr_text();
}

TEST(LightningCliTest, StopStopsOneWorkThenTheWholeApp) {
  RunningApp app("forever");
  ASSERT_TRUE(
      wait_until([&] { return contains(lightning(app.dir(), {"status"}).out, "running"); }, kWait))
      << app.describe();
  const CliResult stop_work = lightning(app.dir(), {"stop", "root.printer"});
  EXPECT_EQ(stop_work.status.exit_code, 0) << stop_work.describe();
  EXPECT_TRUE(contains(stop_work.out, "stopping root.printer")) << stop_work.describe();
  EXPECT_TRUE(wait_until(
      [&] {
        return std::regex_search(lightning(app.dir(), {"status"}).out,
                                 std::regex("root\\.printer +stopped"));
      },
      kWait))
      << app.describe();

  const CliResult stop_app = lightning(app.dir(), {"stop"});
  EXPECT_EQ(stop_app.status.exit_code, 0) << stop_app.describe();
  EXPECT_TRUE(contains(stop_app.out, "stopping the app at " + app.url())) << stop_app.describe();
  EXPECT_EQ(app.process().wait(kWait).exit_code, 0) << app.describe();
}

TEST(LightningCliTest, AWrongTokenIsRefusedWithTheAppsMessageAndExitCode1) {
  RunningApp app("forever");
  const CliResult flag = lightning(app.dir(), {"stop", "--token", "not-the-token"});
  EXPECT_EQ(flag.status.exit_code, 1) << flag.describe();
  EXPECT_TRUE(contains(flag.err, "lightning: error: ")) << flag.describe();
  EXPECT_TRUE(contains(flag.err, "HTTP 401")) << flag.describe();
  const CliResult env = lightning(app.dir(), {"stop"}, "LIGHTNING_TOKEN=wrong");
  EXPECT_EQ(env.status.exit_code, 1) << env.describe();
  EXPECT_FALSE(app.process().has_exited()) << app.describe();
}

TEST(LightningCliTest, AnUnknownWorkIsTheAppsErrorWithExitCode1) {
  RunningApp app("forever");
  const CliResult stop = lightning(app.dir(), {"stop", "root.nope"});
  EXPECT_EQ(stop.status.exit_code, 1) << stop.describe();
  EXPECT_TRUE(contains(stop.err, "HTTP 404")) << stop.describe();
  const CliResult logs = lightning(app.dir(), {"logs", "root.nope"});
  EXPECT_EQ(logs.status.exit_code, 1) << logs.describe();
  EXPECT_TRUE(contains(logs.err, "HTTP 404")) << logs.describe();
}

TEST(LightningCliTest, LogsPrintsTheTailAndFollowsNewLines) {
  RunningApp app("forever");
  ASSERT_TRUE(wait_until([&] { return contains(app.process().stdout_text(), "tick 3"); }, kWait))
      << app.describe();
  const CliResult tail = lightning(app.dir(), {"logs", "root.printer", "--tail", "2"});
  EXPECT_EQ(tail.status.exit_code, 0) << tail.describe();
  EXPECT_EQ(lines_of(tail.out).size(), 2u) << tail.describe();
  EXPECT_TRUE(std::regex_search(tail.out, std::regex("^tick [0-9]+\n"))) << tail.describe();

  TempDir io;
  AppProcess follow("/bin/sh",
                    {"-c", "cd " + quote(app.dir()) + " && exec " + quote(LIGHTNING_CLI_EXE) +
                               " logs -f root.printer --tail 1"},
                    io.path());
  int first = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto lines = lines_of(follow.stdout_text());
        if (lines.size() < 3) return false;
        first = std::stoi(lines[0].substr(5));
        return true;
      },
      kWait))
      << follow.stdout_text() << follow.stderr_text();
  const auto lines = lines_of(follow.stdout_text());
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(lines[i], "tick " + std::to_string(first + i));
  follow.send_signal(SIGTERM);
  follow.wait(kWait);
}

TEST(LightningCliTest, NoRunningAppIsExitCode3AndSaysWhereItLooked) {
  TempDir empty;
  const CliResult none = lightning(empty.path(), {"status"});
  EXPECT_EQ(none.status.exit_code, 3) << none.describe();
  EXPECT_TRUE(contains(none.err, "no running app started from " + empty.path())) << none.describe();
  EXPECT_TRUE(contains(none.err, "--app")) << none.describe();

  const CliResult refused = lightning(empty.path(), {"state", "--app", "http://127.0.0.1:1"});
  EXPECT_EQ(refused.status.exit_code, 3) << refused.describe();
  EXPECT_TRUE(contains(refused.err, "cannot reach the app at http://127.0.0.1:1"))
      << refused.describe();
}

TEST(LightningCliTest, UsageErrorsAreExitCode2) {
  TempDir dir;
  for (const std::vector<std::string>& args : {std::vector<std::string>{},
                                               {"stauts"},
                                               {"logs"},
                                               {"logs", "root.a", "--tail", "x"},
                                               {"status", "--app", "https://host:1"},
                                               {"state", "--bogus"}}) {
    const CliResult r = lightning(dir.path(), args);
    EXPECT_EQ(r.status.exit_code, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "lightning: error: ")) << r.describe();
  }
  const CliResult help = lightning(dir.path(), {"--help"});
  EXPECT_EQ(help.status.exit_code, 0) << help.describe();
  for (const char* word : {"run", "status", "logs", "stop", "state", "Exit codes"}) {
    EXPECT_TRUE(contains(help.out, word)) << word << "\n" << help.out;
  }
}

// ------------------------------------------------------------ the works table

/// Runs cli_app on a pseudo-terminal (stdin, stdout and stderr) and returns
/// everything it wrote, once it has exited.
std::string run_on_terminal(const std::vector<std::string>& args, ExitStatus* status) {
  int master = -1;
  winsize size{};
  size.ws_row = 40;
  size.ws_col = 120;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return "forkpty failed";
  if (pid == 0) {
    std::vector<std::string> argv{LIGHTNING_CLI_APP};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::setenv("TERM", "xterm", 1);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  std::string out;
  const auto deadline = Clock::now() + kWait;
  char buf[4096];
  for (;;) {
    pollfd pfd{master, POLLIN, 0};
    const int left =
        static_cast<int>(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count());
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(&pfd, 1, left) <= 0) continue;
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: the app and its works closed the terminal
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(master);
  int st = 0;
  ::waitpid(pid, &st, 0);
  status->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST(LiveWorksTableTest, OnATerminalTheTableIsRedrawnBelowWholeOutputLines) {
  TempDir dir;
  ExitStatus status;
  const std::string out =
      run_on_terminal({"--run-dir", dir.path() + "/run", "--no-http", "--", "short"}, &status);
  EXPECT_EQ(status.exit_code, 0) << out;
  // The table is drawn, and erased in place (cursor up, erase to the end).
  EXPECT_TRUE(contains(out, "PATH")) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("\x1b\\[[0-9]+A\x1b\\[J"))) << out;
  // Each output line arrives whole, on a line of its own: right after a
  // newline or an erase, never inside a table line.
  for (int i = 1; i <= 5; ++i) {
    const std::string line = "[root.printer] line " + std::to_string(i) + "\r\n";
    const size_t at = out.find(line);
    ASSERT_NE(at, std::string::npos) << line << "\n" << out;
    ASSERT_GT(at, 0u);
    EXPECT_TRUE(out[at - 1] == '\n' || out.compare(at - 3, 3, "\x1b[J") == 0)
        << "line " << i << " follows: " << out.substr(at > 40 ? at - 40 : 0, 40);
  }
  // The last table stays: the work succeeded, with its duration.
  const size_t last_table = out.rfind("PATH");
  ASSERT_NE(last_table, std::string::npos);
  EXPECT_TRUE(std::regex_search(out.substr(last_table),
                                std::regex("root\\.printer +succeeded +[0-9.]+s +1")))
      << out.substr(last_table);
  EXPECT_TRUE(contains(out.substr(last_table), "1 work: 1 succeeded")) << out;
}

TEST(LiveWorksTableTest, WithoutATerminalEachStatusChangeIsALogLineAndQuietTurnsThemOff) {
  TempDir dir;
  const AppRun run = run_app(LIGHTNING_CLI_APP, dir, {"short"}, {"--no-http"});
  EXPECT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_FALSE(contains(run.out, "\x1b[")) << run.out;
  EXPECT_TRUE(contains(run.err, "root.printer: running")) << run.describe();
  EXPECT_TRUE(std::regex_search(run.err, std::regex("root\\.printer: succeeded in [0-9.]+s")))
      << run.describe();

  TempDir quiet_dir;
  const AppRun quiet = run_app(LIGHTNING_CLI_APP, quiet_dir, {"short"}, {"--no-http", "--quiet"});
  EXPECT_EQ(quiet.status.exit_code, 0) << quiet.describe();
  EXPECT_FALSE(contains(quiet.err, "root.printer: ")) << quiet.describe();
  EXPECT_TRUE(contains(quiet.out, "[root.printer] line 5")) << quiet.describe();
}

}  // namespace
}  // namespace lightning::integration
