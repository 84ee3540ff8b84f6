// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Failure drills (apps/drills_app.cpp): things that go wrong around a running
// app, done for real from outside. A work's process is killed with SIGKILL in
// the middle of a call; the disk of the run directory fills up; many peers
// send garbage to the controller's port while works are calling; the
// controller itself is killed with SIGKILL; works close their output or crash
// in the middle of a line. Each drill ends with the app in a correct state
// (its exit code, its stdout, state.json) and nothing lost that had
// succeeded, or with no process left behind.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "journal/load.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

/// "victim pid=12 attempt=1" -> {pid: 12, attempt: 1}
std::map<std::string, int> parse_fields(const std::string& line) {
  std::map<std::string, int> out;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    try {
      out[word.substr(0, eq)] = std::stoi(word.substr(eq + 1));
    } catch (const std::exception&) {
    }
  }
  return out;
}

/// The lines of a work's log that start with `prefix`.
std::vector<std::string> log_lines(const std::string& run_dir, const std::string& work_path,
                                   const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(read_file(run_dir + "/logs/" + work_path + ".log"))) {
    if (l.rfind(prefix, 0) == 0) out.push_back(l);
  }
  return out;
}

/// /proc/<pid>/comm without its newline ("" when the process is gone).
std::string comm_of(pid_t pid) {
  std::string c = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!c.empty() && c.back() == '\n') c.pop_back();
  return c;
}

/// An app started in the background, for drills that act on it while it runs.
class LiveApp {
 public:
  LiveApp(const TempDir& dir, const std::vector<std::string>& flags,
          const std::vector<std::string>& app_args)
      : run_dir_(dir / "run"), app_(LIGHTNING_DRILLS_APP, args(flags, app_args), dir.path()) {}

  AppProcess& process() { return app_; }
  const std::string& run_dir() const { return run_dir_; }
  Json final_state() const { return read_json(run_dir_ + "/state.json"); }

  /// Waits until a line of `work_path`'s log starts with `prefix`; "" at the deadline.
  std::string wait_for_log_line(const std::string& work_path, const std::string& prefix,
                                milliseconds timeout = milliseconds(15000)) {
    std::string found;
    wait_until(
        [&] {
          const auto lines = log_lines(run_dir_, work_path, prefix);
          if (!lines.empty()) found = lines.front();
          return !found.empty() || app_.has_exited();
        },
        timeout);
    return found;
  }

  /// Reads "controller listening on ADDR (run ID)" from stderr (needs --log-level debug).
  std::string wait_for_address() {
    std::string address;
    wait_until(
        [&] {
          for (const auto& line : lines_of(app_.stderr_text())) {
            const std::string key = "controller listening on ";
            const auto at = line.find(key);
            if (at == std::string::npos) continue;
            std::istringstream(line.substr(at + key.size())) >> address;
            return true;
          }
          return app_.has_exited();
        },
        milliseconds(15000));
    return address;
  }

  std::string describe() {
    const Json final = final_state();
    return "--- stdout ---\n" + app_.stdout_text() + "--- stderr ---\n" + app_.stderr_text() +
           "--- state.json ---\n" + (final.is_discarded() ? "(none)" : final.dump(2)) + "\n";
  }

 private:
  std::vector<std::string> args(const std::vector<std::string>& flags,
                                const std::vector<std::string>& app_args) const {
    std::vector<std::string> a{"--run-dir", run_dir_};
    a.insert(a.end(), flags.begin(), flags.end());
    a.push_back("--");
    a.insert(a.end(), app_args.begin(), app_args.end());
    return a;
  }

  std::string run_dir_;
  AppProcess app_;
};

