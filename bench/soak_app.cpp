// Soak benchmark app: N parallel works, each called in a loop (a new call
// with a new argument as soon as the previous one succeeded) for a while. The
// controller samples itself every interval and prints one JSON line per sample:
//  - its own RSS (/proc/self/statm) and open fds (/proc/self/fd),
//  - the summed RSS of every process of the app (the controller's descendants:
//    the zygote, the works, anything they started),
//  - the dispatch latency (flow calls a work -> the work's body starts, from
//    CLOCK_MONOTONIC, shared by all processes on one machine) p50/p99 over the
//    window since the previous sample.
// At the end it prints a summary comparing the first and the last sample.
// Args: -- [N=200] [seconds=600] [interval=10] [nocache] [samearg] [cache=K] [calls=C]
//   nocache  the works use WorkOptions::cache_calls(false)
//   cache=K  the works use WorkOptions::max_cached_calls(K) (default: its default)
//   calls=C  end after C succeeded calls (or at `seconds`, whichever comes first)
//   samearg  every call of a work has the same argument (with nocache: to tell
//            growth per distinct call from growth per call)
// Usage: bench/soak.sh; figures go in docs/benchmarks.md.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <lightning/lightning.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

double pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

/// Resident set of `pid` in KiB ("self" for this process); 0 when it is gone.
int64_t rss_kib(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/statm");
  int64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - 1;  // the directory's own fd
}

/// Every process on the machine as pid -> parent pid.
std::map<int, int> parents() {
  std::map<int, int> out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    std::getline(in, stat);
    // "pid (comm) S ppid ...": comm may contain spaces and ')', so parse from the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    int ppid = 0;
    if (rest >> state >> ppid) out[std::atoi(e->d_name)] = ppid;
  }
  closedir(d);
  return out;
}

struct Sample {
  double t_s = 0;
  int64_t calls = 0;  // calls that succeeded in this window
  double calls_per_s = 0;
  int64_t controller_rss_kib = 0;
  int controller_fds = 0;
  int app_processes = 0;  // the controller and its descendants
  int64_t app_rss_kib = 0;
  int64_t zygote_rss_kib = 0;
  int64_t works_rss_kib = 0;     // summed over the zygote's children
  int64_t work_rss_max_kib = 0;  // the largest work
  double dispatch_p50_us = 0;
  double dispatch_p99_us = 0;
  double dispatch_max_us = 0;
  double sample_ms = 0;  // how long taking this sample blocked the controller's loop

  std::string json() const {
    char buf[768];
    std::snprintf(buf, sizeof buf,
                  "{\"t_s\": %.1f, \"calls\": %lld, \"calls_per_s\": %.0f, "
                  "\"controller_rss_kib\": %lld, \"controller_fds\": %d, \"app_processes\": %d, "
                  "\"app_rss_kib\": %lld, \"zygote_rss_kib\": %lld, \"works_rss_kib\": %lld, "
                  "\"work_rss_max_kib\": %lld, \"dispatch_us\": {\"p50\": %.1f, \"p99\": %.1f, "
                  "\"max\": %.1f}, \"sample_ms\": %.1f}",
                  t_s, static_cast<long long>(calls), calls_per_s,
                  static_cast<long long>(controller_rss_kib), controller_fds, app_processes,
                  static_cast<long long>(app_rss_kib), static_cast<long long>(zygote_rss_kib),
                  static_cast<long long>(works_rss_kib), static_cast<long long>(work_rss_max_kib),
                  dispatch_p50_us, dispatch_p99_us, dispatch_max_us, sample_ms);
    return buf;
  }
};

/// Fills in the memory and process figures of `s`.
void sample_processes(Sample& s) {
  const int self = static_cast<int>(getpid());
  s.controller_rss_kib = rss_kib("self");
  s.controller_fds = open_fds();
  const auto parent_of = parents();
  std::map<int, std::vector<int>> children;
  for (const auto& [pid, ppid] : parent_of) children[ppid].push_back(pid);
  // Breadth first from the controller: depth 1 is the zygote, depth 2 the works.
  std::vector<std::pair<int, int>> todo{{self, 0}};
  s.app_processes = 0;
  s.app_rss_kib = 0;
  for (size_t i = 0; i < todo.size(); ++i) {
    const auto [pid, depth] = todo[i];
    const int64_t kib = pid == self ? s.controller_rss_kib : rss_kib(std::to_string(pid));
    ++s.app_processes;
    s.app_rss_kib += kib;
    if (depth == 1) s.zygote_rss_kib += kib;
    if (depth == 2) {
      s.works_rss_kib += kib;
      s.work_rss_max_kib = std::max(s.work_rss_max_kib, kib);
    }
    auto it = children.find(pid);
    if (it == children.end()) continue;
    for (int c : it->second) todo.emplace_back(c, depth + 1);
  }
}

}  // namespace

