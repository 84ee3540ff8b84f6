// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fashion-MNIST preparation: gunzip (zlib) into a machine cache keyed by the
// sources' SHA-256 (OpenSSL), checked IDX headers, links into the work's files.
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "idx.hpp"
#include "lightning/components/data.hpp"

namespace lightning::components {
namespace fs = std::filesystem;

namespace {

struct FileSpec {
  const char* name;  // gunzipped name (libtorch's MNIST reader's)
  bool images;
  bool train;
};
constexpr std::array<FileSpec, 4> kFiles{{
    {"train-images-idx3-ubyte", true, true},
    {"train-labels-idx1-ubyte", false, true},
    {"t10k-images-idx3-ubyte", true, false},
    {"t10k-labels-idx1-ubyte", false, false},
}};

std::string reinstall_hint() {
  return std::string("reinstall Debian's package ") + kFashionMnistPackage +
         " (apt-get install --reinstall " + kFashionMnistPackage + ")";
}

[[noreturn]] void corrupt(const fs::path& file, const std::string& what) {
  throw DataError("Fashion-MNIST file " + file.string() + " is damaged: " + what + "; " +
                  reinstall_hint());
}

/// SHA-256 of a file's bytes, 64 hex digits.
std::string sha256_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw DataError("Fashion-MNIST file " + file.string() + " cannot be read: " +
                    std::strerror(errno) + "; " + reinstall_hint());
  }
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

std::string sha256_of_text(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md.data(), &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

void write_all(int fd, const unsigned char* data, size_t n, const fs::path& file) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw DataError("cannot write " + file.string() + ": " + std::strerror(errno));
    data += w;
    n -= static_cast<size_t>(w);
  }
}

/// Gunzips `gz` into `out` (created, fsynced). zlib's inflate with gzip
/// decoding (windowBits 16 + 15); concatenated gzip members are all read.
void gunzip(const fs::path& gz, const fs::path& out) {
  std::ifstream in(gz, std::ios::binary);
  if (!in) {
    throw DataError("Fashion-MNIST file " + gz.string() + " cannot be read: " +
                    std::strerror(errno) + "; " + reinstall_hint());
  }
  Fd o(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (o.fd < 0) throw DataError("cannot create " + out.string() + ": " + std::strerror(errno));
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw DataError("zlib: inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  std::vector<unsigned char> ibuf(1 << 16), obuf(1 << 18);
  int ret = Z_OK;
  bool any_input = false;
  for (;;) {
    in.read(reinterpret_cast<char*>(ibuf.data()), static_cast<std::streamsize>(ibuf.size()));
    const auto got = static_cast<uInt>(in.gcount());
    if (got == 0) break;
    any_input = true;
    zs.next_in = ibuf.data();
    zs.avail_in = got;
    while (zs.avail_in > 0) {
      if (ret == Z_STREAM_END) {  // another gzip member follows
        inflateReset(&zs);
      }
      zs.next_out = obuf.data();
      zs.avail_out = static_cast<uInt>(obuf.size());
      ret = inflate(&zs, Z_NO_FLUSH);
      if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_MEM_ERROR) {
        corrupt(gz, std::string("not a valid gzip stream (zlib: ") +
                        (zs.msg != nullptr ? zs.msg : zError(ret)) + ")");
      }
      write_all(o.fd, obuf.data(), obuf.size() - zs.avail_out, out);
      if (ret == Z_BUF_ERROR) break;
    }
  }
  if (!any_input) corrupt(gz, "it is empty");
  // Drain what inflate still holds (output that did not fit the buffer).
  while (ret != Z_STREAM_END) {
    zs.next_out = obuf.data();
    zs.avail_out = static_cast<uInt>(obuf.size());
    ret = inflate(&zs, Z_NO_FLUSH);
    if (ret == Z_DATA_ERROR || ret == Z_MEM_ERROR || ret == Z_NEED_DICT) {
      corrupt(gz, std::string("not a valid gzip stream (zlib: ") +
                      (zs.msg != nullptr ? zs.msg : zError(ret)) + ")");
    }
    write_all(o.fd, obuf.data(), obuf.size() - zs.avail_out, out);
    if (zs.avail_out != 0) break;  // all it could make of the input there is
  }
  if (ret != Z_STREAM_END) corrupt(gz, "the gzip stream ends early (truncated)");
  if (::fsync(o.fd) != 0) throw DataError("fsync " + out.string() + ": " + std::strerror(errno));
}

/// Checks one gunzipped file; `full`: also the label values (reads the file).
idx::IdxHeader check_file(const fs::path& file, const FileSpec& spec, const fs::path& blame,
                          bool full) {
  idx::IdxHeader h;
  try {
    h = idx::read_header(file);
  } catch (const idx::IdxError& e) {
    corrupt(blame, e.what());
  }
  if (h.type != 0x08) corrupt(blame, "its IDX values are not unsigned bytes");
  if (spec.images) {
    if (h.dims.size() != 3 || h.dims[1] != 28 || h.dims[2] != 28) {
      corrupt(blame, "holds images of " + idx::dims_text(h.dims) + ", not N x 28 x 28");
    }
  } else if (h.dims.size() != 1) {
    corrupt(blame, "holds labels of " + idx::dims_text(h.dims) + ", not one dimension");
  }
  if (full && !spec.images) {
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(h.header_bytes));
    std::vector<char> labels(h.dims[0]);
    in.read(labels.data(), static_cast<std::streamsize>(labels.size()));
    for (size_t i = 0; i < labels.size(); ++i) {
      const auto v = static_cast<unsigned char>(labels[i]);
      if (v > 9) {
        corrupt(blame, "label " + std::to_string(i) + " is " + std::to_string(v) +
                           " (Fashion-MNIST has classes 0..9)");
      }
    }
  }
  return h;
}

