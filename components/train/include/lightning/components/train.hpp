// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// TrainWork: a libtorch training loop as a Work, with live metrics in State,
// atomic checkpoints and resumption after a failure, a stop or a controller
// --resume (docs/components/train.md).
#pragma once

#include <lightning/lightning.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace lightning::components {

/// Hyper-parameters and settings of one training call, read from the call's
/// args (so a flow can run K TrainWorks with different ones). Every key is
/// optional; a subclass's default_config() gives the defaults.
///
///   train.call({{"epochs", 2}, {"lr", 3e-4}, {"batch_size", 128}, {"width", 32}});
struct TrainConfig {
  int64_t epochs = 1;            ///< "epochs": passes over the training data
  int64_t max_steps = 0;         ///< "max_steps": stop after this many steps in all (0: no limit)
  int64_t batch_size = 64;       ///< "batch_size": examples per optimizer step
  double lr = 1e-3;              ///< "lr": learning rate given to make_optimizer()
  int64_t report_every = 50;     ///< "report_every": steps between metrics in State
  int64_t eval_every = 0;        ///< "eval_every": steps between evaluations (0: each epoch's end)
  int64_t checkpoint_every = 0;  ///< "checkpoint_every": steps between checkpoints (0: each epoch's end)
  int64_t keep_last = 3;         ///< "keep_last": checkpoints kept on disk (>= 1)
  uint64_t seed = 0;             ///< "seed": model init (torch::manual_seed) and the shuffle
  int threads = 0;               ///< "threads": CPU intra-op + BLAS threads (0: the CPUs in the affinity mask)
  std::string device = "auto";   ///< "device": "auto" (CUDA if available, else CPU), "cpu", "cuda", "cuda:N"
  bool resume = true;            ///< "resume": continue from the latest checkpoint when there is one
  lightning::Json args;          ///< the whole call args: read your own keys ("width", "data")

  /// Reads the keys above from `args` over `defaults`. Throws
  /// std::invalid_argument naming the key for a wrong type or a value out of
  /// range ("batch_size must be >= 1, got 0").
  static TrainConfig from_json(const lightning::Json& args, const TrainConfig& defaults);
  static TrainConfig from_json(const lightning::Json& args);
};

/// A training or evaluation dataset as TrainWork reads it: any torch::data
/// dataset whose get_batch() gives torch::data::Example<> (data, target) or a
/// std::vector of them (which TrainWork stacks), e.g. torch::data::datasets::MNIST,
/// `MNIST(...).map(torch::data::transforms::Stack<>())`, your own
/// `torch::data::datasets::Dataset<Self>`, or lightning::components::ImageDataset.
/// Its size() must be known. Empty (default-constructed): no data.
class TrainData {
 public:
  TrainData() = default;
  template <class D, class = std::enable_if_t<!std::is_same_v<std::decay_t<D>, TrainData>>>
  TrainData(D dataset)  // NOLINT(google-explicit-constructor): return any dataset as TrainData
  {
    auto d = std::make_shared<std::decay_t<D>>(std::move(dataset));
    const auto n = d->size();
    TORCH_CHECK(n.has_value(), "TrainData: the dataset's size() must be known");
    size_ = *n;
    get_ = [d](const std::vector<size_t>& indices) -> torch::data::Example<> {
      auto batch = d->get_batch(indices);
      if constexpr (std::is_same_v<decltype(batch), torch::data::Example<>>) {
        return batch;
      } else {
        return torch::data::transforms::Stack<>().apply_batch(std::move(batch));
      }
    };
  }

  /// No dataset, or one without examples.
  bool empty() const { return !get_ || size_ == 0; }
  size_t size() const { return size_; }
  /// data: [n, ...]; target: [n, ...] for n = indices.size().
  torch::data::Example<> get_batch(const std::vector<size_t>& indices) const {
    return get_(indices);
  }

 private:
  size_t size_ = 0;
  std::function<torch::data::Example<>(const std::vector<size_t>&)> get_;
};

/// The model as TrainWork uses it: a module (its parameters, buffers, save and
/// load) and its forward(Tensor) -> Tensor. Made from any module holder
/// (torch::nn::Sequential, torch::nn::Linear, your TORCH_MODULE(Net)), a
/// std::shared_ptr to a module with such a forward(), or a torch::nn::AnyModule.
class TrainModel {
 public:
  TrainModel() = default;
  template <class M, class = std::enable_if_t<!std::is_same_v<std::decay_t<M>, TrainModel>>>
  TrainModel(M model)  // NOLINT(google-explicit-constructor): return any module as TrainModel
  {
    if constexpr (std::is_same_v<M, torch::nn::AnyModule>) {
      module_ = model.ptr();
      auto any = std::make_shared<torch::nn::AnyModule>(std::move(model));
      forward_ = [any](const torch::Tensor& x) { return any->forward(x); };
    } else if constexpr (is_holder<M>::value) {
      init(model.ptr());
    } else {
      init(std::move(model));  // a std::shared_ptr<SomeModuleImpl>
    }
  }

