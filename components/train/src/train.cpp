// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/components/train.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checkpoint.hpp"

namespace lightning::components {
namespace fs = std::filesystem;

// ---------------------------------------------------------------- config

namespace {
template <class T>
T read_key(const lightning::Json& args, const char* key, T fallback) {
  if (!args.is_object() || !args.contains(key)) return fallback;
  try {
    return args.at(key).get<T>();
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("TrainWork: call arg \"") + key +
                                "\" has the wrong type: " + args.at(key).dump() + " (" + e.what() +
                                ")");
  }
}

void check_at_least(const char* key, int64_t value, int64_t min) {
  if (value < min) {
    throw std::invalid_argument(std::string("TrainWork: ") + key + " must be >= " +
                                std::to_string(min) + ", got " + std::to_string(value));
  }
}
}  // namespace

TrainConfig TrainConfig::from_json(const lightning::Json& args) {
  return from_json(args, TrainConfig());
}

TrainConfig TrainConfig::from_json(const lightning::Json& args, const TrainConfig& defaults) {
  if (!args.is_null() && !args.is_object()) {
    throw std::invalid_argument("TrainWork: call args must be a JSON object, got " + args.dump());
  }
  TrainConfig c = defaults;
  c.epochs = read_key(args, "epochs", c.epochs);
  c.max_steps = read_key(args, "max_steps", c.max_steps);
  c.batch_size = read_key(args, "batch_size", c.batch_size);
  c.lr = read_key(args, "lr", c.lr);
  c.report_every = read_key(args, "report_every", c.report_every);
  c.eval_every = read_key(args, "eval_every", c.eval_every);
  c.checkpoint_every = read_key(args, "checkpoint_every", c.checkpoint_every);
  c.keep_last = read_key(args, "keep_last", c.keep_last);
  c.seed = read_key(args, "seed", c.seed);
  c.threads = read_key(args, "threads", c.threads);
  c.device = read_key(args, "device", c.device);
  c.resume = read_key(args, "resume", c.resume);
  c.args = args.is_null() ? lightning::Json::object() : args;
  check_at_least("epochs", c.epochs, 0);
  check_at_least("max_steps", c.max_steps, 0);
  check_at_least("batch_size", c.batch_size, 1);
  check_at_least("report_every", c.report_every, 1);
  check_at_least("eval_every", c.eval_every, 0);
  check_at_least("checkpoint_every", c.checkpoint_every, 0);
  check_at_least("keep_last", c.keep_last, 1);
  check_at_least("threads", c.threads, 0);
  if (!(c.lr > 0) || !std::isfinite(c.lr)) {
    throw std::invalid_argument("TrainWork: lr must be a finite number > 0, got " +
                                std::to_string(c.lr));
  }
  if (c.device != "auto" && c.device != "cpu" && c.device.rfind("cuda", 0) != 0) {
    throw std::invalid_argument("TrainWork: device must be \"auto\", \"cpu\", \"cuda\" or "
                                "\"cuda:N\", got \"" + c.device + "\"");
  }
  return c;
}

// ---------------------------------------------------------------- threads

int cpus_in_affinity_mask() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

int set_cpu_threads(int n) {
  if (n <= 0) n = cpus_in_affinity_mask();
  at::set_num_threads(n);
  using SetThreads = void (*)(int);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): dlsym's contract
  if (auto* f = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    f(n);
  }
  return n;
}

// ---------------------------------------------------------------- allocator

bool tune_allocator_for_training() {
#ifdef __GLIBC__
  // mallopt() and not the GLIBC_TUNABLES environment variable: a work is
  // forked from the pre-started process, whose allocator read its tunables
  // long before; only a call in the work's own process changes them.
  const bool mmap_ok = ::mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool trim_ok = ::mallopt(M_TRIM_THRESHOLD, -1) == 1;
  return mmap_ok && trim_ok;
#else
  return true;
#endif
}

