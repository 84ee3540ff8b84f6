// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace lightning::util {

Status io_error_status(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return ResourceExhausted(message + " (the disk is full; free some space)");
    case EFBIG:
      return ResourceExhausted(message + " (the file size limit, `ulimit -f`, was reached)");
    case EACCES:
    case EPERM:
    case EROFS:
      return FailedPrecondition(message + " (the directory must be writable)");
    case ENOENT:
    case ENOTDIR:
      return NotFound(message + " (the directory must exist)");
    default:
      return Internal(message);
  }
}

namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A name next to `path` that no other writer (thread or process) picks.
std::string temp_name_for(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(now % 1000000007) +
         "-" + std::to_string(counter++);
}

Status write_all(int fd, std::string_view content, const std::string& tmp) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error_status(errno, "cannot write " + tmp);
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// Makes a completed rename durable. File systems that cannot fsync a
// directory (EINVAL) order the rename themselves, so that is not an error.
Status sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error_status(errno, "cannot open directory " + dir + " to sync it");
  Status status;
  if (::fsync(fd) != 0 && errno != EINVAL) {
    status = io_error_status(errno, "cannot sync directory " + dir);
  }
  ::close(fd);
  return status;
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view content) {
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = temp_name_for(path);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt == 100)) {
      return io_error_status(errno, "cannot create " + tmp);
    }
  }

  Status status = write_all(fd, content, tmp);
  if (status.ok() && ::fsync(fd) != 0) status = io_error_status(errno, "cannot sync " + tmp);
  // close() can report a delayed write error (NFS); only the first error counts.
  if (::close(fd) != 0 && status.ok()) status = io_error_status(errno, "cannot write " + tmp);
  if (status.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    status = io_error_status(errno, "cannot rename " + tmp + " to " + path);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return sync_dir(dir_of(path));
}

Status write_private_file(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  const bool written = ::fchmod(fd, 0600) == 0 && ::write(fd, content.data(), content.size()) ==
                                                      static_cast<ssize_t>(content.size());
  const int saved = errno;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = written ? errno : saved;
    ::unlink(tmp.c_str());
    return Unavailable("cannot write " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace lightning::util
