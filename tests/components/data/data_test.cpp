// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fashion-MNIST preparation on the real package files (Debian's
// dataset-fashion-mnist) and damaged copies of them: the IDX header checks,
// the machine cache (decompressed once, atomic), the errors, and the
// training side's reader (libtorch's MNIST).
#include <gtest/gtest.h>
#include <lightning/components/data.hpp>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../../../components/data/src/idx.hpp"
#include "../../common/temp_dir.hpp"

namespace lightning::components {
namespace {

namespace fs = std::filesystem;
using lightning::testing::TempDir;

const fs::path kSource = kFashionMnistPackageDir;
const char* kNames[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

class FashionMnistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kSource / "train-images-idx3-ubyte.gz")) {
      GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed (scripts/install-deps.sh)";
    }
  }
  /// A copy of the package's files to damage.
  fs::path copy_source() {
    const fs::path d = fs::path(tmp_.path()) / "source";
    fs::create_directories(d);
    for (const char* n : kNames) {
      fs::copy_file(kSource / (std::string(n) + ".gz"), d / (std::string(n) + ".gz"));
    }
    return d;
  }
  std::string prepare_error(const fs::path& source) {
    try {
      prepare_fashion_mnist(source, cache(), dest());
    } catch (const DataError& e) {
      return e.what();
    }
    return "(no error)";
  }
  fs::path cache() const { return fs::path(tmp_.path()) / "cache"; }
  fs::path dest() const { return fs::path(tmp_.path()) / "dest"; }
  TempDir tmp_;
};

std::string gzip(const std::string& bytes) {
  uLongf n = compressBound(bytes.size()) + 64;
  std::string out(n, '\0');
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_F(FashionMnistTest, DecompressesOnceThenLinksFromTheMachineCache) {
  const auto first = prepare_fashion_mnist(kSource, cache(), dest());
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(first.train_size, 60000);
  EXPECT_EQ(first.test_size, 10000);
  EXPECT_EQ(first.key.size(), 64u);
  EXPECT_EQ(fs::file_size(dest() / "train-images-idx3-ubyte"), 16u + 60000u * 28 * 28);
  EXPECT_TRUE(fs::equivalent(dest() / "t10k-labels-idx1-ubyte",
                             first.cached / "t10k-labels-idx1-ubyte"))
      << "not a hard link to the cache";
  // Cached files are read-only.
  EXPECT_EQ(fs::status(first.cached / "t10k-labels-idx1-ubyte").permissions() & fs::perms::owner_write,
            fs::perms::none);
  const fs::path dest2 = fs::path(tmp_.path()) / "dest2";
  const auto second = prepare_fashion_mnist(kSource, cache(), dest2);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.key, first.key);
  EXPECT_TRUE(fs::equivalent(dest2 / "train-images-idx3-ubyte", first.cached / "train-images-idx3-ubyte"));
  // Again into the same destination (a second call of the same work).
  EXPECT_TRUE(prepare_fashion_mnist(kSource, cache(), dest()).from_cache);
}

TEST_F(FashionMnistTest, AHalfWrittenCacheEntryOfACrashedRunIsNeverTakenAsDone) {
  const auto first = prepare_fashion_mnist(kSource, cache(), dest());
  // What a crash mid-way leaves: a temporary of a dead process, never the entry itself.
  const fs::path tmp = cache() / "fashion-mnist" / (".tmp-" + first.key + "-999999999-1");
  fs::create_directories(tmp);
  std::ofstream(tmp / "train-images-idx3-ubyte") << "half";
  // A damaged entry (edited by hand) is replaced, not used.
  fs::permissions(first.cached / "train-labels-idx1-ubyte", fs::perms::owner_all);
  fs::resize_file(first.cached / "train-labels-idx1-ubyte", 100);
  const fs::path dest2 = fs::path(tmp_.path()) / "dest2";
  const auto again = prepare_fashion_mnist(kSource, cache(), dest2);
  EXPECT_FALSE(again.from_cache) << "a damaged cache entry was used";
  EXPECT_EQ(fs::file_size(dest2 / "train-labels-idx1-ubyte"), 8u + 60000u);
  EXPECT_FALSE(fs::exists(tmp)) << "the dead process's temporary is still there";
}

TEST_F(FashionMnistTest, AMissingFileNamesThePackageToInstall) {
  const fs::path src = copy_source();
  fs::remove(src / "t10k-labels-idx1-ubyte.gz");
  const std::string e = prepare_error(src);
  EXPECT_NE(e.find((src / "t10k-labels-idx1-ubyte.gz").string() + " is missing"), std::string::npos) << e;
  EXPECT_NE(e.find("apt-get install dataset-fashion-mnist"), std::string::npos) << e;
}

