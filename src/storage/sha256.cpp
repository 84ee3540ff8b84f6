// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/sha256.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "util/unique_fd.hpp"

namespace lightning::storage {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  LIGHTNING_CHECK(ctx_ != nullptr, "EVP_MD_CTX_new");
  LIGHTNING_CHECK(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1, "EVP_DigestInit_ex");
}

void Sha256::update(const void* data, size_t size) {
  if (size == 0) return;
  LIGHTNING_CHECK(EVP_DigestUpdate(ctx_.get(), data, size) == 1, "EVP_DigestUpdate");
}

std::string Sha256::final_hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  LIGHTNING_CHECK(EVP_DigestFinal_ex(ctx_.get(), md, &len) == 1, "EVP_DigestFinal_ex");
  static const char* kHex = "0123456789abcdef";
  std::string out(static_cast<size_t>(len) * 2, '0');
  for (size_t i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
  return out;
}

PipelinedSha256::PipelinedSha256(Sha256 prefix, size_t max_queued)
    : max_queued_(std::max<size_t>(max_queued, 1)), hash_(std::move(prefix)) {
  thread_ = std::thread([this] { loop(); });
}

PipelinedSha256::~PipelinedSha256() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void PipelinedSha256::update(std::string block) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return queue_.size() < max_queued_; });
  queue_.push_back(std::move(block));
  changed_.notify_all();
}

void PipelinedSha256::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    // Closing: the digest was taken, or is not wanted (an error, a restart).
    if (closing_) return;
    std::string block = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    changed_.notify_all();  // room in the queue
    lock.unlock();
    hash_.update(block);
    block = std::string();  // freed on this side, outside the lock
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

std::string PipelinedSha256::final_hex() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return queue_.empty() && !busy_; });
  }
  // The thread waits for more and touches hash_ only while busy_.
  return hash_.final_hex();
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.final_hex();
}

Result<std::string> sha256_of_file(const std::filesystem::path& file) {
  util::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int e = errno;
    return Status(e == ENOENT ? StatusCode::kNotFound : StatusCode::kInternal,
                  "cannot read " + file.string() + ": " + std::strerror(e));
  }
  Sha256 h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("cannot read " + file.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<size_t>(n));
  }
  return h.final_hex();
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace lightning::storage
