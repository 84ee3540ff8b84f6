// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "idx.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

namespace lightning::components::idx {

size_t type_size(uint8_t type) {
  switch (type) {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
    case 0x0D:
      return 4;
    case 0x0E:
      return 8;
    default:
      return 0;
  }
}

std::string dims_text(const std::vector<uint32_t>& dims) {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out += " x ";
    out += std::to_string(dims[i]);
  }
  return out;
}

namespace {
std::string type_name(uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned bytes";
    case 0x09:
      return "signed bytes";
    case 0x0B:
      return "int16 values";
    case 0x0C:
      return "int32 values";
    case 0x0D:
      return "float32 values";
    default:
      return "float64 values";
  }
}

std::string hex_byte(uint8_t b) {
  static const char* kDigits = "0123456789abcdef";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 0xF];
}
}  // namespace

IdxHeader parse_header(const uint8_t* data, size_t size, uint64_t file_size) {
  if (size < 4 || file_size < 4) {
    throw IdxError("too short for an IDX header (" + std::to_string(file_size) +
                   " bytes; the magic number alone is 4)");
  }
  if (data[0] != 0 || data[1] != 0) {
    throw IdxError("not an IDX file: the magic number starts with " + hex_byte(data[0]) + " " +
                   hex_byte(data[1]) + ", not 0x00 0x00");
  }
  IdxHeader h;
  h.type = data[2];
  if (type_size(h.type) == 0) {
    throw IdxError("unknown IDX type code " + hex_byte(h.type) +
                   " (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)");
  }
  const size_t ndims = data[3];
  if (ndims == 0) throw IdxError("the IDX header declares 0 dimensions");
  h.header_bytes = 4 + 4 * static_cast<uint64_t>(ndims);
  if (size < h.header_bytes || file_size < h.header_bytes) {
    throw IdxError("the IDX header is cut short: " + std::to_string(ndims) + " dimensions need " +
                   std::to_string(h.header_bytes) + " bytes, the file has " +
                   std::to_string(std::min<uint64_t>(size, file_size)));
  }
  uint64_t count = 1;
  bool overflow = false;
  h.dims.reserve(ndims);
  for (size_t i = 0; i < ndims; ++i) {
    const uint8_t* p = data + 4 + 4 * i;
    const uint32_t d = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) |
                       uint32_t{p[3]};
    h.dims.push_back(d);
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / d) overflow = true;
    count *= d;
  }
  const uint64_t elem = type_size(h.type);
  if (overflow || count > (std::numeric_limits<uint64_t>::max() - h.header_bytes) / elem) {
    throw IdxError("the IDX header declares " + dims_text(h.dims) +
                   " values: more than any file can hold");
  }
  h.payload_bytes = count * elem;
  if (h.header_bytes + h.payload_bytes != file_size) {
    throw IdxError("holds " + std::to_string(file_size) + " bytes but its header declares " +
                   dims_text(h.dims) + " " + type_name(h.type) + ": " +
                   std::to_string(h.header_bytes + h.payload_bytes) + " bytes" +
                   (file_size < h.header_bytes + h.payload_bytes ? " (truncated?)" : ""));
  }
  return h;
}

IdxHeader read_header(const std::filesystem::path& file) {
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(file, ec);
  if (ec) throw IdxError("cannot read it: " + ec.message());
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IdxError(std::string("cannot open it: ") + std::strerror(errno));
  // At most 255 dimensions: 4 + 4 * 255 bytes.
  std::array<uint8_t, 4 + 4 * 255> buf{};
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  const auto got = static_cast<size_t>(in.gcount());
  return parse_header(buf.data(), got, file_size);
}

}  // namespace lightning::components::idx