/// Every drill gets a fresh directory; a drill that mounts a file system on
/// part of it has it unmounted in TearDown, whatever happened in the test
/// (the directory itself is removed after that, with the fixture).
class DrillTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!mounted_.empty() && ::umount2(mounted_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << mounted_ << ": " << std::strerror(errno);
    }
    for (pid_t pid : to_reap_) {
      if (!process_is_gone(pid)) ::kill(pid, SIGKILL);
    }
  }

  /// Mounts a tmpfs of `size` (e.g. "256k") on `path`. Returns errno (0 on success).
  int mount_tmpfs(const std::string& path, const std::string& size) {
    std::filesystem::create_directories(path);
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      return errno;
    }
    mounted_ = path;
    return 0;
  }

  /// Processes the drill expects to be gone: killed in TearDown if they are not.
  void reap_later(pid_t pid) { to_reap_.push_back(pid); }

  TempDir dir_;

 private:
  std::string mounted_;
  std::vector<pid_t> to_reap_;
};

// ------------------------------------------------------------ a. kill -9 a work mid-call

/// Runs `kill_mid_call <retries>`: once the victim's first attempt is inside
/// its call, kills its process with SIGKILL, then lets the bystander finish.
/// Returns the killed pid (0 when the drill could not get that far).
pid_t kill_victim_mid_call(LiveApp& app) {
  const std::string line = app.wait_for_log_line("root.victim", "victim pid=");
  const auto fields = parse_fields(line);
  if (fields.count("pid") == 0 || fields.at("attempt") != 1) {
    ADD_FAILURE() << "no line from the victim's first attempt\n" << app.describe();
    return 0;
  }
  const pid_t pid = fields.at("pid");
  // The line is printed inside Work::run: the call is running. Make sure the
  // pid is the victim's work process before killing it.
  if (comm_of(pid) != "lw:root.victim") {
    ADD_FAILURE() << "pid " << pid << " is '" << comm_of(pid) << "', not the victim";
    return 0;
  }
  if (::kill(pid, SIGKILL) != 0) {
    ADD_FAILURE() << "kill " << pid << ": " << std::strerror(errno);
    return 0;
  }
  write_file(app.run_dir() + "/go", "go");  // the bystander may finish now
  return pid;
}

/// The works that had succeeded before the kill, and the one that ran beside
/// the victim, are intact: same results, each call run exactly once.
void expect_the_other_works_intact(const Json& final, const std::string& run_dir) {
  const Json& works = final.at("state").at("works");
  for (const auto& [name, result] :
       std::vector<std::pair<std::string, int>>{{"first", 42}, {"second", 100}}) {
    const Json& w = works.at(name);
    EXPECT_EQ(w.at("status").at("stage"), "succeeded") << name << ": " << w.dump(2);
    EXPECT_EQ(w.at("status").at("call_id"), 1) << name;
    EXPECT_EQ(w.at("status").at("attempt"), 1) << name;
    EXPECT_EQ(w.at("vars").at("result"), result) << name;
    EXPECT_EQ(log_lines(run_dir, "root." + name, name + " ran").size(), 1u)
        << name << " ran more than once: " << read_file(run_dir + "/logs/root." + name + ".log");
  }
  const Json& bystander = works.at("bystander");
  EXPECT_EQ(bystander.at("status").at("stage"), "succeeded") << bystander.dump(2);
  EXPECT_EQ(bystander.at("status").at("attempt"), 1);
  EXPECT_EQ(bystander.at("vars").at("result"), 7);
}

TEST_F(DrillTest, WorkKilledMidCallIsRerunInANewProcessWithOneRetryAndNothingElseIsLost) {
  LiveApp app(dir_, {"--quiet-works"}, {"kill_mid_call", "1"});
  const pid_t killed = kill_victim_mid_call(app);
  ASSERT_NE(killed, 0);

  const ExitStatus st = app.process().wait();
  ASSERT_FALSE(st.timed_out) << app.describe();
  ASSERT_EQ(st.exit_code, 0) << st << app.describe();
  const Json final = app.final_state();
  ASSERT_FALSE(final.is_discarded()) << app.describe();
  EXPECT_EQ(final.at("exit_code"), 0);
  EXPECT_EQ(final.at("message"), "victim done");

  // The same call (id 1) succeeded on its second attempt, in a new process.
  const Json& victim = final.at("state").at("works").at("victim");
  EXPECT_EQ(victim.at("status").at("stage"), "succeeded") << victim.dump(2);
  EXPECT_EQ(victim.at("status").at("call_id"), 1);
  EXPECT_EQ(victim.at("status").at("attempt"), 2);
  EXPECT_EQ(victim.at("vars").at("result"), 42);
  EXPECT_EQ(victim.at("vars").at("attempts"), 2);
  EXPECT_NE(victim.at("vars").at("pid"), killed) << "the retry ran in the killed process?";
  EXPECT_EQ(read_file(app.run_dir() + "/victim_attempts"), "2");
  const auto attempts = log_lines(app.run_dir(), "root.victim", "victim pid=");
  ASSERT_EQ(attempts.size(), 2u) << read_file(app.run_dir() + "/logs/root.victim.log");
  EXPECT_EQ(parse_fields(attempts[1]).at("pid"), victim.at("vars").at("pid").get<int>());
  EXPECT_EQ(final.at("state").at("vars").at("victim_seen").at("stage"), "succeeded");
  EXPECT_TRUE(process_is_gone(killed));

  expect_the_other_works_intact(final, app.run_dir());
}