/// Checks the four files of `dir` together; returns {train, test} sizes.
std::pair<int64_t, int64_t> check_dir(const fs::path& dir, const fs::path& source_dir, bool full) {
  std::array<uint32_t, 4> n{};
  for (size_t i = 0; i < kFiles.size(); ++i) {
    const fs::path blame = source_dir / (std::string(kFiles[i].name) + ".gz");
    n[i] = check_file(dir / kFiles[i].name, kFiles[i], blame, full).dims[0];
  }
  for (size_t i = 0; i < 4; i += 2) {
    if (n[i] != n[i + 1]) {
      corrupt(source_dir / (std::string(kFiles[i + 1].name) + ".gz"),
              "it has " + std::to_string(n[i + 1]) + " labels for " + std::to_string(n[i]) +
                  " images in " + kFiles[i].name + ".gz");
    }
  }
  return {n[0], n[2]};
}

bool pid_alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

/// Removes temporaries ".tmp-<key>-<pid>-<n>" of processes that are gone.
void remove_dead_temporaries(const fs::path& root) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(".tmp-", 0) != 0) continue;
    const auto a = name.find('-', 5 + 64);  // after the 64-hex key
    if (a == std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + a + 1));
    if (!pid_alive(pid) || pid == ::getpid()) fs::remove_all(e.path(), ec);
  }
}

void fsync_dir(const fs::path& dir) {
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.fd >= 0) ::fsync(d.fd);
}

/// Puts `from` at `to` (a hard link, or a copy across file systems), atomically.
void link_or_copy(const fs::path& from, const fs::path& to) {
  const fs::path tmp = to.parent_path() / (".tmp-" + to.filename().string() + "-" +
                                           std::to_string(::getpid()));
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_hard_link(from, tmp, ec);
  if (ec) {
    ec.clear();
    fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) throw DataError("cannot copy " + from.string() + " to " + tmp.string() + ": " + ec.message());
  }
  fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw DataError("cannot put " + to.string() + " in place: " + ec.message());
  }
}

}  // namespace

fs::path default_data_cache_dir() {
  if (const char* c = std::getenv("LIGHTNING_CACHE_DIR"); c != nullptr && *c != '\0') {
    return fs::path(c) / "data";
  }
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return fs::path(x) / "lightning" / "data";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home != '\0' ? home : "/tmp") / ".cache" / "lightning" /
         "data";
}

