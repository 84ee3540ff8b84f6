// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "checkpoint.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace lightning::components {
namespace fs = std::filesystem;

namespace {
constexpr const char* kFormat = "lightning.train.v1";

std::string shape(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(t.size(i));
  }
  return s + "]";
}

void write_all(int fd, const void* data, size_t n, const fs::path& file) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      throw std::runtime_error("TrainWork: cannot write checkpoint " + file.string() + ": " +
                               std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

/// Collects the module's tensors by dotted name, checking each against the
/// archive; only when all fit are they copied (all or nothing).
void collect(torch::nn::Module& m, torch::serialize::InputArchive& ar, const std::string& prefix,
             const fs::path& file, std::vector<std::pair<torch::Tensor, torch::Tensor>>& out) {
  auto check = [&](const std::string& name, const torch::Tensor& mine, bool buffer) {
    torch::Tensor theirs;
    if (!ar.try_read(name, theirs, buffer)) {
      throw std::runtime_error("TrainWork: checkpoint " + file.string() + " does not fit the model: " +
                               (buffer ? "buffer '" : "parameter '") + prefix + name + "' " +
                               shape(mine) + " is in the model but not in the checkpoint");
    }
    if (theirs.sizes() != mine.sizes()) {
      throw std::runtime_error("TrainWork: checkpoint " + file.string() + " does not fit the model: " +
                               (buffer ? "buffer '" : "parameter '") + prefix + name + "' is " +
                               shape(theirs) + " in the checkpoint but " + shape(mine) +
                               " in the model (a different model or width? pass \"resume\": false "
                               "or remove the checkpoints to start afresh)");
    }
    out.emplace_back(mine, theirs);
  };
  for (const auto& p : m.named_parameters(/*recurse=*/false)) check(p.key(), p.value(), false);
  for (const auto& b : m.named_buffers(/*recurse=*/false)) check(b.key(), b.value(), true);
  for (const auto& c : m.named_children()) {
    torch::serialize::InputArchive sub;
    if (!ar.try_read(c.key(), sub)) {
      throw std::runtime_error("TrainWork: checkpoint " + file.string() +
                               " does not fit the model: module '" + prefix + c.key() +
                               "' is in the model but not in the checkpoint");
    }
    collect(*c.value(), sub, prefix + c.key() + ".", file, out);
  }
}
void load_weights(torch::nn::Module& model, torch::serialize::InputArchive& model_ar,
                  const fs::path& file) {
  std::vector<std::pair<torch::Tensor, torch::Tensor>> pairs;
  collect(model, model_ar, "", file, pairs);
  torch::NoGradGuard no_grad;
  for (auto& [mine, theirs] : pairs) mine.copy_(theirs);
}

/// Opens `file` and checks the format; fills `model_ar` (and `root`).
void open_checkpoint(const fs::path& file, const torch::Device& device,
                     torch::serialize::InputArchive& root) {
  try {
    root.load_from(file.string(), device);
  } catch (const c10::Error& e) {
    throw std::runtime_error("TrainWork: checkpoint " + file.string() +
                             " cannot be read (" + e.what_without_backtrace() +
                             "); remove it to resume from the one before, or pass \"resume\": "
                             "false to start afresh");
  }
}
}  // namespace

std::string checkpoint_name(int64_t step) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "step-%012lld.pt", static_cast<long long>(step));
  return buf;
}