TEST_F(DrillTest, WorkKilledMidCallWithoutRetriesIsSeenAsSignal9AndNothingElseIsLost) {
  LiveApp app(dir_, {"--quiet-works"}, {"kill_mid_call", "0"});
  const pid_t killed = kill_victim_mid_call(app);
  ASSERT_NE(killed, 0);

  const ExitStatus st = app.process().wait();
  ASSERT_FALSE(st.timed_out) << app.describe();
  // raise_exception(false): the flow sees the failure; the app does not fail.
  ASSERT_EQ(st.exit_code, 0) << st << app.describe();
  const Json final = app.final_state();
  ASSERT_FALSE(final.is_discarded()) << app.describe();

  const Json& seen = final.at("state").at("vars").at("victim_seen");
  ASSERT_TRUE(seen.is_object()) << final.dump(2);
  EXPECT_EQ(seen.at("stage"), "failed") << seen.dump(2);
  EXPECT_EQ(seen.at("reason"), "signal") << seen.dump(2);
  ASSERT_TRUE(seen.contains("signal")) << seen.dump(2);
  EXPECT_EQ(seen.at("signal"), SIGKILL);
  EXPECT_FALSE(seen.contains("exit_code")) << seen.dump(2);
  EXPECT_EQ(seen.at("call_id"), 1);
  EXPECT_EQ(seen.at("attempt"), 1);
  EXPECT_TRUE(contains(seen.at("message"), "signal 9")) << seen.dump(2);
  EXPECT_EQ(final.at("state").at("works").at("victim").at("status"), seen);
  EXPECT_EQ(read_file(app.run_dir() + "/victim_attempts"), "1") << "no retry with retries(0)";

  expect_the_other_works_intact(final, app.run_dir());
}

// ------------------------------------------------------------ b. the run directory's disk fills up

