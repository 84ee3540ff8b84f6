// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/content_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "storage/sha256.hpp"
#include "util/unique_fd.hpp"

namespace lightning::storage {

namespace fs = std::filesystem;

Status errno_status(const std::string& what, const fs::path& path, int err) {
  std::string msg = what + " " + path.string() + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
    return ResourceExhausted(msg + " (the disk is full: free space there and retry)");
  }
  if (err == ENOENT) return NotFound(msg);
  return Internal(msg);
}

std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  return std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
}

Status copy_file_synced(const fs::path& from, const fs::path& to) {
  util::UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return errno_status("cannot read", from, errno);
  util::UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) return errno_status("cannot create", to, errno);
  std::vector<char> buf(1 << 20);
  auto fail = [&](const char* what, const fs::path& p, int err) {
    ::unlink(to.c_str());
    return errno_status(what, p, err);
  };
  for (;;) {
    const ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot read", from, errno);
    }
    if (n == 0) break;
    ssize_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(out.get(), buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return fail("cannot write", to, errno);
      }
      done += w;
    }
  }
  if (::fsync(out.get()) != 0) return fail("cannot fsync", to, errno);
  return Status::Ok();
}

ContentStore::ContentStore(fs::path root) : root_(std::move(root)) {}

fs::path ContentStore::object_path(const std::string& sha256) const {
  return root_ / "objects" / sha256.substr(0, 2) / sha256;
}

bool ContentStore::has(const std::string& sha256) const {
  struct stat st {};
  return ::stat(object_path(sha256).c_str(), &st) == 0;
}

Status ContentStore::ensure_dirs(const std::string& sha256) const {
  std::error_code ec;
  fs::create_directories(object_path(sha256).parent_path(), ec);
  if (ec) return errno_status("cannot create", object_path(sha256).parent_path(), ec.value());
  fs::create_directories(temp_dir(), ec);
  if (ec) return errno_status("cannot create", temp_dir(), ec.value());
  return Status::Ok();
}

Status ContentStore::adopt(const fs::path& tmp, const std::string& sha256) {
  if (Status s = ensure_dirs(sha256); !s.ok()) return s;
  ::chmod(tmp.c_str(), 0444);
  if (::rename(tmp.c_str(), object_path(sha256).c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return errno_status("cannot rename into", object_path(sha256), e);
  }
  return Status::Ok();
}

Status ContentStore::import_file(const fs::path& file, const std::string& sha256, bool link) {
  if (has(sha256)) return Status::Ok();
  if (Status s = ensure_dirs(sha256); !s.ok()) return s;
  const fs::path tmp = temp_dir() / (sha256 + ".in." + unique_suffix());
  if (link && ::link(file.c_str(), tmp.c_str()) == 0) return adopt(tmp, sha256);
  if (link && errno != EXDEV && errno != EPERM && errno != EMLINK) {
    return errno_status("cannot link " + file.string() + " to", tmp, errno);
  }
  // Another file system (or links not allowed): the one case that copies.
  if (Status s = copy_file_synced(file, tmp); !s.ok()) return s;
  return adopt(tmp, sha256);
}

Result<std::string> ContentStore::add_file(const fs::path& file, bool link) {
  Result<std::string> hex = sha256_of_file(file);
  if (!hex.ok()) return hex.status();
  if (Status s = import_file(file, *hex, link); !s.ok()) return s;
  return *hex;
}

Result<std::string> ContentStore::add_bytes(std::string_view bytes, bool sync) {
  const std::string hex = sha256_hex(bytes);
  if (has(hex)) return hex;
  if (Status s = ensure_dirs(hex); !s.ok()) return s;
  const fs::path tmp = temp_dir() / (hex + ".new." + unique_suffix());
  {
    util::UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (out.get() < 0) return errno_status("cannot create", tmp, errno);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t w = ::write(out.get(), bytes.data() + done, bytes.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        const int e = errno;
        ::unlink(tmp.c_str());
        return errno_status("cannot write", tmp, e);
      }
      done += static_cast<size_t>(w);
    }
    if (sync && ::fdatasync(out.get()) != 0) {
      const int e = errno;
      ::unlink(tmp.c_str());
      return errno_status("cannot fsync", tmp, e);
    }
  }
  if (Status s = adopt(tmp, hex); !s.ok()) return s;
  return hex;
}

Result<std::string> ContentStore::read(const std::string& sha256, uint64_t max_size) const {
  const fs::path p = object_path(sha256);
  util::UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_status("cannot read", p, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_status("cannot stat", p, errno);
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    return InvalidArgument(p.string() + " is " + std::to_string(st.st_size) +
                           " bytes, more than the " + std::to_string(max_size) + " expected");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno_status("cannot read", p, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  if (sha256_hex(out) != sha256) {
    ::unlink(p.c_str());
    return Internal("hash mismatch: " + p.string() +
                    " does not hold the bytes its name says (damaged; removed)");
  }
  return out;
}

Status ContentStore::place(const std::string& sha256, const fs::path& dest, bool* copied) const {
  if (copied != nullptr) *copied = false;
  const fs::path obj = object_path(sha256);
  const fs::path tmp = dest.parent_path() / (".lightning-tmp." + unique_suffix());
  if (::link(obj.c_str(), tmp.c_str()) != 0) {
    const int e = errno;
    if (e != EXDEV && e != EPERM && e != EMLINK) {
      return errno_status("cannot link " + obj.string() + " to", tmp, e);
    }
    if (Status s = copy_file_synced(obj, tmp); !s.ok()) return s;
    if (copied != nullptr) *copied = true;
  }
  if (::rename(tmp.c_str(), dest.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return errno_status("cannot rename into", dest, e);
  }
  return Status::Ok();
}

}  // namespace lightning::storage