  bool empty() const { return !module_; }
  /// x: the batch's data; returns the output the loss reads (logits [n, classes]).
  torch::Tensor forward(const torch::Tensor& x) const { return forward_(x); }
  torch::nn::Module& module() const { return *module_; }
  const std::shared_ptr<torch::nn::Module>& ptr() const { return module_; }

 private:
  template <class T, class = void>
  struct is_holder : std::false_type {};
  template <class T>
  struct is_holder<T, std::void_t<typename T::ContainedType>>
      : std::is_base_of<torch::nn::ModuleHolder<typename T::ContainedType>, T> {};
  template <class Impl>
  void init(std::shared_ptr<Impl> ptr) {
    static_assert(std::is_base_of_v<torch::nn::Module, Impl>,
                  "TrainModel: give a module (torch::nn::Sequential, TORCH_MODULE(Net), "
                  "std::shared_ptr<NetImpl>) or a torch::nn::AnyModule");
    module_ = ptr;
    forward_ = [ptr](const torch::Tensor& x) -> torch::Tensor { return ptr->forward(x); };
  }

  std::shared_ptr<torch::nn::Module> module_;
  std::function<torch::Tensor(const torch::Tensor&)> forward_;
};

/// Trains a libtorch model inside a Work: subclass it, override the
/// factories, register it like any work. Runs in its own process; the
/// factories run there, at the start of each call.
///
///   struct FashionTrainer : lightning::components::TrainWork {
///     TrainModel make_model(const TrainConfig& c) override {
///       return lightning::components::fashion_mnist_cnn(c.args.value("width", 16));
///     }
///     TrainData make_train_data(const TrainConfig& c) override {
///       return load_fashion_mnist(c.args.at("data").get<lightning::Path>().local(), Split::kTrain);
///     }
///     TrainData make_val_data(const TrainConfig& c) override {
///       return load_fashion_mnist(c.args.at("data").get<lightning::Path>().local(), Split::kTest);
///     }
///   };
///
/// Each call trains from step `step` (0, or the latest checkpoint's) to
/// epochs x ceil(N / batch_size) steps (or max_steps). Batches: a shuffle of
/// the N indices per epoch (torch::randperm seeded with seed and the epoch),
/// cut in batch_size pieces, the last one shorter; so a resumed call sees the
/// same batches in the same order as an uninterrupted one.
///
/// Every report_every steps it sets step, epoch, loss and accuracy (means over
/// the steps since the last report), samples_per_s; after each evaluation on
/// make_val_data() val_loss and val_accuracy. The dashboard charts these.
///
/// Checkpoints (model parameters and buffers, optimizer state, step, epoch,
/// the CPU RNG state) go to checkpoints/step-<12 digits>.pt in the work's
/// files (lightning::files_dir(), which survives a crash of the process and
/// a controller --resume), written to a temporary file, fsynced and renamed:
/// a file under that name is complete. The latest is `checkpoint` (a
/// lightning::Path, committed when the call succeeds). A call resumes from
/// the latest checkpoint on disk unless "resume" is false: after an
/// exception, a kill -9 of the process (with WorkOptions::retries or a new
/// call), a stop (lightning::stop_requested(): it saves a checkpoint and
/// returns at once) or an app resumed with --resume.
///
/// Errors: an exception from the dataset, the model or the loss fails the
/// call with its message; a checkpoint that does not fit the model throws
/// std::runtime_error naming the file, the parameter and both shapes; a
/// checkpoint that cannot be parsed names the file and how to go on.
class TrainWork : public lightning::Work {
 public:
  lightning::State<int64_t> step{this, "step", 0};    ///< optimizer steps done
  lightning::State<int64_t> epoch{this, "epoch", 0};  ///< epoch of the last step (0-based)
  lightning::State<double> loss{this, "loss", 0.0};   ///< mean training loss over the last report window
  lightning::State<double> accuracy{this, "accuracy", 0.0};  ///< training accuracy, same window, in [0, 1]
  lightning::State<double> samples_per_s{this, "samples_per_s", 0.0};  ///< training throughput, same window
  lightning::State<double> val_loss{this, "val_loss", 0.0};            ///< after the latest evaluation
  lightning::State<double> val_accuracy{this, "val_accuracy", 0.0};    ///< in [0, 1]
  lightning::State<lightning::Path> checkpoint{this, "checkpoint"};    ///< the latest checkpoint file
  lightning::State<int64_t> checkpoint_step{this, "checkpoint_step", -1};  ///< its step (-1: none)
  lightning::State<int64_t> resumed_from{this, "resumed_from", -1};  ///< step the latest call resumed from (-1: fresh)
  lightning::State<std::string> device{this, "device", ""};          ///< "cpu" or "cuda:N"
  lightning::State<int> threads{this, "threads", 0};                  ///< CPU threads used