TEST_F(DrillTest, AppCompletesWithItsResultsWhenTheDiskOfItsRunDirectoryIsFull) {
  const std::string run_dir = dir_ / "run";
  const int err = mount_tmpfs(run_dir, "256k");
  if (err == EPERM || err == EACCES) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(err)
                 << "): this drill needs root or CAP_SYS_ADMIN";
  }
  ASSERT_EQ(err, 0) << "mount tmpfs on " << run_dir << ": " << std::strerror(err);

  // flooder prints 2 MiB into a 256 KiB disk; then 64 works (more than a
  // page of controller.log lines) and a new work process start on the full
  // disk. --quiet-works: the app's stdout carries only the flow's lines.
  AppRun run = run_app(LIGHTNING_DRILLS_APP, dir_, {"flood", "2", "64"}, {"--quiet-works"},
                       milliseconds(20000));
  ASSERT_FALSE(run.status.timed_out) << "the app hung on a full disk\n" << run.describe();
  EXPECT_EQ(run.status.signal, 0) << "the app crashed on a full disk\n" << run.describe();
  EXPECT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_TRUE(has_line(run.out, "flooder lines=32768")) << run.describe();
  EXPECT_TRUE(has_line(run.out, "extra sum=4160")) << run.describe();  // 2 * (1 + ... + 64)
  EXPECT_TRUE(has_line(run.out, "after result=42")) << run.describe();

  // The drill did fill the disk: the log has far less than the 2 MiB printed.
  // (A few blocks may be free again after the app: the journal's write-ahead
  // log goes when it closes.)
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(run_dir.c_str(), &fs), 0);
  EXPECT_LT(fs.f_bavail * fs.f_frsize, 128u * 1024u) << "the disk did not fill up";
  std::error_code ec;
  const auto log_size = std::filesystem::file_size(run_dir + "/logs/root.flooder.log", ec);
  EXPECT_LT(log_size, 1024u * 1024u) << ec.message();

  // controller.log on the full disk: said once, clearly, not spdlog's
  // "[*** LOG ERROR ***]" lines (the 64 works' status lines after the disk
  // filled need a new page of the file).
  EXPECT_TRUE(contains(run.err, "cannot write " + run_dir +
                                    "/controller.log: No space left on device; its lines go "
                                    "to this terminal only until it can"))
      << run.describe();
  EXPECT_FALSE(contains(run.err, "LOG ERROR")) << run.describe();

  // The journal on the full disk: complete, or cut short with a warning that
  // says so; it loads (at a version no later than the app's last) or says why not.
  // Loading opens it as --resume would, after the user made room: SQLite may
  // need a few blocks to open a write-ahead-logged database (seen once in a
  // full run: "disk I/O error (No space left on device)" from load()).
  std::filesystem::remove(run_dir + "/logs/root.flooder.log", ec);
  const auto journal = journal::load(run_dir + "/journal.sqlite");
  if (!journal.ok()) {
    // The disk filled before the journal's first commit: nothing to load,
    // and both the app and load() say so.
    EXPECT_TRUE(contains(journal.status().message(), "before its first commit"))
        << journal.status().message();
    EXPECT_TRUE(contains(run.err, "the journal " + run_dir + "/journal.sqlite is incomplete"))
        << run.describe();
  } else {
    if (!journal->incomplete.empty()) {
      EXPECT_TRUE(contains(run.err, "the journal " + run_dir + "/journal.sqlite is incomplete"))
          << "the journal stopped (" << journal->incomplete << ") and nobody said so\n"
          << run.describe();
    }
    if (!run.final.is_discarded()) {
      EXPECT_LE(journal->version, run.final.at("state_version").get<uint64_t>());
    }
  }

  // state.json either holds the final state or is missing, in which case the
  // controller must have said it could not write it. Half a file is not state.
  if (!run.final.is_discarded()) {
    EXPECT_EQ(run.final.at("exit_code"), 0);
    EXPECT_EQ(run.root_vars().at("after_result"), 42);
    EXPECT_EQ(run.work("flooder").at("vars").at("lines"), 32768);
    return;
  }
  const std::string state_text = read_file(run_dir + "/state.json");
  // util::write_file_atomically (app_host.cpp): never half a file, and a warning.
  EXPECT_TRUE(contains(run.err, "state.json")) << "no warning that state.json was not saved\n"
                                               << run.describe();
  EXPECT_FALSE(file_exists(run_dir + "/state.json") && !state_text.empty())
      << "a truncated state.json was left in place: " << state_text;
}

TEST_F(DrillTest, AnAppStartedOnAFullDiskRefusesToStartAndSaysTheDiskIsFull) {
  const std::string run_dir = dir_ / "run";
  const int err = mount_tmpfs(run_dir, "64k");
  if (err == EPERM || err == EACCES) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(err)
                 << "): this drill needs root or CAP_SYS_ADMIN";
  }
  ASSERT_EQ(err, 0) << "mount tmpfs on " << run_dir << ": " << std::strerror(err);
  {
    std::ofstream filler(run_dir + "/filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) &&
           filler.flush()) {
    }
  }
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(run_dir.c_str(), &fs), 0);
  ASSERT_EQ(fs.f_bavail, 0u) << "the disk did not fill up";

  // run.lock (the run's processes, for a later --resume) cannot be written:
  // refused before any work starts, with the cause and the fix.
  AppRun run =
      run_app(LIGHTNING_DRILLS_APP, dir_, {"flood", "0"}, {"--quiet-works"}, milliseconds(20000));
  ASSERT_FALSE(run.status.timed_out) << run.describe();
  EXPECT_EQ(run.status.exit_code, 2) << run.describe();
  EXPECT_TRUE(contains(run.err, "cannot write " + run_dir +
                                    "/run.lock: No space left on device (the disk is full; "
                                    "free some space)"))
      << run.describe();
  EXPECT_FALSE(contains(run.out, "flooder lines=")) << "a work ran\n" << run.describe();
}

