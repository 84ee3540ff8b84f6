// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The byte framing hashed here is specified in docs/design/components.md
// ("Content hash"); change it only with a new framing tag.
#include "package/content_hash.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "package/errors.hpp"

namespace lightning::package {
namespace {

namespace fs = std::filesystem;

/// The framing's tag: the first bytes hashed.
constexpr std::string_view kTreeFramingTag = "lightning-tree-sha256 v1\n";

class Sha256Digest {
 public:
  Sha256Digest() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw PackageError("OpenSSL could not start a SHA-256 digest");
    }
  }

  void update(const void* data, std::size_t size) {
    if (size == 0) return;
    if (EVP_DigestUpdate(ctx_.get(), data, size) != 1) {
      throw PackageError("OpenSSL's SHA-256 digest failed");
    }
  }
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

  /// 8 bytes, big-endian.
  void update_length(std::uint64_t n) {
    unsigned char b[8];
    for (int i = 7; i >= 0; --i) {
      b[i] = static_cast<unsigned char>(n & 0xff);
      n >>= 8;
    }
    update(b, sizeof b);
  }

  std::string final_hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) {
      throw PackageError("OpenSSL's SHA-256 digest failed");
    }
    static const char* kHex = "0123456789abcdef";
    std::string out(static_cast<std::size_t>(len) * 2, '0');
    for (std::size_t i = 0; i < len; ++i) {
      out[2 * i] = kHex[md[i] >> 4];
      out[2 * i + 1] = kHex[md[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

enum class EntryKind : char { kFile = 'f', kExecutable = 'x', kSymlink = 'l' };

struct TreeEntry {
  std::string relative;  ///< '/'-separated, from the root
  fs::path path;
  EntryKind kind = EntryKind::kFile;
};

[[noreturn]] void tree_error(const fs::path& root, const std::string& why) {
  throw PackageError("cannot hash the source tree " + root.string() + ": " + why);
}

const char* kind_of(fs::file_type t) {
  switch (t) {
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::character:
      return "a character device";
    default:
      return "not a regular file, directory or symlink";
  }
}

/// Hashes one regular file's length and content, opened without following a
/// symlink that replaced it; the length is the size at open, and a file that
/// changes size while being read is an error.
void hash_file(Sha256Digest& digest, const fs::path& root, const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) tree_error(root, "cannot read " + file.string() + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    tree_error(root, "cannot stat " + file.string() + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) tree_error(root, file.string() + " changed while being hashed");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  digest.update_length(size);
  std::vector<char> buf(std::size_t{1} << 16);
  std::uint64_t seen = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      tree_error(root, "cannot read " + file.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    seen += static_cast<std::uint64_t>(n);
    if (seen > size) break;
    digest.update(buf.data(), static_cast<std::size_t>(n));
  }
  if (seen != size) tree_error(root, file.string() + " changed size while being hashed");
}

}  // namespace

std::string tree_sha256(const std::filesystem::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw PackageError("cannot hash the source tree " + root.string() + ": not a directory" +
                       (ec ? " (" + ec.message() + ")" : std::string()));
  }
  std::vector<TreeEntry> entries;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) tree_error(root, ec.message());
  const fs::recursive_directory_iterator end;
  fs::path last = root;  // what the walk stood on, to name a directory it cannot enter
  for (; it != end; it.increment(ec)) {
    if (ec) tree_error(root, "cannot read " + last.string() + ": " + ec.message());
    const fs::path& path = it->path();
    last = path;
    const fs::file_status st = it->symlink_status(ec);
    if (ec) tree_error(root, "cannot stat " + path.string() + ": " + ec.message());
    const fs::file_type type = st.type();
    if (it.depth() == 0) {
      const fs::path name = path.filename();
      // The repository's own metadata, and an in-tree build directory.
      if (name == ".git" || (name == "build" && type == fs::file_type::directory)) {
        it.disable_recursion_pending();
        continue;
      }
    }
    if (type == fs::file_type::directory) continue;
    TreeEntry e;
    e.path = path;
    e.relative = path.lexically_relative(root).generic_string();
    if (type == fs::file_type::symlink) {
      e.kind = EntryKind::kSymlink;
    } else if (type == fs::file_type::regular) {
      e.kind = (st.permissions() & fs::perms::owner_exec) != fs::perms::none
                   ? EntryKind::kExecutable
                   : EntryKind::kFile;
    } else {
      tree_error(root, path.string() + " is " + kind_of(type) +
                           "; a component's source tree may hold only files, directories and "
                           "symlinks");
    }
    entries.push_back(std::move(e));
  }
  if (ec) tree_error(root, "cannot read " + last.string() + ": " + ec.message());
  // By relative path, as bytes (std::string compares chars as unsigned).
  std::sort(entries.begin(), entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.relative < b.relative; });

  Sha256Digest digest;
  digest.update(kTreeFramingTag);
  for (const auto& e : entries) {
    const char kind = static_cast<char>(e.kind);
    digest.update(&kind, 1);
    digest.update_length(e.relative.size());
    digest.update(e.relative);
    if (e.kind == EntryKind::kSymlink) {
      const fs::path target = fs::read_symlink(e.path, ec);
      if (ec) tree_error(root, "cannot read the symlink " + e.path.string() + ": " + ec.message());
      const std::string& text = target.native();
      digest.update_length(text.size());
      digest.update(text);
    } else {
      hash_file(digest, root, e.path);
    }
  }
  return digest.final_hex();
}

std::string sha256_hex(const std::string& bytes) {
  Sha256Digest digest;
  digest.update(bytes);
  return digest.final_hex();
}

}  // namespace lightning::package
