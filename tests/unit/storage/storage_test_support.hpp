// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Helpers for the storage unit tests: files, inodes, a process storage context
// that is put back at the end of a test.
#pragma once

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "common/temp_dir.hpp"
#include "storage/storage_context.hpp"

namespace lightning::storage::testing {

namespace fs = std::filesystem;

inline void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline ino_t inode(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

/// Bytes that differ from chunk to chunk (so a misplaced chunk changes the hash).
inline std::string pattern(size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

/// A tmpfs of `size` (e.g. "256k") on `path` for the scope: a disk that
/// fills. error() is the mount's errno (EPERM without root: skip the test).
class SmallDisk {
 public:
  SmallDisk(const std::string& path, const std::string& size) : path_(path) {
    fs::create_directories(path);
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      error_ = errno;
    }
  }
  ~SmallDisk() {
    if (error_ == 0) ::umount2(path_.c_str(), MNT_DETACH);
  }
  int error() const { return error_; }

 private:
  std::string path_;
  int error_ = 0;
};

/// Installs a context for `work_path` in `run_dir` (cache `cache_dir`, or
/// the default) for the scope; the previous one comes back after.
class ScopedContext {
 public:
  ScopedContext(const std::string& run_dir, const std::string& work_path,
                const std::string& cache_dir = {},
                std::unique_ptr<ObjectSourceInterface> source = nullptr) {
    auto ctx = StorageContext::make(run_dir, work_path, cache_dir);
    if (source) {
      auto shared = std::shared_ptr<ObjectSourceInterface>(std::move(source));
      ctx->make_source = [shared]() -> std::unique_ptr<ObjectSourceInterface> {
        struct Borrowed : ObjectSourceInterface {
          std::shared_ptr<ObjectSourceInterface> s;
          using ObjectSourceInterface::fetch_into;
          Status fetch_into(const std::string& h, ContentStore& c, ObjectUse use) override {
            return s->fetch_into(h, c, use);
          }
          Status fetch_manifest_into(const std::string& h, ContentStore& c) override {
            return s->fetch_manifest_into(h, c);
          }
        };
        auto b = std::make_unique<Borrowed>();
        b->s = shared;
        return b;
      };
    }
    ctx_ = ctx.get();
    old_ = set_context(std::move(ctx));
  }
  ~ScopedContext() { set_context(std::move(old_)); }
  StorageContext& operator*() { return *ctx_; }
  StorageContext* operator->() { return ctx_; }

 private:
  StorageContext* ctx_;
  std::unique_ptr<StorageContext> old_;
};

}  // namespace lightning::storage::testing
