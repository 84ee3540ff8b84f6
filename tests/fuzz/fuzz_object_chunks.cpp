// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: what a node reads from an object store peer and from a
// committed Path (storage::ChunkReceiver, Manifest::parse, Path and Payload JSON).
//
// Input: records of [1 byte kind][2 bytes length, little-endian][bytes]:
//   kind % 5 == 0: a serialized v1::ObjectChunk, fed to one ChunkReceiver
//   kind % 5 == 1: a manifest's text, parsed
//   kind % 5 == 2: JSON, read as a lightning::Path and a lightning::Payload
//   kind % 5 == 3: the receiver restarts at byte 0
//   kind % 5 == 4: a serialized v1::FetchManifestReply, checked
//                  (check_manifest_reply) as the reply for its manifest's hash
// Invariants: nothing crashes; the receiver never writes at or past the
// object size it first accepted, its offset never decreases except on
// restart, a rejected chunk changes nothing (chunks announcing 16 MiB or more
// to come start its hashing thread); the server's hand-encoded chunk header
// (encode_chunk_header) followed by the data parses to the same chunk; an accepted manifest has
// only relative, traversal-free, unique paths and 64-hex hashes; an accepted FetchManifest reply
// has only files of its manifest, once each, with their sizes and hashes, at most kMaxInlineBytes
// in all; a Path accepted from JSON has a traversal-free relative path and round-trips.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>

#include "fuzz_check.hpp"
#include "lightning/path.hpp"
#include "lightning/payload.hpp"
#include "lightning/v1/storage.pb.h"
#include "storage/chunk_receiver.hpp"
#include "storage/manifest.hpp"
#include "storage/object_fetcher.hpp"
#include "storage/object_service.hpp"
#include "storage/sha256.hpp"

