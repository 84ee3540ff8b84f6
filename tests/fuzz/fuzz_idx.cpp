// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: the IDX header parser of components/data (idx::parse_header),
// which reads Fashion-MNIST files from the disk.
//
// Input: the whole file's bytes (file_size = size). Invariants: it never
// crashes, reads out of bounds or hangs; it either throws idx::IdxError with
// a non-empty message, or returns a header that is consistent: two zero magic
// bytes, a known type, 1..255 dimensions as the bytes say, header_bytes =
// 4 + 4 x dims, payload_bytes = product(dims) x type size (no overflow) and
// header_bytes + payload_bytes == the file's size. The same bytes with one
// byte more or less are then refused (the size check is exact).
#include <string>

#include "../../components/data/src/idx.hpp"
#include "fuzz_check.hpp"

namespace idx = lightning::components::idx;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idx::IdxHeader h;
  try {
    h = idx::parse_header(data, size, size);
  } catch (const idx::IdxError& e) {
    LIGHTNING_FUZZ_CHECK(std::string(e.what()).size() > 0, "an IdxError without a message");
    return 0;
  }
  LIGHTNING_FUZZ_CHECK(size >= 4 && data[0] == 0 && data[1] == 0, "accepted a bad magic number");
  LIGHTNING_FUZZ_CHECK(h.type == data[2] && idx::type_size(h.type) > 0, "accepted a bad type");
  LIGHTNING_FUZZ_CHECK(h.dims.size() == data[3] && !h.dims.empty(), "dimension count differs");
  LIGHTNING_FUZZ_CHECK(h.header_bytes == 4 + 4 * h.dims.size(), "header_bytes is wrong");
  unsigned __int128 count = 1;
  for (size_t i = 0; i < h.dims.size(); ++i) {
    const uint8_t* p = data + 4 + 4 * i;
    const uint32_t d = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    LIGHTNING_FUZZ_CHECK(h.dims[i] == d, "dimension " + std::to_string(i) + " differs from its bytes");
    count *= d;
    if (count > size) count = size + 1;  // stays above the size; no overflow
  }
  LIGHTNING_FUZZ_CHECK(count * idx::type_size(h.type) == h.payload_bytes, "payload_bytes is wrong");
  LIGHTNING_FUZZ_CHECK(h.header_bytes + h.payload_bytes == size, "accepted a size mismatch");
  bool refused = false;
  try {
    idx::parse_header(data, size, size + 1);
  } catch (const idx::IdxError&) {
    refused = true;
  }
  LIGHTNING_FUZZ_CHECK(refused, "accepted a file one byte longer than its header declares");
  return 0;
}