/// Records when its body starts and answers 2*i, so the flow can check it.
struct Echo : lightning::Work {
  lightning::State<int64_t> started_ns{this, "started_ns", 0};
  lightning::State<int64_t> result{this, "result", 0};
  void run(const lightning::Json& args) override {
    started_ns = now_ns();
    result = 2 * args.at("i").get<int64_t>();
  }
};

struct Root : lightning::Flow {
  int n = 200;
  int seconds = 600;
  int interval_s = 10;
  bool cache_calls = true;
  bool same_arg = false;
  int max_cached_calls = lightning::WorkOptions().max_cached_calls();
  int64_t max_calls = 0;  // 0: no limit

  struct Slot {
    Echo* work = nullptr;
    int64_t i = 0;                 // argument of the call in flight
    int64_t sent_ns = 0;           // when the flow made that call
    int64_t calls = 0;             // succeeded so far
    uint64_t counted_call_id = 0;  // the latest call already counted
  };
  std::vector<Slot> slots;
  int64_t t_start = 0;
  int64_t next_sample_ns = 0;
  int64_t last_sample_ns = 0;
  int64_t window_calls = 0, total_calls = 0, failures = 0, wrong_results = 0;
  std::vector<double> window_latency_us;
  std::vector<Sample> samples;
  bool done = false;

  Root() {
    const auto& a = lightning::app_args();
    if (a.size() > 0) n = std::stoi(a[0]);
    if (a.size() > 1) seconds = std::stoi(a[1]);
    if (a.size() > 2) interval_s = std::stoi(a[2]);
    for (const auto& s : a) {
      if (s == "nocache") cache_calls = false;
      if (s == "samearg") same_arg = true;
      if (s.rfind("cache=", 0) == 0) max_cached_calls = std::stoi(s.substr(6));
      if (s.rfind("calls=", 0) == 0) max_calls = std::stoll(s.substr(6));
    }
  }

  void call(Slot& s) {
    s.sent_ns = now_ns();
    s.work->call({{"i", same_arg ? 0 : s.i}});
  }

  void run() override {
    if (done) return;
    if (slots.empty()) {
      t_start = last_sample_ns = now_ns();
      next_sample_ns = t_start + int64_t{std::min(interval_s, seconds)} * 1000000000;
      schedule_in(std::chrono::seconds(std::min(interval_s, seconds)));
      slots.resize(n);
      for (int k = 0; k < n; ++k) {
        slots[k].work =
            &add_work<Echo>("w" + std::to_string(k), lightning::WorkOptions()
                                                         .parallel(true)
                                                         .raise_exception(false)
                                                         .cache_calls(cache_calls)
                                                         .max_cached_calls(max_cached_calls));
        call(slots[k]);
      }
      return;
    }
    bool rerun_soon = false;
    for (Slot& s : slots) {
      const lightning::WorkStatus& st = s.work->status();
      // A call with the args of the one just done is a new call only from the
      // next run on (the flow must see it done first): until then the status
      // stays that of the counted call.
      if (!st.is_done() || st.call_id == s.counted_call_id) {
        if (st.is_done()) {
          call(s);
          rerun_soon = true;  // nothing changes until that new call starts: ask for a run
        }
        continue;
      }
      s.counted_call_id = st.call_id;
      if (st.has_succeeded()) {
        if (s.work->result.get() != 2 * (same_arg ? 0 : s.i)) ++wrong_results;
        // The first call of each work includes starting its process: not dispatch.
        if (s.calls > 0) window_latency_us.push_back((s.work->started_ns.get() - s.sent_ns) / 1e3);
        ++s.calls;
        ++window_calls;
        ++total_calls;
        ++s.i;
        call(s);
      } else if (st.has_failed()) {
        ++failures;
        std::fprintf(stderr, "soak: %s failed: %s\n", s.work->path().c_str(), st.message.c_str());
        ++s.i;
        call(s);
      }
    }
    if (rerun_soon) schedule_in(std::chrono::milliseconds(0));
    const int64_t now = now_ns();
    const bool enough_calls = max_calls > 0 && total_calls >= max_calls;
    if (now >= next_sample_ns || enough_calls) {
      take_sample(now);
      const int64_t end = t_start + int64_t{seconds} * 1000000000;
      if (now >= end || enough_calls) {
        finish();
        return;
      }
      // The last window ends at `seconds` even when that is not a multiple of the interval.
      next_sample_ns = std::min(next_sample_ns + int64_t{interval_s} * 1000000000, end);
      schedule_in(
          std::chrono::milliseconds(std::max<int64_t>(1, (next_sample_ns - now) / 1000000)));
    }
  }