namespace {

using lightning::storage::ChunkReceiver;

int scratch_fd() {
  static int fd = [] {
    char name[] = "/tmp/fuzz_object_chunks_XXXXXX";
    const int f = ::mkstemp(name);
    ::unlink(name);
    return f;
  }();
  return fd;
}

void check_manifest(const std::string& text) {
  auto m = lightning::storage::Manifest::parse(text);
  if (!m.ok()) {
    LIGHTNING_FUZZ_CHECK(!m.status().message().empty(), std::string("error without a message"));
    return;
  }
  std::set<std::string> seen;
  for (const auto& f : m->files) {
    LIGHTNING_FUZZ_CHECK(lightning::storage::relative_path_problem(f.path, !m->is_dir).empty(),
                         "accepted file path '" + f.path + "'");
    LIGHTNING_FUZZ_CHECK(lightning::storage::is_sha256_hex(f.sha256), "accepted hash " + f.sha256);
    LIGHTNING_FUZZ_CHECK(seen.insert(f.path).second, "repeated path " + f.path);
  }
  for (const auto& d : m->dirs) {
    LIGHTNING_FUZZ_CHECK(lightning::storage::relative_path_problem(d).empty(),
                         "accepted dir '" + d + "'");
  }
  // What was accepted serialises to something accepted again.
  LIGHTNING_FUZZ_CHECK(lightning::storage::Manifest::parse(m->to_text()).ok(),
                       std::string("round trip refused"));
}

void check_json(const std::string& text) {
  const lightning::Json j = lightning::Json::parse(text, nullptr, false);
  if (j.is_discarded()) return;
  try {
    const auto p = j.get<lightning::Path>();
    if (!p.relative().empty()) {
      LIGHTNING_FUZZ_CHECK(lightning::storage::relative_path_problem(p.relative()).empty(),
                           "accepted Path '" + p.relative() + "'");
    }
    LIGHTNING_FUZZ_CHECK(lightning::Json(p).get<lightning::Path>() == p,
                         std::string("Path JSON does not round-trip"));
  } catch (const std::exception&) {
  }
  try {
    const auto p = j.get<lightning::Payload>();
    LIGHTNING_FUZZ_CHECK(p.empty() || lightning::storage::is_sha256_hex(p.sha256()),
                         "accepted Payload " + p.sha256());
  } catch (const std::exception&) {
  }
}

void check_manifest_reply(const std::string& bytes) {
  lightning::v1::FetchManifestReply reply;
  if (!reply.ParseFromString(bytes)) return;
  const std::string name = lightning::storage::sha256_hex(reply.manifest());
  auto m = lightning::storage::check_manifest_reply(name, reply);
  if (!m.ok()) {
    LIGHTNING_FUZZ_CHECK(!m.status().message().empty(), std::string("error without a message"));
    return;
  }
  std::map<std::string, uint64_t> sizes;
  for (const auto& f : m->files) sizes[f.sha256] = f.size;
  std::set<std::string> seen;
  uint64_t total = 0;
  for (const auto& o : reply.objects()) {
    LIGHTNING_FUZZ_CHECK(sizes.count(o.sha256()) == 1 && sizes[o.sha256()] == o.data().size(),
                         "accepted an object that is not a file of the manifest");
    LIGHTNING_FUZZ_CHECK(seen.insert(o.sha256()).second, std::string("accepted a repeat"));
    LIGHTNING_FUZZ_CHECK(lightning::storage::sha256_hex(o.data()) == o.sha256(),
                         std::string("accepted bytes that do not hash to their name"));
    total += o.data().size();
  }
  LIGHTNING_FUZZ_CHECK(total <= lightning::storage::kMaxInlineBytes,
                       std::string("accepted too many inline bytes"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = scratch_fd();
  if (fd < 0 || ::ftruncate(fd, 0) != 0) return 0;
  ChunkReceiver receiver(fd, 0, lightning::storage::Sha256());
  uint64_t first_total = UINT64_MAX;
  size_t at = 0;
  while (at + 3 <= size) {
    const uint8_t kind = data[at];
    const size_t len = std::min<size_t>(size - at - 3, data[at + 1] | (data[at + 2] << 8));
    const std::string bytes(reinterpret_cast<const char*>(data + at + 3), len);
    at += 3 + len;
    switch (kind % 5) {
      case 0: {
        lightning::v1::ObjectChunk chunk;
        if (!chunk.ParseFromString(bytes)) break;
        {
          uint8_t header[lightning::storage::kMaxChunkHeader];
          const size_t n = lightning::storage::encode_chunk_header(
              chunk.offset(), chunk.xxh3(), chunk.object_size(), chunk.data().size(), header);
          lightning::v1::ObjectChunk back;
          LIGHTNING_FUZZ_CHECK(
              back.ParseFromString(std::string(reinterpret_cast<const char*>(header), n) +
                                   chunk.data()) &&
                  back.offset() == chunk.offset() && back.xxh3() == chunk.xxh3() &&
                  back.object_size() == chunk.object_size() && back.data() == chunk.data(),
              std::string("encode_chunk_header does not round-trip"));
        }
        const uint64_t before = receiver.offset();
        auto v = receiver.accept(chunk, "scratch");
        LIGHTNING_FUZZ_CHECK(v.ok(), "write failed: " + v.status().message());
        if (*v == ChunkReceiver::Verdict::kRejected) {
          LIGHTNING_FUZZ_CHECK(receiver.offset() == before, std::string("rejected chunk moved"));
          break;
        }
        if (first_total == UINT64_MAX) first_total = receiver.total();
        LIGHTNING_FUZZ_CHECK(receiver.total() == first_total, std::string("object size changed"));
        LIGHTNING_FUZZ_CHECK(receiver.offset() >= before && receiver.offset() <= first_total,
                             "offset " + std::to_string(receiver.offset()) + " outside the object");
        struct stat st {};
        ::fstat(fd, &st);
        LIGHTNING_FUZZ_CHECK(static_cast<uint64_t>(st.st_size) <= first_total,
                             std::string("wrote past the object's end"));
        break;
      }
      case 1:
        check_manifest(bytes);
        break;
      case 2:
        check_json(bytes);
        break;
      case 3:
        receiver.restart();
        first_total = UINT64_MAX;
        if (::ftruncate(fd, 0) != 0) return 0;
        break;
      default:
        check_manifest_reply(bytes);
        break;
    }
  }
  return 0;
}
