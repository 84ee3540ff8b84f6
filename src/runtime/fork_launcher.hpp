// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "runtime/work_launcher.hpp"
#include "runtime/zygote.hpp"
#include "util/clock.hpp"
#include "util/event_loop.hpp"
#include "util/status.hpp"

namespace lightning::runtime {

/// Local launcher: asks the work forker (zygote) to fork each work process,
/// pipes the process's stdout/stderr back line by line, reports exits, and
/// times the SIGTERM -> SIGKILL escalation of stop() on the loop's clock. When
/// the forker dies, every process it had is reported as exited with the
/// reason, and the next launch starts a new forker through `restart_forker`
/// (or fails with the reason when there is none or it fails). A launch that
/// meets a temporary shortage (pipe: EMFILE/ENFILE; fork: EAGAIN/ENOMEM in the
/// forker) is retried with backoff for up to kLaunchRetryFor before it fails.
/// Owned by the app's main path; lives on the loop's thread (which must be the
/// thread that lives as long as the controller: forkers die with it); not
/// thread-safe. Nothing it posted or armed runs after its destruction.
class ForkLauncher final : public WorkLauncherInterface {
 public:
  /// Starts a replacement forker; spawn_zygote() in an app.
  using ForkerFactory = std::function<Result<ZygoteHandle>()>;
  /// How long a launch that meets EMFILE/ENFILE/EAGAIN is retried before it fails.
  static constexpr std::chrono::milliseconds kLaunchRetryFor{30000};

  ForkLauncher(util::EventLoop& loop, ZygoteHandle zygote, ForkerFactory restart_forker = {});
  ~ForkLauncher() override;

  void set_events(Events events) override { events_ = std::move(events); }
  void launch(const v1::LaunchWorkRequest& request) override;
  void stop(uint64_t process_id, std::chrono::milliseconds grace) override;
  void shutdown() override;

 private:
  struct Stream {
    explicit Stream(boost::asio::io_context& io) : sd(io) {}
    boost::asio::posix::stream_descriptor sd;
    std::array<char, 8192> buf{};
    std::string partial;
    bool eof = false;
  };
  struct Proc {
    uint64_t id = 0;
    std::string work_path;
    std::string body;  // the serialized request, kept for a retry
    int pid = -1;
    // Set by stop(): when SIGKILL is due, and the grace period that made it so.
    std::optional<util::ClockInterface::TimePoint> kill_at;
    std::chrono::milliseconds grace{0};
    bool term_sent = false;
    uint32_t signals_sent = 0;  // bit n: the launcher sent signal n
    std::unique_ptr<util::Timer> kill_timer;
    std::unique_ptr<Stream> out, err;
    Stream* stream(bool is_stderr) const { return is_stderr ? err.get() : out.get(); }
    bool exited = false;
    ProcessExit exit;
    std::unique_ptr<util::Timer> drain_timer;
    // Launch attempts that met a temporary shortage, and when the first began.
    int attempt = 0;
    util::ClockInterface::TimePoint first_try{};
    std::unique_ptr<util::Timer> retry_timer;
  };

  struct Outgoing {
    uint64_t process_id;
    std::string body;
    int out_fd;  // write ends handed to the child; closed once the forker replied
    int err_fd;
  };
  template <class F>
  void post(const char* name, F&& fn);
  void try_launch(uint64_t id);
  bool retry_later(Proc& p, const std::string& why);
  void read_zygote();
  void write_zygote();
  void on_zygote_message(const std::string& data);
  void on_forker_lost();
  std::string forker_death_reason();
  bool ensure_forker(std::string* why_not);
  void read_stream(uint64_t id, bool is_stderr);
  /// Passes on each whole line of `s.partial` plus `n` bytes of `data`.
  void consume(uint64_t id, Stream& s, const char* data, size_t n, bool is_stderr);
  /// Passes on a last line that has no newline, if any.
  void flush_partial(uint64_t id, Stream& s, bool is_stderr);
  /// The drain grace is over: reads what is in the pipes now, then finishes.
  void drain_now(uint64_t id);
  void apply_stop(Proc& p);
  void signal_group(Proc& p, int sig);
  void give_up_unforked(uint64_t process_id);
  void report_unforked(uint64_t process_id, const ProcessExit& exit);
  void close_write_ends(uint64_t process_id);
  /// Closes every write end not yet sent to the forker or not yet answered
  /// for, and forgets them (the forker died, or shutdown).
  void close_all_write_ends();
  void arm_drain(Proc& p);
  void maybe_finish(uint64_t id, bool force);
  Proc* find(uint64_t id);

  util::EventLoop& loop_;
  util::ClockInterface& clock_;
  ZygoteHandle zygote_;
  ForkerFactory restart_forker_;
  boost::asio::posix::stream_descriptor zygote_sd_;
  bool forker_alive_ = true;
  uint64_t forker_generation_ = 0;  // one more for each replacement forker
  std::string forker_lost_reason_;  // why the last forker died
  Events events_;
  std::map<uint64_t, Proc> procs_;
  std::map<int, uint64_t> by_pid_;
  // Processes reported as exited before the forker forked them.
  std::set<uint64_t> given_up_;
  std::deque<Outgoing> outgoing_;
  // Write ends sent to the forker, kept until it replies (a retry resends them).
  std::map<uint64_t, std::pair<int, int>> sent_fds_;
  bool write_waiting_ = false;
  bool shut_down_ = false;
  // Posted handlers and asio completions hold a weak copy: expired once destroyed.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lightning::runtime