std::optional<int64_t> checkpoint_step_of(const std::string& name) {
  if (name.size() != 20 || name.rfind("step-", 0) != 0 || name.substr(17) != ".pt") return {};
  int64_t v = 0;
  for (size_t i = 5; i < 17; ++i) {
    if (name[i] < '0' || name[i] > '9') return {};
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

fs::path save_checkpoint(const fs::path& dir, torch::nn::Module& model,
                         torch::optim::Optimizer& optimizer, const CheckpointMeta& meta) {
  torch::serialize::OutputArchive root, model_ar, opt_ar;
  model.save(model_ar);
  optimizer.save(opt_ar);
  root.write("format", c10::IValue(std::string(kFormat)));
  root.write("step", c10::IValue(meta.step));
  root.write("epoch", c10::IValue(meta.epoch));
  root.write("val_loss", c10::IValue(meta.val_loss));
  {
    at::Generator gen = at::detail::getDefaultCPUGenerator();  // a handle: shares the state
    std::lock_guard<std::mutex> lock(gen.mutex());
    root.write("rng", gen.get_state(), /*is_buffer=*/true);
  }
  root.write("model", model_ar);
  root.write("optimizer", opt_ar);

  fs::path file = dir / checkpoint_name(meta.step);
  const fs::path tmp = dir / (".tmp-" + std::to_string(::getpid()) + "-" + file.filename().string());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("TrainWork: cannot create " + tmp.string() + ": " +
                             std::strerror(errno));
  }
  try {
    root.save_to([&](const void* data, size_t n) -> size_t {
      write_all(fd, data, n, tmp);
      return n;
    });
    if (::fsync(fd) != 0) {
      throw std::runtime_error("TrainWork: fsync " + tmp.string() + ": " + std::strerror(errno));
    }
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  // A committed checkpoint of the same name is read-only: replace, never rewrite.
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("TrainWork: cannot rename " + tmp.string() + " to " + file.string() +
                             ": " + std::strerror(err));
  }
  fsync_dir(dir);
  return file;
}

std::optional<fs::path> latest_checkpoint(const fs::path& dir) {
  std::optional<fs::path> best;
  int64_t best_step = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto s = checkpoint_step_of(e.path().filename().string());
    if (s && *s > best_step) {
      best_step = *s;
      best = e.path();
    }
  }
  return best;
}

void prune_checkpoints(const fs::path& dir, int64_t keep) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (const auto s = checkpoint_step_of(name)) {
      found.emplace_back(*s, e.path());
    } else if (name.rfind(".tmp-", 0) == 0) {
      const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 5));
      if (pid != ::getpid() && pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
        fs::remove(e.path(), ec);  // left by a writer that was killed
      }
    }
  }
  std::sort(found.begin(), found.end());
  for (size_t i = 0; i + static_cast<size_t>(keep) < found.size(); ++i) {
    fs::remove(found[i].second, ec);
  }
}

CheckpointMeta load_checkpoint(const fs::path& file, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, const torch::Device& device) {
  torch::serialize::InputArchive root, model_ar, opt_ar;
  c10::IValue format, step, epoch, val_loss;
  torch::Tensor rng;
  open_checkpoint(file, device, root);
  if (!root.try_read("format", format) || !format.isString() ||
      format.toStringRef() != kFormat || !root.try_read("step", step) || !step.isInt() ||
      !root.try_read("epoch", epoch) || !epoch.isInt() || !root.try_read("model", model_ar) ||
      !root.try_read("optimizer", opt_ar)) {
    throw std::runtime_error("TrainWork: " + file.string() + " is not a TrainWork checkpoint (" +
                             kFormat + "); remove it, or pass \"resume\": false");
  }
  load_weights(model, model_ar, file);
  try {
    optimizer.load(opt_ar);
  } catch (const c10::Error& e) {
    throw std::runtime_error("TrainWork: checkpoint " + file.string() +
                             ": the optimizer state does not fit the optimizer (" +
                             e.what_without_backtrace() +
                             "); a different optimizer? pass \"resume\": false to start afresh");
  }
  if (root.try_read("rng", rng, /*is_buffer=*/true)) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();  // a handle: shares the state
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng.to(torch::kCPU));
  }
  CheckpointMeta meta;
  meta.step = step.toInt();
  meta.epoch = epoch.toInt();
  meta.val_loss = root.try_read("val_loss", val_loss) && val_loss.isDouble()
                      ? val_loss.toDouble()
                      : std::numeric_limits<double>::quiet_NaN();
  return meta;
}

int64_t load_model(const fs::path& file, torch::nn::Module& model, const torch::Device& device) {
  torch::serialize::InputArchive root, model_ar;
  c10::IValue format, step;
  open_checkpoint(file, device, root);
  if (!root.try_read("format", format) || !format.isString() ||
      format.toStringRef() != kFormat || !root.try_read("step", step) || !step.isInt() ||
      !root.try_read("model", model_ar)) {
    throw std::runtime_error("TrainWork: " + file.string() + " is not a TrainWork checkpoint (" +
                             kFormat + ")");
  }
  load_weights(model, model_ar, file);
  return step.toInt();
}

}  // namespace lightning::components
