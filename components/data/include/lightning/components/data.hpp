// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fashion-MNIST as Debian's dataset-fashion-mnist package installs it: a Work
// that gunzips it once per machine and hands it on as a lightning::Path, and
// the torch::data dataset a training work reads it with (docs/components/data.md).
#pragma once

#include <lightning/lightning.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace lightning::components {

/// Where Debian's package `dataset-fashion-mnist` puts the four gzipped IDX files.
inline constexpr const char* kFashionMnistPackageDir = "/usr/share/datasets/fashion-mnist";
/// The Debian package to install or reinstall when they are missing or damaged.
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";

/// A data file is missing, unreadable or corrupt. what() names the file, what
/// is wrong with it and how to fix it (the package to install or reinstall).
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What prepare_fashion_mnist() did.
struct PreparedFashionMnist {
  std::filesystem::path dir;      ///< the four gunzipped IDX files (libtorch's MNIST names)
  std::filesystem::path cached;   ///< the machine cache's copy they are linked from
  std::string key;                ///< SHA-256 over the four source files' SHA-256s
  bool from_cache = false;        ///< true: nothing was decompressed
  int64_t train_size = 0;         ///< 60,000 for the real package
  int64_t test_size = 0;          ///< 10,000 for the real package
};

/// The machine's cache of prepared data: $LIGHTNING_CACHE_DIR/data when set,
/// else $XDG_CACHE_HOME/lightning/data, else $HOME/.cache/lightning/data.
std::filesystem::path default_data_cache_dir();

/// Gunzips (zlib) `source_dir`'s train-images-idx3-ubyte.gz,
/// train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
/// t10k-labels-idx1-ubyte.gz into `cache_root`/fashion-mnist/<key>/ unless that
/// is there already (key: SHA-256 of the sources, so a changed package gets a
/// new entry), then hard-links (copies across file systems) the four files
/// into `dest` under their names without ".gz".
///
/// Checks every file's IDX header (magic number, type, dimensions) against its
/// size, images 28 x 28 unsigned bytes, as many labels as images, labels 0..9
/// (decompressed files), and that `dest` ends with four valid files.
/// Atomic: decompresses into a temporary directory renamed into place when
/// complete; a crash leaves no entry that is taken as done (leftover
/// temporaries of dead processes are removed by the next call). Safe to run
/// from several processes at once (one rename wins).
///
/// Throws DataError naming the file and the fix: a missing source ("install
/// Debian's package dataset-fashion-mnist"), a damaged one ("reinstall ...":
/// not gzip, truncated, a bad header, sizes that do not match).
PreparedFashionMnist prepare_fashion_mnist(const std::filesystem::path& source_dir,
                                           const std::filesystem::path& cache_root,
                                           const std::filesystem::path& dest);

/// A Work that prepares Fashion-MNIST for training works: gunzipped once per
/// machine (prepare_fashion_mnist), exposed as the Path `dir`.
///
///   struct Root : lightning::Flow {
///     auto& data = add_work<lightning::components::FashionMnist>("data");
///     auto& train = add_work<MyTrainer>("train");
///     void run() override {
///       if (!data.call().has_succeeded()) return;
///       if (train.call({{"data", data.dir.get()}}).has_succeeded()) stop();
///     }
///   };
///
/// Call args (all optional): "source_dir" (default kFashionMnistPackageDir),
/// "cache_dir" (default default_data_cache_dir()). A missing or corrupt file
/// fails the call with DataError's message.
class FashionMnist : public lightning::Work {
 public:
  /// The directory with the four IDX files ("fashion-mnist" in this work's
  /// files); committed when the call succeeds.
  lightning::State<lightning::Path> dir{this, "dir"};
  lightning::State<int64_t> train_size{this, "train_size", 0};
  lightning::State<int64_t> test_size{this, "test_size", 0};
  /// true when the machine cache had it (nothing was decompressed).
  lightning::State<bool> from_cache{this, "from_cache", false};
  /// SHA-256 over the four source files' SHA-256s (the cache key).
  lightning::State<std::string> source_key{this, "source_key", ""};

  void run(const lightning::Json& args) override;
};

/// Fashion-MNIST's mean and standard deviation of pixel values in [0, 1]
/// (training set), for Normalize.
inline constexpr double kFashionMnistMean = 0.2860;
inline constexpr double kFashionMnistStd = 0.3530;

enum class Split { kTrain, kTest };

/// Images and labels in memory, read with libtorch's own
/// torch::data::datasets::MNIST (same IDX format) and normalised with
/// (x - 0.2860) / 0.3530. A torch::data batch dataset: get_batch() of n
/// indices gives {data: float [n, 1, 28, 28], target: int64 [n]} (one
/// index_select each), so torch::data::make_data_loader takes it as it is.
class ImageDataset : public torch::data::datasets::BatchDataset<ImageDataset, torch::data::Example<>> {
 public:
  /// images: float [N, C, H, W]; targets: int64 [N].
  ImageDataset(torch::Tensor images, torch::Tensor targets);
  torch::data::Example<> get_batch(torch::ArrayRef<size_t> indices) override;
  torch::optional<size_t> size() const override;
  const torch::Tensor& images() const { return images_; }
  const torch::Tensor& targets() const { return targets_; }

 private:
  torch::Tensor images_, targets_;
};

/// Reads a split of the directory FashionMnist made (`dir`: its Path's local()
/// or any directory with the four gunzipped files). `limit` > 0 keeps the
/// first `limit` examples (tests use small subsets). Throws DataError naming
/// the file and what to do when one is missing or malformed.
ImageDataset load_fashion_mnist(const std::filesystem::path& dir, Split split, int64_t limit = 0);

}  // namespace lightning::components