  void take_sample(int64_t now) {
    Sample s;
    s.t_s = (now - t_start) / 1e9;
    s.calls = window_calls;
    s.calls_per_s = window_calls / ((now - last_sample_ns) / 1e9);
    s.dispatch_p50_us = pct(window_latency_us, 0.5);
    s.dispatch_p99_us = pct(window_latency_us, 0.99);
    s.dispatch_max_us = window_latency_us.empty() ? 0 : window_latency_us.back();  // sorted by pct
    sample_processes(s);
    s.sample_ms = (now_ns() - now) / 1e6;
    std::printf("%s\n", s.json().c_str());
    std::fflush(stdout);
    samples.push_back(s);
    window_calls = 0;
    window_latency_us.clear();
    last_sample_ns = now;
  }

  void finish() {
    done = true;
    const Sample& first = samples.front();
    const Sample& last = samples.back();
    const double hours = (last.t_s - first.t_s) / 3600.0;
    std::printf(
        "{\"summary\": {\"works\": %d, \"seconds\": %.0f, \"cache_calls\": %s, "
        "\"max_cached_calls\": %d, "
        "\"same_arg\": %s, \"calls\": %lld, "
        "\"calls_per_s\": %.0f, \"failures\": %lld, \"wrong_results\": %lld, "
        "\"first\": %s, \"last\": %s, "
        "\"controller_rss_growth_kib\": %lld, \"controller_rss_growth_kib_per_hour\": %.0f, "
        "\"controller_rss_growth_bytes_per_call\": %.1f, "
        "\"controller_fds_growth\": %d, \"app_rss_growth_kib\": %lld, "
        "\"works_rss_growth_kib\": %lld, \"app_processes_growth\": %d, "
        "\"dispatch_p50_change_us\": %.1f, \"dispatch_p99_change_us\": %.1f}}\n",
        n, last.t_s, cache_calls ? "true" : "false", max_cached_calls, same_arg ? "true" : "false",
        static_cast<long long>(total_calls), total_calls / last.t_s,
        static_cast<long long>(failures), static_cast<long long>(wrong_results),
        first.json().c_str(), last.json().c_str(),
        static_cast<long long>(last.controller_rss_kib - first.controller_rss_kib),
        hours > 0 ? (last.controller_rss_kib - first.controller_rss_kib) / hours : 0.0,
        total_calls > first.calls ? (last.controller_rss_kib - first.controller_rss_kib) * 1024.0 /
                                        static_cast<double>(total_calls - first.calls)
                                  : 0.0,
        last.controller_fds - first.controller_fds,
        static_cast<long long>(last.app_rss_kib - first.app_rss_kib),
        static_cast<long long>(last.works_rss_kib - first.works_rss_kib),
        last.app_processes - first.app_processes, last.dispatch_p50_us - first.dispatch_p50_us,
        last.dispatch_p99_us - first.dispatch_p99_us);
    std::fflush(stdout);
    if (failures > 0 || wrong_results > 0) {
      fail("soak: " + std::to_string(failures) + " failed calls, " + std::to_string(wrong_results) +
           " wrong results");
    } else {
      stop();
    }
  }
};

LIGHTNING_APP(Root)
