// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: journal::load() of a file holding the input's bytes, as a
// damaged or hostile `<run dir>/journal.sqlite` would be.
//
// Invariants: load() never crashes, leaks or hangs (SQLite's work is bounded
// by LoadLimits; SQLite's heap by a hard limit); it either succeeds, with a
// state that is a JSON object and a call table per work that CallTable::restore()
// takes (load() itself checks that), and declared works with a path, a type
// and WorkOptions that round-trip through to_json()/from_json(), or fails with a Status whose
// message starts "cannot load the journal <path>: " and says more than that.
//
// Seeds (corpus/fuzz_journal/) are real journals, made small (512-byte pages)
// by make_journal_seeds.cpp, and one cut in half.
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_check.hpp"
#include "journal/load.hpp"

namespace {

/// A directory for the input file, removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fuzz_journal_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ScratchDir dir;
  static const bool limited = [] {
    sqlite3_hard_heap_limit64(256 << 20);
    return true;
  }();
  (void)limited;
  const std::string path = dir.path() + "/journal.sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  LIGHTNING_FUZZ_CHECK(f != nullptr, "cannot create " + path);
  if (size > 0) LIGHTNING_FUZZ_CHECK(std::fwrite(data, 1, size, f) == size, "short write");
  std::fclose(f);

  lightning::journal::LoadLimits limits;
  limits.max_kilo_steps = 50'000;  // 50 M SQLite steps: far more than any real journal this small
  const auto r = lightning::journal::load(path, limits);
  if (std::getenv("LIGHTNING_FUZZ_TRACE") != nullptr) {
    std::fprintf(stderr, "%s\n",
                 r.ok() ? ("loaded version " + std::to_string(r->version) + ", " +
                           std::to_string(r->call_tables.size()) + " call tables")
                              .c_str()
                        : r.status().message().c_str());
  }
  if (r.ok()) {
    LIGHTNING_FUZZ_CHECK(r->state.is_object(), "a loaded state that is not an object");
    for (const auto& [work, table] : r->call_tables) {
      LIGHTNING_FUZZ_CHECK(table.is_object() && table.contains("calls"),
                           "a call table without calls: " + work);
    }
    for (const auto& w : r->works) {
      LIGHTNING_FUZZ_CHECK(!w.path.empty() && !w.type.empty(),
                           "a declared work without a path or a type");
      // Options that loaded are options WorkOptions' setters accept: they
      // round-trip through to_json()/from_json().
      const lightning::Json j = w.options.to_json();
      LIGHTNING_FUZZ_CHECK(lightning::WorkOptions::from_json(j).to_json() == j,
                           "declared options that do not round-trip: " + j.dump());
    }
  } else {
    const std::string prefix = "cannot load the journal " + path + ": ";
    const std::string& message = r.status().message();
    LIGHTNING_FUZZ_CHECK(message.rfind(prefix, 0) == 0 && message.size() > prefix.size(),
                         "an error that does not say which file and what: " + message);
  }
  return 0;
}