// ------------------------------------------------------------ c. garbage peers while works call

std::string random_bytes(size_t n, std::mt19937& rng) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// An HTTP/2 frame header: 24-bit length, type, flags, stream id.
std::string frame_header(uint32_t length, uint8_t type, uint8_t flags, uint32_t stream) {
  return {static_cast<char>(length >> 16), static_cast<char>(length >> 8),
          static_cast<char>(length),       static_cast<char>(type),
          static_cast<char>(flags),        static_cast<char>(stream >> 24),
          static_cast<char>(stream >> 16), static_cast<char>(stream >> 8),
          static_cast<char>(stream)};
}

/// The bytes of bad connection number `i`, one of six kinds.
std::string garbage(int i, std::mt19937& rng) {
  switch (i % 6) {
    case 0:  // random bytes
      return random_bytes(1 + rng() % 16384, rng);
    case 1:  // a truncated preface, then silence
      return kPreface.substr(0, 1 + rng() % (kPreface.size() - 1));
    case 2:  // a valid preface, then junk
      return kPreface + random_bytes(1 + rng() % 4096, rng);
    case 3:  // preface, empty SETTINGS, a HEADERS frame whose HPACK block is junk
      return kPreface + frame_header(0, 0x4, 0, 0) + frame_header(64, 0x1, 0x4, 1) +
             random_bytes(64, rng);
    case 4:  // preface, then a frame that claims 16 MiB and never sends it
      return kPreface + frame_header(0xffffff, 0x0, 0, 1) + random_bytes(100, rng);
    default:  // connects and says nothing
      return "";
  }
}