bool release_free_memory() {
#ifdef __GLIBC__
  return ::malloc_trim(0) == 1;
#else
  return false;
#endif
}

// ---------------------------------------------------------------- model

torch::nn::Sequential fashion_mnist_cnn(int64_t width, int64_t hidden) {
  namespace nn = torch::nn;
  return nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(1, width, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
      nn::Conv2d(nn::Conv2dOptions(width, 2 * width, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
      nn::Flatten(), nn::Linear(2 * width * 7 * 7, hidden), nn::ReLU(), nn::Linear(hidden, 10));
}

// ---------------------------------------------------------------- defaults

std::unique_ptr<torch::optim::Optimizer> TrainWork::make_optimizer(
    std::vector<torch::Tensor> parameters, const TrainConfig& config) {
  return std::make_unique<torch::optim::Adam>(std::move(parameters),
                                              torch::optim::AdamOptions(config.lr));
}

torch::Tensor TrainWork::compute_loss(const torch::Tensor& output, const torch::Tensor& target) {
  return torch::nn::functional::cross_entropy(output, target);
}

int64_t TrainWork::count_correct(const torch::Tensor& output, const torch::Tensor& target) {
  return output.argmax(1).eq(target).sum().item<int64_t>();
}

// ---------------------------------------------------------------- the loop

namespace {

torch::Device pick_device(const std::string& want) {
  if (want == "cpu") return torch::kCPU;
  if (want == "auto") return torch::cuda::is_available() ? torch::Device("cuda:0") : torch::kCPU;
  if (!torch::cuda::is_available()) {
    throw std::runtime_error("TrainWork: device \"" + want +
                             "\" asked for, but this libtorch has no CUDA or no GPU is visible "
                             "(CUDA_VISIBLE_DEVICES); use \"auto\" or \"cpu\"");
  }
  return want == "cuda" ? torch::Device("cuda:0") : torch::Device(want);
}

/// CPU time of this process (all threads), in seconds.
double process_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void log_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_line(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::putchar('\n');
  std::fflush(stdout);
}

}  // namespace

struct TrainWork::Loop {
  Loop(TrainWork& work, TrainConfig config) : w(work), cfg(std::move(config)) {}
  TrainWork& w;
  TrainConfig cfg;
  torch::Device dev = torch::kCPU;
  TrainModel model;
  std::shared_ptr<torch::nn::Module> module;
  std::unique_ptr<torch::optim::Optimizer> opt;
  TrainData train, val;
  fs::path dir;  // <files_dir>/checkpoints
  int64_t steps_per_epoch = 0;
  int64_t total_steps = 0;
  int64_t s = 0;  // steps done
  // Report window.
  double win_loss = 0;
  int64_t win_correct = 0, win_samples = 0, win_steps = 0;
  std::chrono::steady_clock::time_point win_start = std::chrono::steady_clock::now();
  double last_val_loss = std::numeric_limits<double>::quiet_NaN();
  int64_t last_eval_step = -1;
  double side_s = 0;  // time in evaluate() and save() during run_steps()

  void report() {
    if (win_steps == 0) return;
    const double secs = seconds_since(win_start);
    w.step = s;
    w.epoch = (s - 1) / steps_per_epoch;
    w.loss = win_loss / static_cast<double>(win_steps);
    w.accuracy = static_cast<double>(win_correct) / static_cast<double>(win_samples);
    w.samples_per_s = secs > 0 ? static_cast<double>(win_samples) / secs : 0.0;
    win_loss = 0;
    win_correct = win_samples = win_steps = 0;
    win_start = std::chrono::steady_clock::now();
  }

  void evaluate() {
    if (val.empty()) return;
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    module->eval();
    double loss_sum = 0;
    int64_t correct = 0;
    const size_t n = val.size();
    const auto bs = static_cast<size_t>(cfg.batch_size);
    std::vector<size_t> idx;
    for (size_t at = 0; at < n; at += bs) {
      idx.clear();
      for (size_t i = at; i < std::min(n, at + bs); ++i) idx.push_back(i);
      auto batch = val.get_batch(idx);
      auto x = batch.data.to(dev), y = batch.target.to(dev);
      auto out = model.forward(x);
      loss_sum += w.compute_loss(out, y).item<double>() * static_cast<double>(idx.size());
      correct += w.count_correct(out, y);
    }
    module->train();
    last_val_loss = loss_sum / static_cast<double>(n);
    last_eval_step = s;
    w.val_loss = last_val_loss;
    w.val_accuracy = static_cast<double>(correct) / static_cast<double>(n);
    side_s += seconds_since(t0);
  }

  void save() {
    if (w.checkpoint_step.get() == s && fs::exists(dir / checkpoint_name(s))) return;
    CheckpointMeta meta;
    meta.step = s;
    meta.epoch = s == 0 ? 0 : (s - 1) / steps_per_epoch;
    meta.val_loss = last_eval_step == s ? last_val_loss : std::numeric_limits<double>::quiet_NaN();
    const auto t0 = std::chrono::steady_clock::now();
    const fs::path file = save_checkpoint(dir, *module, *opt, meta);
    prune_checkpoints(dir, cfg.keep_last);
    w.checkpoint = lightning::Path("checkpoints/" + file.filename().string());
    w.checkpoint_step = s;
    side_s += seconds_since(t0);
    log_line("checkpoint saved step=%" PRId64 " pid=%d file=%s ms=%.1f", s,
             static_cast<int>(::getpid()), file.filename().c_str(), seconds_since(t0) * 1e3);
  }

  bool due(int64_t every, bool epoch_end) const { return every > 0 ? s % every == 0 : epoch_end; }

  void run_steps() {
    torch::Tensor perm;
    int64_t perm_epoch = -1;
    std::vector<size_t> idx;
    const auto n = static_cast<int64_t>(train.size());
    module->train();
    win_start = std::chrono::steady_clock::now();
    const auto loop_start = win_start;
    const double cpu_start = process_cpu_s();
    const int64_t first = s;
    side_s = 0;
    int64_t samples = 0;
    while (s < total_steps) {
      if (lightning::stop_requested()) {
        report();
        save();
        log_line("stop requested: checkpoint at step=%" PRId64 ", returning", s);
        return;
      }
      const int64_t e = s / steps_per_epoch;
      const int64_t b = s % steps_per_epoch;
      if (e != perm_epoch) {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed * 1000003ULL +
                                                            static_cast<uint64_t>(e));
        perm = torch::randperm(n, gen, torch::kLong);
        perm_epoch = e;
      }
      const int64_t lo = b * cfg.batch_size, hi = std::min(n, lo + cfg.batch_size);
      const auto* p = perm.data_ptr<int64_t>();
      idx.assign(p + lo, p + hi);
      auto batch = train.get_batch(idx);
      auto x = batch.data.to(dev), y = batch.target.to(dev);
      opt->zero_grad();
      auto out = model.forward(x);
      auto l = w.compute_loss(out, y);
      l.backward();
      w.after_backward(*module, cfg);
      opt->step();
      ++s;
      win_loss += l.item<double>();
      win_correct += w.count_correct(out.detach(), y);
      win_samples += hi - lo;
      samples += hi - lo;
      ++win_steps;
      const bool epoch_end = s % steps_per_epoch == 0;
      if (s % cfg.report_every == 0 || s == total_steps) report();
      if (due(cfg.eval_every, epoch_end)) evaluate();
      if (due(cfg.checkpoint_every, epoch_end)) save();
    }
    // Training throughput of this call: evaluations and checkpoints excluded.
    const double train_s = seconds_since(loop_start) - side_s;
    const double cpu_s = process_cpu_s() - cpu_start;  // evaluations and checkpoints included
    if (last_eval_step != s) evaluate();
    save();
    log_line("training done: step=%" PRId64 " loss=%.4f val_loss=%.4f val_accuracy=%.4f "
             "steps=%" PRId64 " train_s=%.3f samples_per_s=%.1f cpu_s=%.3f samples_per_cpu_s=%.1f",
             s, w.loss.get(), w.val_loss.get(), w.val_accuracy.get(), s - first, train_s,
             train_s > 0 ? static_cast<double>(samples) / train_s : 0.0, cpu_s,
             cpu_s > 0 ? static_cast<double>(samples) / cpu_s : 0.0);
  }
};

namespace {
/// Gives the heap's free memory back when a call ends (returns or throws),
/// after the loop's model, data and tensors are gone: the allocator keeps it
/// during the steps (tune_allocator_for_training()).
struct ReleaseFreeMemoryAtExit {
  ReleaseFreeMemoryAtExit() = default;
  ReleaseFreeMemoryAtExit(const ReleaseFreeMemoryAtExit&) = delete;
  ReleaseFreeMemoryAtExit& operator=(const ReleaseFreeMemoryAtExit&) = delete;
  ReleaseFreeMemoryAtExit(ReleaseFreeMemoryAtExit&&) = delete;
  ReleaseFreeMemoryAtExit& operator=(ReleaseFreeMemoryAtExit&&) = delete;
  ~ReleaseFreeMemoryAtExit() { release_free_memory(); }
};
}  // namespace

void TrainWork::run(const lightning::Json& args) {
  const ReleaseFreeMemoryAtExit release_at_exit;  // destroyed after L
  Loop L(*this, TrainConfig::from_json(args, default_config()));
  const auto& cfg = L.cfg;
  L.dev = pick_device(cfg.device);
  threads = L.dev.is_cpu() ? set_cpu_threads(cfg.threads) : 0;
  // Before the model and the data, so that they too come from the tuned heap.
  tune_allocator_for_training();
  device = L.dev.str();
  torch::manual_seed(cfg.seed);

  L.model = make_model(cfg);
  if (L.model.empty()) throw std::invalid_argument("TrainWork: make_model() returned no module");
  L.module = L.model.ptr();
  L.module->to(L.dev);
  L.opt = make_optimizer(L.module->parameters(), cfg);
  if (!L.opt) throw std::invalid_argument("TrainWork: make_optimizer() returned nullptr");
  L.train = make_train_data(cfg);
  if (L.train.empty()) {
    throw std::invalid_argument("TrainWork: make_train_data() returned no data");
  }
  L.val = make_val_data(cfg);
  const auto n = static_cast<int64_t>(L.train.size());
  L.steps_per_epoch = (n + cfg.batch_size - 1) / cfg.batch_size;
  L.total_steps = cfg.epochs * L.steps_per_epoch;
  if (cfg.max_steps > 0) L.total_steps = std::min(L.total_steps, cfg.max_steps);
  L.dir = lightning::files_dir() / "checkpoints";
  fs::create_directories(L.dir);

  if (cfg.resume) {
    if (auto latest = latest_checkpoint(L.dir)) {
      const CheckpointMeta meta = load_checkpoint(*latest, *L.module, *L.opt, L.dev);
      L.s = meta.step;
      resumed_from = meta.step;
      checkpoint = lightning::Path("checkpoints/" + latest->filename().string());
      checkpoint_step = meta.step;
      step = meta.step;
      epoch = meta.epoch;
      L.evaluate();
      log_line("resumed from checkpoint step=%" PRId64 " pid=%d val_loss=%.6f checkpoint_val_loss=%.6f",
               meta.step, static_cast<int>(::getpid()), L.last_val_loss, meta.val_loss);
    } else {
      resumed_from = -1;
    }
  }
  log_line("training: %" PRId64 " examples, %" PRId64 " steps per epoch, steps %" PRId64
           "..%" PRId64 " on %s with %d threads, pid=%d",
           n, L.steps_per_epoch, L.s, L.total_steps, L.dev.str().c_str(), threads.get(),
           static_cast<int>(::getpid()));
  L.run_steps();
}

}  // namespace lightning::components