TEST_F(FashionMnistTest, ATruncatedGzipFileNamesTheFileAndThePackageToReinstall) {
  const fs::path src = copy_source();
  fs::resize_file(src / "train-labels-idx1-ubyte.gz", fs::file_size(src / "train-labels-idx1-ubyte.gz") / 2);
  const std::string e = prepare_error(src);
  EXPECT_NE(e.find((src / "train-labels-idx1-ubyte.gz").string() + " is damaged: the gzip stream ends early (truncated)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("apt-get install --reinstall dataset-fashion-mnist"), std::string::npos) << e;
  // Nothing half-done is left in the cache.
  for (const auto& entry : fs::directory_iterator(cache() / "fashion-mnist")) {
    ADD_FAILURE() << "left in the cache: " << entry.path();
  }
}

TEST_F(FashionMnistTest, AFileThatIsNotGzipIsReportedAsSuch) {
  const fs::path src = copy_source();
  std::ofstream(src / "t10k-images-idx3-ubyte.gz", std::ios::trunc) << "plain text, not gzip";
  const std::string e = prepare_error(src);
  EXPECT_NE(e.find("t10k-images-idx3-ubyte.gz is damaged: not a valid gzip stream"), std::string::npos) << e;
}

TEST_F(FashionMnistTest, BadIdxHeadersAndCountsAreReportedWithWhatIsWrong) {
  const fs::path src = copy_source();
  // Labels: a valid gzip of an IDX file whose magic number is wrong.
  std::string labels("\x00\x00\x08\x01\x00\x00\x27\x10", 8);
  labels += std::string(10000, '\x01');
  std::string bad_magic = labels;
  bad_magic[0] = '\x08';
  std::ofstream(src / "t10k-labels-idx1-ubyte.gz", std::ios::trunc | std::ios::binary) << gzip(bad_magic);
  std::string e = prepare_error(src);
  EXPECT_NE(e.find("t10k-labels-idx1-ubyte.gz is damaged: not an IDX file: the magic number starts with 0x08 0x00"),
            std::string::npos)
      << e;
  // 9,999 labels for 10,000 images.
  std::string fewer("\x00\x00\x08\x01\x00\x00\x27\x0f", 8);
  fewer += std::string(9999, '\x01');
  std::ofstream(src / "t10k-labels-idx1-ubyte.gz", std::ios::trunc | std::ios::binary) << gzip(fewer);
  e = prepare_error(src);
  EXPECT_NE(e.find("it has 9999 labels for 10000 images"), std::string::npos) << e;
  // A header that declares more than the file holds.
  std::string cut = labels.substr(0, 5000);
  std::ofstream(src / "t10k-labels-idx1-ubyte.gz", std::ios::trunc | std::ios::binary) << gzip(cut);
  e = prepare_error(src);
  EXPECT_NE(e.find("holds 5000 bytes but its header declares 10000 unsigned bytes: 10008 bytes (truncated?)"),
            std::string::npos)
      << e;
  // A label out of 0..9.
  std::string eleven = labels;
  eleven[100] = '\x0b';
  std::ofstream(src / "t10k-labels-idx1-ubyte.gz", std::ios::trunc | std::ios::binary) << gzip(eleven);
  e = prepare_error(src);
  EXPECT_NE(e.find("label 92 is 11 (Fashion-MNIST has classes 0..9)"), std::string::npos) << e;
}

TEST_F(FashionMnistTest, TheTrainingSideReadsSplitsAndSubsetsWithLibtorchsReader) {
  prepare_fashion_mnist(kSource, cache(), dest());
  auto train = load_fashion_mnist(dest(), Split::kTrain, 1000);
  auto test = load_fashion_mnist(dest(), Split::kTest);
  EXPECT_EQ(*train.size(), 1000u);
  EXPECT_EQ(*test.size(), 10000u);
  auto batch = train.get_batch({0, 1, 2});
  EXPECT_EQ(batch.data.sizes(), (std::vector<int64_t>{3, 1, 28, 28}));
  EXPECT_EQ(batch.target.sizes(), (std::vector<int64_t>{3}));
  EXPECT_EQ(batch.target.scalar_type(), torch::kLong);
  // Normalised with the training set's mean and std: the test images (same
  // distribution) come out at about mean 0 and std 1.
  EXPECT_NEAR(test.images().mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(test.images().std().item<double>(), 1.0, 0.02);
  // Every class is there, labels 0..9.
  EXPECT_EQ(std::get<0>(at::_unique(test.targets())).numel(), 10);
}

TEST_F(FashionMnistTest, TheTrainingSideNamesAMissingFileAndWhatToRun) {
  try {
    load_fashion_mnist(dest(), Split::kTest);
    FAIL() << "read a missing directory";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("t10k-images-idx3-ubyte is missing: run the FashionMnist work"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos) << e.what();
  }
}

TEST(IdxHeaderTest, ParsesTheHeaderAndChecksItAgainstTheSize) {
  const uint8_t h[] = {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28};
  const auto ok = idx::parse_header(h, sizeof h, 16 + 2 * 28 * 28);
  EXPECT_EQ(ok.type, 0x08);
  EXPECT_EQ(ok.dims, (std::vector<uint32_t>{2, 28, 28}));
  EXPECT_EQ(ok.header_bytes, 16u);
  EXPECT_EQ(ok.payload_bytes, 2u * 28 * 28);
  EXPECT_THROW(idx::parse_header(h, sizeof h, 16 + 2 * 28 * 28 + 1), idx::IdxError);
  EXPECT_THROW(idx::parse_header(h, 3, 3), idx::IdxError);
  EXPECT_THROW(idx::parse_header(h, 10, 16 + 2 * 28 * 28), idx::IdxError);  // cut short
  const uint8_t bad_type[] = {0, 0, 0x07, 1, 0, 0, 0, 1};
  EXPECT_THROW(idx::parse_header(bad_type, sizeof bad_type, 9), idx::IdxError);
  const uint8_t huge[] = {0, 0, 0x0E, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  try {
    idx::parse_header(huge, sizeof huge, 16);
    FAIL();
  } catch (const idx::IdxError& e) {
    EXPECT_NE(std::string(e.what()).find("more than any file can hold"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lightning::components
