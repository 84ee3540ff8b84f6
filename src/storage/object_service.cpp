// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/object_service.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "storage/chunk_checksum.hpp"
#include "storage/manifest.hpp"
#include "storage/object_fetcher.hpp"
#include "storage/sha256.hpp"
#include "storage/storage_context.hpp"

namespace lightning::storage {

namespace {

uint8_t* put_varint(uint64_t v, uint8_t* p) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

}  // namespace

size_t encode_chunk_header(uint64_t offset, uint64_t xxh3, uint64_t object_size, uint64_t data_size,
                           uint8_t* out) {
  uint8_t* p = out;
  *p++ = 0x08;  // field 1 (offset), varint
  p = put_varint(offset, p);
  *p++ = 0x19;  // field 3 (xxh3), fixed64, little-endian
  for (int i = 0; i < 8; ++i) *p++ = static_cast<uint8_t>(xxh3 >> (8 * i));
  *p++ = 0x20;  // field 4 (object_size), varint
  p = put_varint(object_size, p);
  *p++ = 0x12;  // field 2 (data), length-delimited; the bytes follow
  p = put_varint(data_size, p);
  return static_cast<size_t>(p - out);
}

/// One FetchObject stream: reads the next chunk when the previous write is
/// done. Deletes itself in OnDone.
class FetchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  FetchReactor(ObjectStoreService& service, const grpc::ByteBuffer& raw) : service_(service) {
    service_.requests_.fetch_add(1);
    v1::FetchObjectRequest request;
    grpc::ByteBuffer copy(raw);  // Deserialize consumes its buffer; a copy shares the slices
    if (!grpc::SerializationTraits<v1::FetchObjectRequest>::Deserialize(&copy, &request).ok()) {
      Finish({grpc::StatusCode::INVALID_ARGUMENT, "malformed FetchObjectRequest"});
      return;
    }
    if (service_.faults_ != nullptr) service_.faults_->on_request(request);
    grpc::Status why;
    if (!service_.credentials_ok(request.run_id(), request.token(), &why)) {
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
    // The whole rest of the object will be read once, in order.
    (void)::posix_fadvise(fd_, static_cast<off_t>(offset_), 0, POSIX_FADV_SEQUENTIAL);
    next();
  }

  void OnWriteDone(bool ok) override {
    buffer_.Clear();
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
    // The chunk's bytes go into a slice the transport sends as it is.
    grpc::Slice data(static_cast<size_t>(n));
    // A fresh slice this reactor owns alone: writing into it is allowed.
    auto* bytes =
        const_cast<uint8_t*>(data.begin());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, bytes + done, n - done, static_cast<off_t>(offset_ + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        Finish({grpc::StatusCode::INTERNAL, std::string("cannot read the object: ") +
                                                (r < 0 ? std::strerror(errno) : "it shrank")});
        return;
      }
      done += static_cast<size_t>(r);
    }
    const uint64_t xxh3 = chunk_checksum(bytes, static_cast<size_t>(n));
    if (service_.faults_ != nullptr) {
      v1::ObjectChunk chunk;
      chunk.set_offset(offset_);
      chunk.set_object_size(size_);
      chunk.mutable_data()->assign(reinterpret_cast<const char*>(bytes), static_cast<size_t>(n));
      chunk.set_xxh3(xxh3);
      if (!service_.faults_->before_send(chunk)) {
        Finish({grpc::StatusCode::UNAVAILABLE, "stream cut (test fault)"});
        return;
      }
      bool own = false;
      (void)grpc::SerializationTraits<v1::ObjectChunk>::Serialize(chunk, &buffer_, &own);
    } else {
      uint8_t header[kMaxChunkHeader];
      const size_t h = encode_chunk_header(offset_, xxh3, size_, n, header);
      const grpc::Slice slices[2] = {grpc::Slice(header, h), std::move(data)};
      buffer_ = grpc::ByteBuffer(slices, 2);
    }
    offset_ += n;
    service_.bytes_sent_.fetch_add(n);
    StartWrite(&buffer_);
  }

  ObjectStoreService& service_;
  grpc::ByteBuffer buffer_;
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

bool ObjectStoreService::credentials_ok(const std::string& run_id, const std::string& token,
                                        grpc::Status* why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_.empty()) {
    *why = {grpc::StatusCode::UNAVAILABLE, "the object store is not ready yet"};
    return false;
  }
  if (run_id != run_id_ || token != token_) {
    *why = {grpc::StatusCode::UNAUTHENTICATED, "wrong run id or token"};
    return false;
  }
  return true;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ObjectStoreService::FetchObject(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  (void)context;
  tune_allocator_for_transfers();  // once, when this process first serves
  return new FetchReactor(*this, *request);
}

grpc::ServerUnaryReactor* ObjectStoreService::FetchManifest(grpc::CallbackServerContext* context,
                                                            const v1::FetchManifestRequest* request,
                                                            v1::FetchManifestReply* reply) {
  requests_.fetch_add(1);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(manifest_reply(*request, reply));
  return reactor;
}

grpc::Status ObjectStoreService::manifest_reply(const v1::FetchManifestRequest& request,
                                                v1::FetchManifestReply* reply) {
  grpc::Status why;
  if (!credentials_ok(request.run_id(), request.token(), &why)) return why;
  if (!is_sha256_hex(request.sha256())) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "object name is not 64 lowercase hex digits"};
  }
  Result<std::string> text = store_.read(request.sha256(), kMaxManifestBytes);
  if (!text.ok()) {
    const StatusCode code = text.status().code();
    return {code == StatusCode::kNotFound          ? grpc::StatusCode::NOT_FOUND
            : code == StatusCode::kInvalidArgument ? grpc::StatusCode::INVALID_ARGUMENT
                                                   : grpc::StatusCode::INTERNAL,
            text.status().message()};
  }
  Result<Manifest> m = Manifest::parse(*text);
  if (!m.ok()) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "object " + request.sha256() + " is not a manifest: " + m.status().message()};
  }
  const uint64_t limit = std::min<uint64_t>(request.inline_limit(), kMaxInlineBytes);
  uint64_t total = 0;
  std::set<std::string> sent;
  for (const auto& f : m->files) {
    if (f.size > limit || total + f.size > kMaxInlineBytes || sent.count(f.sha256) != 0) continue;
    // Verified here; one that cannot be read is left to FetchObject, which
    // reports why to the reader.
    Result<std::string> bytes = store_.read(f.sha256, f.size);
    if (!bytes.ok()) continue;
    v1::InlineObject* o = reply->add_objects();
    o->set_sha256(f.sha256);
    o->set_data(std::move(*bytes));
    sent.insert(f.sha256);
    total += f.size;
    bytes_sent_.fetch_add(f.size);
  }
  reply->set_manifest(std::move(*text));
  return grpc::Status::OK;
}

}  // namespace lightning::storage