  void run(const lightning::Json& args) final;

 protected:
  /// Defaults for the call args' keys (TrainConfig::from_json).
  virtual TrainConfig default_config() const { return {}; }
  /// The model, built afresh at each call (then the checkpoint's weights are
  /// loaded into it): any module with a forward(Tensor) (TrainModel).
  virtual TrainModel make_model(const TrainConfig& config) = 0;
  /// The training data; must not be empty.
  virtual TrainData make_train_data(const TrainConfig& config) = 0;
  /// Held-out data for val_loss / val_accuracy; empty (default): no evaluation.
  virtual TrainData make_val_data(const TrainConfig& config) { return {}; }
  /// Default: torch::optim::Adam with lr = config.lr.
  virtual std::unique_ptr<torch::optim::Optimizer> make_optimizer(
      std::vector<torch::Tensor> parameters, const TrainConfig& config);
  /// Default: cross entropy of logits [n, classes] against int64 targets [n].
  virtual torch::Tensor compute_loss(const torch::Tensor& output, const torch::Tensor& target);
  /// Default: how many of argmax(output, 1) equal target.
  virtual int64_t count_correct(const torch::Tensor& output, const torch::Tensor& target);
  /// Called after backward() and before the optimizer step, on every step:
  /// the place to synchronise gradients across processes (data-parallel
  /// training: all-reduce each parameter's grad). Default: nothing.
  virtual void after_backward(torch::nn::Module& model, const TrainConfig& config) {}

 private:
  struct Loop;
};

/// Loads the model weights of a TrainWork checkpoint file (e.g. the
/// `checkpoint` Path's local() in another work) into `model`, which must be
/// built as the trainer's make_model() builds it. Every parameter and buffer
/// is matched by dotted name; throws std::runtime_error naming the file, the
/// parameter and both shapes when one does not fit (the model is unchanged
/// then), or naming the file when it is not a readable checkpoint.
/// Returns the checkpoint's step.
int64_t load_model(const std::filesystem::path& checkpoint_file, torch::nn::Module& model,
                   const torch::Device& device = torch::kCPU);

/// Sets this process's CPU threads for libtorch: at::set_num_threads and,
/// when the BLAS is OpenBLAS, openblas_set_num_threads (found with dlsym, so
/// another BLAS still works). OPENBLAS_NUM_THREADS in the environment is read
/// once when OpenBLAS loads, which in a work is before the fork from the
/// pre-started process: it cannot set a work's threads. `n` <= 0: the CPUs in
/// the process's affinity mask. Returns the number set.
int set_cpu_threads(int n);

/// Tunes glibc's allocator (mallopt) for a training loop in this process, so
/// that the tensors each step allocates and frees are reused from the heap
/// instead of being handed back to the kernel and faulted in again at the next
/// step: M_MMAP_THRESHOLD to 32 MiB (glibc's largest; a block of 32 MiB or more
/// is still its own mmap) and M_TRIM_THRESHOLD off (-1: free() never shrinks the
/// heap). Without it, glibc's dynamic thresholds depend on what the process
/// allocated before (in a work: the pre-started process and gRPC), and the
/// Fashion-MNIST CNN's steps took 3,300-6,100 page faults each, 21-37% more CPU
/// per sample (docs/benchmarks.md, "TrainWork overhead"). TrainWork::run calls
/// it. The settings stay for the life of the process; give the memory back
/// with release_free_memory(). Idempotent; a no-op returning true where the C
/// library is not glibc. Returns false when glibc refused a setting.
bool tune_allocator_for_training();

/// Hands the heap's free memory back to the kernel (glibc's malloc_trim(0));
/// TrainWork::run does it when a call ends. Returns true when some memory was
/// released; false when none was, or where the C library is not glibc.
bool release_free_memory();

/// The CPUs in this process's affinity mask (sched_getaffinity).
int cpus_in_affinity_mask();

/// The small CNN of docs/components/train.md for 28 x 28 grey images:
/// conv 3x3 (1 -> width) ReLU maxpool 2, conv 3x3 (width -> 2 width) ReLU
/// maxpool 2, flatten, linear (2 width x 7 x 7 -> hidden) ReLU, linear
/// (hidden -> 10). Input float [n, 1, 28, 28]; output logits [n, 10].
torch::nn::Sequential fashion_mnist_cnn(int64_t width = 16, int64_t hidden = 128);

}  // namespace lightning::components