TEST_F(DrillTest, ManyGarbageConnectionsWhileWorksAreCallingLeaveEveryResultCorrect) {
  constexpr int kWorks = 8;
  constexpr int kThreads = 16;
  constexpr int kConnectionsPerThread = 6;  // 96 connections, 16 at a time
  const std::string mark = dir_ / "garbage_starts";
  const std::string release = dir_ / "release";
  const std::string calling = dir_ / "calling";
  LiveApp app(dir_, {"--listen", "127.0.0.1:0", "--log-level", "debug", "--quiet-works"},
              {"steady", std::to_string(kWorks), mark, release, calling});
  const std::string address = app.wait_for_address();
  ASSERT_FALSE(address.empty()) << app.describe();
  ASSERT_TRUE(address.rfind("unix", 0) != 0) << address;
  // Every work has finished a call: processes are up (under TSan on a busy
  // machine starting 8 works takes seconds, longer than the garbage lasts).
  ASSERT_TRUE(wait_until([&] { return file_exists(calling); }, kAppDeadline)) << app.describe();

  write_file(mark, "");
  std::atomic<int> connected{0}, closed_by_server{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> peers;
  for (int t = 0; t < kThreads; ++t) {
    peers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(1000 + t));
      for (int k = 0; k < kConnectionsPerThread; ++k) {
        bool closed = false;
        if (send_raw_tcp(address, garbage(t * kConnectionsPerThread + k, rng), milliseconds(500),
                         &closed)) {
          ++connected;
        }
        if (closed) ++closed_by_server;
      }
    });
  }
  for (auto& p : peers) p.join();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  std::printf("%d garbage connections in %lld ms, %d closed by the controller\n", connected.load(),
              static_cast<long long>(took.count()), closed_by_server.load());
  EXPECT_EQ(connected, kThreads * kConnectionsPerThread) << "the controller stopped accepting";
  // Random bytes and junk after a preface are protocol errors: those get closed.
  EXPECT_GT(closed_by_server, 0);
  ASSERT_FALSE(app.process().has_exited()) << app.describe();

  write_file(release, "");
  const ExitStatus st = app.process().wait();
  ASSERT_FALSE(st.timed_out) << app.describe();
  ASSERT_EQ(st.exit_code, 0) << st << app.describe();
  const Json final = app.final_state();
  ASSERT_FALSE(final.is_discarded()) << app.describe();
  EXPECT_EQ(final.at("message"), "steady calls done");
  const Json& vars = final.at("state").at("vars");
  EXPECT_EQ(vars.at("wrong"), 0) << vars.dump(2);
  EXPECT_EQ(vars.at("failed"), 0) << vars.dump(2);
  // Calls went on while the garbage came in.
  std::printf("%lld calls succeeded while the garbage came in\n",
              static_cast<long long>(vars.at("succeeded_at_release").get<int64_t>() -
                                     vars.at("succeeded_at_mark").get<int64_t>()));
  EXPECT_GE(vars.at("succeeded_at_mark").get<int64_t>(), 0) << vars.dump(2);
  EXPECT_GT(vars.at("succeeded_at_release").get<int64_t>(),
            vars.at("succeeded_at_mark").get<int64_t>())
      << vars.dump(2);
  // Every call the flow counted ran exactly once in its work, with the right result.
  int64_t total = 0;
  for (int i = 0; i < kWorks; ++i) {
    const int64_t calls = vars.at("per_work").at(i);
    const Json& w = final.at("state").at("works").at("w" + std::to_string(i));
    EXPECT_GT(calls, 0) << "w" << i;
    EXPECT_EQ(w.at("vars").at("calls"), calls) << "w" << i << ": " << w.dump(2);
    EXPECT_EQ(w.at("vars").at("result"), calls * calls) << "w" << i;
    EXPECT_EQ(w.at("status").at("stage"), "succeeded") << "w" << i;
    total += calls;
  }
  EXPECT_EQ(vars.at("succeeded"), total);
}

// ------------------------------------------------------------ d. kill -9 the controller

/// The pids of `three_parents`' works, their zygote and their grandchildren,
/// once all three are mid-call (empty if they did not get there).
std::map<std::string, pid_t> wait_for_three_parents(LiveApp& app) {
  std::map<std::string, pid_t> pids;
  for (const std::string w : {"a", "b", "c"}) {
    const auto fields = parse_fields(app.wait_for_log_line("root." + w, w + " pid="));
    if (fields.count("grandchild") == 0 || fields.at("grandchild") <= 0) {
      ADD_FAILURE() << w << " did not start its grandchild\n" << app.describe();
      return {};
    }
    pids[w] = fields.at("pid");
    pids[w + "'s zygote"] = fields.at("zygote");
    pids[w + "'s grandchild"] = fields.at("grandchild");
  }
  for (const auto& [what, pid] : pids) {
    if (process_is_gone(pid)) {
      ADD_FAILURE() << what << " (pid " << pid << ") is not running";
      return {};
    }
  }
  EXPECT_EQ(comm_of(pids["a"]), "lw:root.a");
  EXPECT_EQ(comm_of(pids["a's zygote"]), "lightning-zygot");  // comm: 15 characters
  // The shell forked the grandchild; it may not have exec'd sleep yet.
  for (const std::string w : {"a", "b", "c"}) {
    const pid_t g = pids[w + "'s grandchild"];
    EXPECT_TRUE(wait_until([g] { return comm_of(g) == "sleep"; }, milliseconds(5000)))
        << w << "'s grandchild is '" << comm_of(g) << "'";
  }
  return pids;
}

/// Kills the controller with SIGKILL; returns what is still running `within` after.
std::vector<std::string> kill_controller(LiveApp& app, const std::map<std::string, pid_t>& pids,
                                         milliseconds within) {
  app.process().send_signal(SIGKILL);
  const ExitStatus st = app.process().wait(milliseconds(5000));
  EXPECT_FALSE(st.timed_out);
  EXPECT_EQ(st.signal, SIGKILL);
  std::vector<std::string> left;
  const auto deadline = Clock::now() + within;
  for (const auto& [what, pid] : pids) {
    const auto now = Clock::now();
    const auto rest =
        std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - now));
    if (!wait_process_gone(pid, rest)) {
      left.push_back(what + " (pid " + std::to_string(pid) + ", " + comm_of(pid) + ")");
    }
  }
  return left;
}

