// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/object_service.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/chunk_checksum.hpp"
#include "storage/sha256.hpp"
#include "storage/storage_context.hpp"

namespace lightning::storage {

/// One FetchObject stream: reads the next chunk when the previous write is
/// done. Deletes itself in OnDone.
class FetchReactor final : public grpc::ServerWriteReactor<v1::ObjectChunk> {
 public:
  FetchReactor(ObjectStoreService& service, const v1::FetchObjectRequest& request)
      : service_(service) {
    service_.requests_.fetch_add(1);
    if (service_.faults_ != nullptr) service_.faults_->on_request(request);
    grpc::Status why;
    if (!service_.credentials_ok(request, &why)) {
      Finish(why);
      return;
    }
    if (!is_sha256_hex(request.sha256())) {
      Finish({grpc::StatusCode::INVALID_ARGUMENT, "object name is not 64 lowercase hex digits"});
      return;
    }
    const auto path = service_.store_.object_path(request.sha256());
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) {
      const int e = errno;
      Finish({e == ENOENT ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::INTERNAL,
              "object " + request.sha256() + ": " + std::strerror(e)});
      return;
    }
    size_ = static_cast<uint64_t>(st.st_size);
    offset_ = request.offset();
    if (offset_ > size_) {
      Finish({grpc::StatusCode::INVALID_ARGUMENT, "offset " + std::to_string(offset_) +
                                                      " is past the object's end (" +
                                                      std::to_string(size_) + " bytes)"});
      return;
    }
    chunk_size_ = request.chunk_size() == 0
                      ? ObjectStoreService::kDefaultChunk
                      : std::min(request.chunk_size(), ObjectStoreService::kMaxChunk);
    next();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish({grpc::StatusCode::CANCELLED, "the reader went away"});
      return;
    }
    if (offset_ >= size_) {
      Finish(grpc::Status::OK);
      return;
    }
    next();
  }

  void OnDone() override {
    if (fd_ >= 0) ::close(fd_);
    delete this;
  }

 private:
  void next() {
    const uint64_t n = std::min<uint64_t>(chunk_size_, size_ - offset_);
    std::string* data = chunk_.mutable_data();
    data->resize(static_cast<size_t>(n));
    size_t done = 0;
    while (done < n) {
      const ssize_t r =
          ::pread(fd_, data->data() + done, n - done, static_cast<off_t>(offset_ + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        Finish({grpc::StatusCode::INTERNAL, std::string("cannot read the object: ") +
                                                (r < 0 ? std::strerror(errno) : "it shrank")});
        return;
      }
      done += static_cast<size_t>(r);
    }
    chunk_.set_offset(offset_);
    chunk_.set_object_size(size_);
    chunk_.set_xxh3(chunk_checksum(*data));
    if (service_.faults_ != nullptr && !service_.faults_->before_send(chunk_)) {
      Finish({grpc::StatusCode::UNAVAILABLE, "stream cut (test fault)"});
      return;
    }
    offset_ += n;
    service_.bytes_sent_.fetch_add(n);
    StartWrite(&chunk_);
  }

  ObjectStoreService& service_;
  v1::ObjectChunk chunk_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  uint32_t chunk_size_ = ObjectStoreService::kDefaultChunk;
};

ObjectStoreService::ObjectStoreService(ContentStore store, ChunkFaultsInterface* faults)
    : store_(std::move(store)), faults_(faults) {}

void ObjectStoreService::set_credentials(std::string run_id, std::string token) {
  std::lock_guard<std::mutex> lock(mu_);
  run_id_ = std::move(run_id);
  token_ = std::move(token);
}

bool ObjectStoreService::credentials_ok(const v1::FetchObjectRequest& request, grpc::Status* why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_.empty()) {
    *why = {grpc::StatusCode::UNAVAILABLE, "the object store is not ready yet"};
    return false;
  }
  if (request.run_id() != run_id_ || request.token() != token_) {
    *why = {grpc::StatusCode::UNAUTHENTICATED, "wrong run id or token"};
    return false;
  }
  return true;
}

grpc::ServerWriteReactor<v1::ObjectChunk>* ObjectStoreService::FetchObject(
    grpc::CallbackServerContext* context, const v1::FetchObjectRequest* request) {
  (void)context;
  tune_allocator_for_transfers();  // once, when this process first serves
  return new FetchReactor(*this, *request);
}

}  // namespace lightning::storage
