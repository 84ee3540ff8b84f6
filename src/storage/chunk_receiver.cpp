// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/chunk_receiver.hpp"

#include <unistd.h>

#include <cerrno>

#include "storage/chunk_checksum.hpp"
#include "storage/content_store.hpp"

namespace lightning::storage {

Result<ChunkReceiver::Verdict> ChunkReceiver::accept(v1::ObjectChunk& chunk,
                                                     const std::string& file) {
  const std::string& data = chunk.data();
  const uint64_t announced = chunk.object_size();
  if (chunk.offset() != offset_ || chunk_checksum(data) != chunk.xxh3() ||
      (total_ != UINT64_MAX && announced != total_) || offset_ > announced ||
      data.size() > announced - offset_ || (data.empty() && offset_ != announced)) {
    return Verdict::kRejected;
  }
  total_ = announced;
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t w =
        ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset_ + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno_status("cannot write", file, errno);
    done += static_cast<size_t>(w);
  }
  offset_ += data.size();
  if (!pipeline_ && total_ - offset_ >= kPipelineFrom) {
    pipeline_ = std::make_unique<PipelinedSha256>(std::move(hash_));
  }
  if (pipeline_) {
    pipeline_->update(std::move(*chunk.mutable_data()));
  } else {
    hash_.update(data.data(), data.size());
  }
  return offset_ == total_ ? Verdict::kComplete : Verdict::kMore;
}

}  // namespace lightning::storage