TEST_F(DrillTest, KillingTheControllerMidCallLeavesNoWorkZygoteOrGrandchild) {
  LiveApp app(dir_, {"--quiet-works"}, {"three_parents"});
  const auto pids = wait_for_three_parents(app);
  ASSERT_EQ(pids.size(), 9u);
  for (const auto& [what, pid] : pids) reap_later(pid);

  const auto left = kill_controller(app, pids, milliseconds(5000));
  for (const auto& what : left) ADD_FAILURE() << what << " outlived the controller";
}

TEST_F(DrillTest, KillingTheControllerAlsoEndsAGrandchildInASessionOfItsOwn) {
  // c's grandchild is `setsid sleep 300`: it left the work's process group.
  LiveApp app(dir_, {"--quiet-works"}, {"three_parents", "setsid"});
  const auto pids = wait_for_three_parents(app);
  ASSERT_EQ(pids.size(), 9u);
  for (const auto& [what, pid] : pids) reap_later(pid);
  const pid_t escaped = pids.at("c's grandchild");
  ASSERT_EQ(::getsid(escaped), escaped) << "setsid did not give the grandchild its own session";

  const auto left = kill_controller(app, pids, milliseconds(3000));
  // The zygote is a child subreaper: orphans of works are its children (zygote.cpp).
  for (const auto& what : left) ADD_FAILURE() << what << " outlived the controller";
}

// ------------------------------------------------------------ e. odd output, then a crash

/// Runs `crash <how>` and returns the status the flow saw (null if none).
Json crash_seen(const TempDir& dir, const std::string& how, AppRun* run) {
  *run = run_app(LIGHTNING_DRILLS_APP, dir, {"crash", how}, {"--quiet-works"}, milliseconds(15000));
  if (run->status.timed_out || run->final.is_discarded()) return Json();
  return run->root_vars().at("seen");
}

void expect_abort_seen(const Json& seen, const AppRun& run) {
  ASSERT_TRUE(seen.is_object()) << run.describe();
  EXPECT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_EQ(seen.at("stage"), "failed") << seen.dump(2);
  EXPECT_EQ(seen.at("reason"), "signal") << seen.dump(2);
  ASSERT_TRUE(seen.contains("signal")) << seen.dump(2);
  EXPECT_EQ(seen.at("signal"), SIGABRT);
  EXPECT_TRUE(contains(seen.at("message"), "signal 6")) << seen.dump(2);
}

TEST_F(DrillTest, WorkThatClosesItsStdoutAndStderrThenCrashesIsReportedAndTheAppEnds) {
  for (const std::string how : {"close_then_abort", "close_wait_then_abort"}) {
    SCOPED_TRACE(how);
    TempDir dir;
    AppRun run;
    const Json seen = crash_seen(dir, how, &run);
    ASSERT_FALSE(run.status.timed_out) << "the app hung\n" << run.describe();
    expect_abort_seen(seen, run);
    // What it wrote before closing its output is still in the message.
    EXPECT_TRUE(contains(seen.at("message"), "crasher: about to " + how)) << seen.dump(2);
  }
}

TEST_F(DrillTest, CrashRightAfterALineWithoutNewlineOnStderrKeepsThatLineInTheMessage) {
  AppRun run;
  const Json seen = crash_seen(dir_, "partial_stderr", &run);
  ASSERT_FALSE(run.status.timed_out) << "the app hung\n" << run.describe();
  expect_abort_seen(seen, run);
  EXPECT_TRUE(contains(seen.at("message"), "crasher: last words without newline")) << seen.dump(2);
  EXPECT_TRUE(has_line(run.work_log("root.crasher"), "crasher: last words without newline"))
      << run.work_log("root.crasher");
}

