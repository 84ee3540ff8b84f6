// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The IDX file format (Y. LeCun, "THE MNIST DATABASE of handwritten digits",
// http://yann.lecun.com/exdb/mnist/, section "FILE FORMATS"), as MNIST and
// Fashion-MNIST use it: a big-endian header, then the values row-major.
//
//   offset 0: 0x00 0x00  (two zero bytes)
//   offset 2: type code  (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
//                         0x0C int32, 0x0D float32, 0x0E float64)
//   offset 3: number of dimensions (1..255)
//   offset 4: one big-endian uint32 size per dimension
//   then:     product(sizes) values of the type
//
// Torch-free (the fuzz target tests/fuzz/fuzz_idx.cpp builds it alone).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace lightning::components::idx {

/// A malformed IDX header or a file whose size does not match its header;
/// what() says what is wrong (not which file: callers add that).
class IdxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What an IDX header declares.
struct IdxHeader {
  uint8_t type = 0;                 ///< type code (0x08 = unsigned byte)
  std::vector<uint32_t> dims;       ///< sizes, outermost first
  uint64_t header_bytes = 0;        ///< 4 + 4 * dims.size()
  uint64_t payload_bytes = 0;       ///< product(dims) * size of the type
};

/// Size in bytes of one value of IDX type `type`; 0 for an unknown code.
size_t type_size(uint8_t type);

/// Parses the header at the start of `data` (`size` bytes available, at least
/// the header) of a file of `file_size` bytes in all. Throws IdxError when the
/// magic's zero bytes, the type code or the dimension count are wrong, when
/// the header is cut short, when product(dims) overflows 64 bits, or when
/// header + payload is not exactly `file_size` ("holds 1000 bytes but its
/// header declares 60000 x 28 x 28 unsigned bytes: 47040016 bytes").
IdxHeader parse_header(const uint8_t* data, size_t size, uint64_t file_size);

/// Reads the header of `file` and checks it against the file's size (throws
/// IdxError as parse_header does, or when the file cannot be read).
IdxHeader read_header(const std::filesystem::path& file);

/// "60000 x 28 x 28"
std::string dims_text(const std::vector<uint32_t>& dims);

}  // namespace lightning::components::idx
