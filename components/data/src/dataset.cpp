// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The training side: libtorch's own MNIST reader over the gunzipped files.
#include <string>

#include "idx.hpp"
#include "lightning/components/data.hpp"

namespace lightning::components {
namespace fs = std::filesystem;

ImageDataset::ImageDataset(torch::Tensor images, torch::Tensor targets)
    : images_(std::move(images)), targets_(std::move(targets)) {
  TORCH_CHECK(images_.dim() >= 2 && targets_.dim() == 1 && images_.size(0) == targets_.size(0),
              "ImageDataset: images [N, ...] and targets [N] must have the same N; got ",
              images_.sizes(), " and ", targets_.sizes());
}

torch::data::Example<> ImageDataset::get_batch(torch::ArrayRef<size_t> indices) {
  auto idx = torch::empty({static_cast<int64_t>(indices.size())}, torch::kLong);
  auto* p = idx.data_ptr<int64_t>();
  for (size_t i = 0; i < indices.size(); ++i) p[i] = static_cast<int64_t>(indices[i]);
  return {images_.index_select(0, idx), targets_.index_select(0, idx)};
}

torch::optional<size_t> ImageDataset::size() const {
  return static_cast<size_t>(targets_.size(0));
}

ImageDataset load_fashion_mnist(const fs::path& dir, Split split, int64_t limit) {
  const bool train = split == Split::kTrain;
  const std::string prefix = train ? "train" : "t10k";
  // Check the headers first: libtorch's reader says only "Error opening ...".
  for (const char* kind : {"-images-idx3-ubyte", "-labels-idx1-ubyte"}) {
    const fs::path file = dir / (prefix + kind);
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      throw DataError("Fashion-MNIST file " + file.string() +
                      " is missing: run the FashionMnist work (components/data) and pass its "
                      "\"dir\" Path; it needs Debian's package " +
                      std::string(kFashionMnistPackage) + " (apt-get install " +
                      kFashionMnistPackage + ")");
    }
    try {
      idx::read_header(file);
    } catch (const idx::IdxError& e) {
      throw DataError("Fashion-MNIST file " + file.string() + " is damaged: " + e.what() +
                      "; run the FashionMnist work again (or reinstall Debian's package " +
                      kFashionMnistPackage + ")");
    }
  }
  torch::Tensor images, targets;
  try {
    torch::data::datasets::MNIST mnist(
        dir.string(), train ? torch::data::datasets::MNIST::Mode::kTrain
                            : torch::data::datasets::MNIST::Mode::kTest);
    images = mnist.images();
    targets = mnist.targets();
  } catch (const c10::Error& e) {
    // libtorch's reader expects 60,000 / 10,000 examples: a subset file fails here.
    throw DataError("Fashion-MNIST in " + dir.string() + " cannot be read by libtorch's MNIST "
                    "reader: " + e.what_without_backtrace() + "; reinstall Debian's package " +
                    kFashionMnistPackage);
  }
  if (limit > 0 && limit < images.size(0)) {
    images = images.slice(0, 0, limit);
    targets = targets.slice(0, 0, limit);
  }
  images = images.sub(kFashionMnistMean).div_(kFashionMnistStd).contiguous();
  return {images, targets.to(torch::kLong).contiguous()};
}

}  // namespace lightning::components