TEST_F(DrillTest, CrashRightAfterALineWithoutNewlineOnStdoutKeepsThatLineInTheLog) {
  AppRun run;
  const Json seen = crash_seen(dir_, "partial_stdout", &run);
  ASSERT_FALSE(run.status.timed_out) << "the app hung\n" << run.describe();
  expect_abort_seen(seen, run);
  EXPECT_TRUE(has_line(run.work_log("root.crasher"), "crasher: last words without newline"))
      << run.work_log("root.crasher");
}

TEST_F(DrillTest, WorkThatClosesItsOutputThenCrashesWithDefaultOptionsFailsTheApp) {
  AppRun run = run_app(LIGHTNING_DRILLS_APP, dir_, {"crash", "close_then_abort", "fatal"},
                       {"--quiet-works"}, milliseconds(15000));
  ASSERT_FALSE(run.status.timed_out) << "the app hung\n" << run.describe();
  EXPECT_EQ(run.status.exit_code, 1) << run.describe();
  EXPECT_TRUE(contains(run.err, "app failed: work 'root.crasher' failed")) << run.err;
  EXPECT_TRUE(contains(run.err, "signal 6")) << run.err;
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.final.at("exit_code"), 1);
  EXPECT_EQ(run.work("crasher").at("status").at("reason"), "signal");
}

// ------------------------------------------------------------ the work forker is killed

TEST_F(DrillTest, WorkThatKillsTheForkerFailsWithTheReasonOthersRunOnANewForkerAndTheAppEnds) {
  AppRun run =
      run_app(LIGHTNING_DRILLS_APP, dir_, {"kill_forker"}, {"--quiet-works"}, milliseconds(30000));
  ASSERT_FALSE(run.status.timed_out) << "a dead work forker hung the app\n" << run.describe();
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  ASSERT_FALSE(run.final.is_discarded()) << run.describe();
  EXPECT_EQ(run.final.at("message"), "forker drill done");

  // The killer's call failed, and says why: its forker died and took it along.
  const auto killer_lines = log_lines(run.run_dir, "root.killer", "killer pid=");
  ASSERT_FALSE(killer_lines.empty()) << run.work_log("root.killer") << run.describe();
  const auto killer_line = parse_fields(killer_lines.front());
  ASSERT_EQ(killer_line.count("forker"), 1u) << killer_lines.front();
  const int first_forker = killer_line.at("forker");
  const Json& seen = run.root_vars().at("killer_seen");
  ASSERT_TRUE(seen.is_object()) << run.describe();
  EXPECT_EQ(seen.at("stage"), "failed") << seen.dump(2);
  EXPECT_EQ(seen.at("reason"), "signal") << seen.dump(2);
  EXPECT_TRUE(contains(
      seen.at("message"),
      "the work forker (zygote, pid " + std::to_string(first_forker) + ") died: killed by SIGKILL"))
      << seen.dump(2);

  // The bystander, mid-call on the same forker, died with it; its retry ran
  // in a process of a new forker and succeeded.
  const Json& bystander = run.work("bystander");
  EXPECT_EQ(bystander.at("status").at("stage"), "succeeded") << bystander.dump(2);
  EXPECT_EQ(bystander.at("status").at("attempt"), 2) << bystander.dump(2);
  EXPECT_EQ(bystander.at("vars").at("attempts"), 2);
  const int second_forker = bystander.at("vars").at("forker").get<int>();
  EXPECT_NE(second_forker, first_forker) << "the retry ran on the dead forker?";
  EXPECT_TRUE(process_is_gone(first_forker));

  // A work first called after the death starts on the new forker too.
  const Json& after = run.work("after");
  EXPECT_EQ(after.at("status").at("stage"), "succeeded") << after.dump(2);
  EXPECT_EQ(after.at("vars").at("result"), 42);
  EXPECT_TRUE(contains(run.err, "started a new work forker")) << run.err;

  // Nothing is left behind: the new forker ends with the app.
  EXPECT_TRUE(wait_process_gone(second_forker, milliseconds(5000)))
      << "the new work forker (pid " << second_forker << ") outlived the app";
}

}  // namespace
}  // namespace lightning::integration