PreparedFashionMnist prepare_fashion_mnist(const fs::path& source_dir, const fs::path& cache_root,
                                           const fs::path& dest) {
  // Sources: all four present, else name the package.
  std::string hashes;
  for (const auto& f : kFiles) {
    const fs::path gz = source_dir / (std::string(f.name) + ".gz");
    std::error_code ec;
    if (!fs::is_regular_file(gz, ec)) {
      throw DataError("Fashion-MNIST file " + gz.string() +
                      " is missing: install Debian's package " + kFashionMnistPackage +
                      " (apt-get install " + kFashionMnistPackage +
                      ", or scripts/install-deps.sh), or pass \"source_dir\": a directory "
                      "with the four gzipped IDX files");
    }
    hashes += std::string(f.name) + " " + sha256_of(gz) + "\n";
  }
  PreparedFashionMnist out;
  out.key = sha256_of_text(hashes);
  out.dir = dest;
  const fs::path root = cache_root / "fashion-mnist";
  out.cached = root / out.key;
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw DataError("cannot create the data cache " + root.string() + ": " + ec.message());

  std::pair<int64_t, int64_t> sizes{0, 0};
  if (fs::is_directory(out.cached, ec)) {
    try {
      sizes = check_dir(out.cached, source_dir, /*full=*/false);
      out.from_cache = true;
    } catch (const DataError&) {
      // A damaged cache entry (someone edited it): replace it, atomically.
      const fs::path trash = root / (".tmp-" + out.key + "-" + std::to_string(::getpid()) + "-old");
      fs::rename(out.cached, trash, ec);
      fs::remove_all(trash, ec);
    }
  }
  if (!out.from_cache) {
    remove_dead_temporaries(root);
    std::random_device rd;
    const fs::path tmp = root / (".tmp-" + out.key + "-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(rd()));
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec) throw DataError("cannot create " + tmp.string() + ": " + ec.message());
    try {
      for (const auto& f : kFiles) {
        gunzip(source_dir / (std::string(f.name) + ".gz"), tmp / f.name);
      }
      sizes = check_dir(tmp, source_dir, /*full=*/true);
      for (const auto& f : kFiles) fs::permissions(tmp / f.name, fs::perms(0444), ec);
      fsync_dir(tmp);
      fs::rename(tmp, out.cached, ec);
      if (ec) {  // another process put the same entry in place first: use it
        fs::remove_all(tmp, ec);
        sizes = check_dir(out.cached, source_dir, /*full=*/false);
        out.from_cache = true;
      } else {
        fsync_dir(root);
      }
    } catch (...) {
      fs::remove_all(tmp, ec);
      throw;
    }
  }

  fs::create_directories(dest, ec);
  if (ec) throw DataError("cannot create " + dest.string() + ": " + ec.message());
  for (const auto& f : kFiles) {
    const fs::path to = dest / f.name;
    if (fs::exists(to, ec) && fs::equivalent(to, out.cached / f.name, ec)) continue;
    if (fs::exists(to, ec) && fs::file_size(to, ec) == fs::file_size(out.cached / f.name, ec)) {
      continue;  // an earlier call's (committed, read-only) copy
    }
    fs::remove(to, ec);
    link_or_copy(out.cached / f.name, to);
  }
  std::tie(out.train_size, out.test_size) = check_dir(dest, source_dir, /*full=*/false);
  return out;
}

void FashionMnist::run(const lightning::Json& args) {
  const fs::path source = args.value("source_dir", std::string(kFashionMnistPackageDir));
  const fs::path cache =
      args.contains("cache_dir") ? fs::path(args.at("cache_dir").get<std::string>())
                                 : default_data_cache_dir();
  const auto t0 = std::chrono::steady_clock::now();
  lightning::Path target("fashion-mnist");
  const auto prepared = prepare_fashion_mnist(source, cache, target.local());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fashion-mnist: %lld train + %lld test images in %s (%s, %.0f ms)\n",
              static_cast<long long>(prepared.train_size),
              static_cast<long long>(prepared.test_size), target.local().c_str(),
              prepared.from_cache ? "from the machine cache" : "decompressed", ms);
  std::fflush(stdout);
  train_size = prepared.train_size;
  test_size = prepared.test_size;
  from_cache = prepared.from_cache;
  source_key = prepared.key;
  dir = target;
}

}  // namespace lightning::components
