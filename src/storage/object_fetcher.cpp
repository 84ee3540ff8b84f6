// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/object_fetcher.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "storage/chunk_receiver.hpp"
#include "storage/sha256.hpp"
#include "util/exponential_backoff.hpp"
#include "util/unique_fd.hpp"

namespace lightning::storage {

namespace fs = std::filesystem;

Status LocalObjectSource::fetch_into(const std::string& sha256, ContentStore& cache,
                                     ObjectUse use) {
  (void)use;  // a link: no bytes written
  if (cache.has(sha256)) return Status::Ok();
  if (!store_.has(sha256)) {
    return NotFound("object " + sha256 + " is not in " + store_.root().string());
  }
  return cache.import_file(store_.object_path(sha256), sha256, /*link=*/true);
}

RemoteObjectFetcher::RemoteObjectFetcher(std::shared_ptr<grpc::Channel> channel, std::string run_id,
                                         std::string token, FetchOptions options)
    : stub_(v1::ObjectStore::NewStub(std::move(channel))),
      run_id_(std::move(run_id)),
      token_(std::move(token)),
      options_(options) {}

grpc::ChannelArguments RemoteObjectFetcher::channel_arguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  return args;
}

Result<Manifest> check_manifest_reply(const std::string& sha256,
                                      const v1::FetchManifestReply& reply) {
  if (sha256_hex(reply.manifest()) != sha256) {
    return InvalidArgument("the manifest sent for " + sha256 + " does not hash to its name");
  }
  Result<Manifest> m = Manifest::parse(reply.manifest());
  if (!m.ok()) return m.status().with_context("manifest " + sha256);
  std::map<std::string, uint64_t> sizes;
  for (const auto& f : m->files) sizes[f.sha256] = f.size;
  std::set<std::string> seen;
  uint64_t total = 0;
  for (const auto& o : reply.objects()) {
    const auto it = sizes.find(o.sha256());
    if (it == sizes.end()) {
      return InvalidArgument("an object sent with manifest " + sha256 + " is not one of its files");
    }
    if (!seen.insert(o.sha256()).second) {
      return InvalidArgument("object " + o.sha256() + " was sent twice with manifest " + sha256);
    }
    if (o.data().size() != it->second) {
      return InvalidArgument("object " + o.sha256() + " was sent with " +
                             std::to_string(o.data().size()) + " bytes; its manifest says " +
                             std::to_string(it->second));
    }
    total += o.data().size();
    if (total > kMaxInlineBytes) {
      return InvalidArgument("more than " + std::to_string(kMaxInlineBytes) +
                             " bytes were sent inline with manifest " + sha256);
    }
    if (sha256_hex(o.data()) != o.sha256()) {
      return InvalidArgument("object " + o.sha256() + " sent with manifest " + sha256 +
                             " does not hash to its name");
    }
  }
  return m;
}

Status RemoteObjectFetcher::fetch_manifest_into(const std::string& sha256, ContentStore& cache) {
  if (!is_sha256_hex(sha256)) return InvalidArgument("'" + sha256 + "' is not an object name");
  if (cache.has(sha256)) return Status::Ok();
  if (options_.inline_limit == 0 || !manifest_method_.load()) {
    return fetch_into(sha256, cache, ObjectUse::kVerifiedOnRead);
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::FetchManifestRequest req;
  req.set_run_id(run_id_);
  req.set_token(token_);
  req.set_sha256(sha256);
  req.set_inline_limit(options_.inline_limit);
  v1::FetchManifestReply reply;
  const grpc::Status status = stub_->FetchManifest(&ctx, req, &reply);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) manifest_method_.store(false);
    // The chunked path retries what can be retried and names what cannot.
    return fetch_into(sha256, cache, ObjectUse::kVerifiedOnRead);
  }
  Result<Manifest> m = check_manifest_reply(sha256, reply);
  if (!m.ok()) return m.status();
  for (const auto& o : reply.objects()) {
    bytes_received_.fetch_add(o.data().size());
    if (cache.has(o.sha256())) continue;
    // Files are linked into a work's tree: fdatasynced (ObjectUse::kLinked).
    if (Result<std::string> r = cache.add_bytes(o.data(), /*sync=*/true); !r.ok()) {
      return r.status();
    }
  }
  Result<std::string> r = cache.add_bytes(reply.manifest(), /*sync=*/false);
  return r.ok() ? Status::Ok() : r.status();
}

Status RemoteObjectFetcher::fetch_into(const std::string& sha256, ContentStore& cache,
                                       ObjectUse use) {
  if (!is_sha256_hex(sha256)) return InvalidArgument("'" + sha256 + "' is not an object name");
  if (cache.has(sha256)) return Status::Ok();
  std::error_code ec;
  fs::create_directories(cache.temp_dir(), ec);
  if (ec) return errno_status("cannot create", cache.temp_dir(), ec.value());
  const std::string part = (cache.temp_dir() / (sha256 + ".part")).string();
  util::UniqueFd fd(::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return errno_status("cannot create", part, errno);
  // One fetch per object and cache: whoever holds the lock fetches, the
  // others wait here and then find the object.
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return errno_status("cannot lock", part, errno);
  }
  if (cache.has(sha256)) {
    struct stat st {};
    // Our descriptor may be a fresh, empty .part made after the winner's rename.
    if (::fstat(fd.get(), &st) == 0 && st.st_nlink > 0 && st.st_size == 0) ::unlink(part.c_str());
    return Status::Ok();
  }
  return fetch_locked(sha256, cache, fd.get(), part, use);
}

Status RemoteObjectFetcher::fetch_locked(const std::string& sha256, ContentStore& cache, int fd,
                                         const std::string& part, ObjectUse use) {
  const util::ExponentialBackoff backoff(options_.first_backoff, std::chrono::seconds(1));
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_status("cannot stat", part, errno);
  const uint64_t on_disk = static_cast<uint64_t>(st.st_size);
  Sha256 prefix;
  // Re-hash what an earlier, interrupted fetch left.
  {
    std::vector<char> buf(1 << 20);
    uint64_t at = 0;
    while (at < on_disk) {
      const ssize_t n = ::pread(fd, buf.data(), std::min<uint64_t>(buf.size(), on_disk - at),
                                static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return errno_status("cannot read", part, n < 0 ? errno : EIO);
      prefix.update(buf.data(), static_cast<size_t>(n));
      at += static_cast<uint64_t>(n);
    }
  }
  ChunkReceiver receiver(fd, on_disk, std::move(prefix));
  bool restarted = false;
  int failures = 0;
  for (;;) {
    grpc::Status status;
    bool rejected = false;
    {
      grpc::ClientContext ctx;
      v1::FetchObjectRequest req;
      req.set_run_id(run_id_);
      req.set_token(token_);
      req.set_sha256(sha256);
      req.set_offset(receiver.offset());
      req.set_chunk_size(options_.chunk_size);
      streams_.fetch_add(1);
      auto reader = stub_->FetchObject(&ctx, req);
      v1::ObjectChunk chunk;
      while (reader->Read(&chunk)) {
        const size_t got = chunk.data().size();
        Result<ChunkReceiver::Verdict> v = receiver.accept(chunk, part);
        if (!v.ok()) {
          ctx.TryCancel();
          reader->Finish();
          // The prefix on disk stays valid: a later fetch resumes from it.
          return v.status();
        }
        if (*v == ChunkReceiver::Verdict::kRejected) {
          // Damaged or out of place: drop it and ask again from offset().
          chunks_rejected_.fetch_add(1);
          rejected = true;
          ctx.TryCancel();
          break;
        }
        bytes_received_.fetch_add(got);
        if (*v == ChunkReceiver::Verdict::kComplete) break;
      }
      status = reader->Finish();
    }
    if (receiver.complete()) {
      if (::ftruncate(fd, static_cast<off_t>(receiver.total())) != 0) {
        return errno_status("cannot truncate", part, errno);
      }
      const std::string got = receiver.final_hex();
      if (got != sha256) {
        if (::ftruncate(fd, 0) != 0) return errno_status("cannot truncate", part, errno);
        if (restarted) {
          return Internal("hash mismatch: object " + sha256 + " fetched from the store hashes to " +
                          got + " (the store's copy is damaged)");
        }
        // What an earlier fetch left may have been damaged on disk: start over once.
        restarted = true;
        receiver.restart();
        continue;
      }
      if (use == ObjectUse::kLinked && ::fdatasync(fd) != 0) {
        return errno_status("cannot fsync", part, errno);
      }
      return cache.adopt(part, sha256);
    }
    if (!rejected && !status.ok()) {
      switch (status.error_code()) {
        case grpc::StatusCode::NOT_FOUND:
          return NotFound("object " + sha256 + " is not in the store: " + status.error_message());
        case grpc::StatusCode::UNAUTHENTICATED:
        case grpc::StatusCode::INVALID_ARGUMENT:
        case grpc::StatusCode::PERMISSION_DENIED:
          return InvalidArgument("the store refused object " + sha256 + ": " +
                                 status.error_message());
        default:
          break;
      }
    }
    const std::string last_error =
        rejected ? "a chunk failed its checks"
                 : (status.ok() ? "the stream ended early" : status.error_message());
    if (++failures >= options_.max_attempts) {
      return Unavailable("could not fetch object " + sha256 + " after " + std::to_string(failures) +
                         " attempts (last: " + last_error + "); the " +
                         std::to_string(receiver.offset()) +
                         " bytes already fetched are kept and a retry resumes from there");
    }
    // A damaged chunk is asked for again at once; a broken stream after a pause.
    if (!rejected) std::this_thread::sleep_for(backoff.nth(failures - 1));
  }
}

}  // namespace lightning::storage
