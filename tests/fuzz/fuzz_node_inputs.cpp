// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: what lightning-worker reads from outside (src/node/): GPU lists
// from the environment (CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS, SLURM_JOB_GPUS)
// and from --gpus, the token file's text, and a LaunchWorkRequest from the
// controller as check_launch() judges it.
//
// Input: the first byte picks the reader, the rest is its input.
// Invariants: nothing crashes, throws or hangs; parsed GPU indices are 0 to
// 1023; --gpus gives unique indices or an error naming --gpus; a visible
// filter keeps only GPUs of the node, each once; an accepted token is 1 to
// 4096 printable characters without blanks, and a refusal never quotes the
// text; a launch check_launch() accepts has a non-zero process id, a work_type
// and work_path without '/' or "..", and an absolute run_dir without a ".."
// segment. The TLS files (selector 5: certificate, key and CA separated by
// NUL bytes, written to files of mode 0600) through rpc::load_tls_files:
// accepted files come back unchanged; a refusal names a --tls- flag and never
// quotes the key file's text.
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lightning/v1/launch.pb.h"
#include "node/gpu_detect.hpp"
#include "node/worker_agent.hpp"
#include "node/worker_options.hpp"
#include "rpc/tls.hpp"
#include "scheduler/local_resources.hpp"

namespace node = lightning::node;

namespace {

// One directory per fuzzing process for the TLS files, removed at exit.
// (Never destroyed: the atexit handler runs after static destructors.)
const std::string& tls_dir() {
  static const std::string* const dir = [] {
    char pattern[] = "/tmp/fuzz-tls-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) std::abort();
    auto* path = new std::string(made);  // NOLINT(cppcoreguidelines-owning-memory)
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(tls_dir(), ec);
    });
    return path;
  }();
  return *dir;
}

std::string write_private(const std::string& name, std::string_view text) {
  std::string path = tls_dir() + "/" + name;
  {
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  ::chmod(path.c_str(), 0600);
  return path;
}

void check_tls_files(std::string_view text) {
  const size_t a = text.find('\0');
  const size_t b = a == std::string_view::npos ? a : text.find('\0', a + 1);
  if (b == std::string_view::npos) return;
  const std::string_view cert = text.substr(0, a);
  const std::string_view key = text.substr(a + 1, b - a - 1);
  const std::string_view ca = text.substr(b + 1);
  lightning::rpc::TlsFiles files{write_private("cert.pem", cert), write_private("key.pem", key),
                                 ca.empty() ? "" : write_private("ca.pem", ca)};
  lightning::Result<lightning::rpc::TlsMaterial> m =
      lightning::rpc::load_tls_files(files, lightning::rpc::TlsSide::kServer);
  if (m.ok()) {
    LIGHTNING_FUZZ_CHECK(m->cert_pem == cert && m->key_pem == key && m->ca_pem == ca,
                         "accepted TLS files came back changed");
    return;
  }
  const std::string& why = m.status().message();
  LIGHTNING_FUZZ_CHECK(why.rfind("--tls-", 0) == 0, "a TLS refusal that names no flag");
  if (key.size() >= 16) {
    static const std::string fixed =
        lightning::rpc::load_tls_files({files.cert, write_private("k0.pem", "x"), ""},
                                       lightning::rpc::TlsSide::kServer)
            .status()
            .message();
    LIGHTNING_FUZZ_CHECK(why.find(key) == std::string::npos || fixed.find(key) != std::string::npos,
                         "a TLS refusal that quotes the key");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      if (auto list = node::parse_gpu_indices(text)) {
        for (int i : *list) LIGHTNING_FUZZ_CHECK(i >= 0 && i <= 1023, "an index out of range");
      }
      break;
    case 1: {
      lightning::Result<node::GpuDetection> d = node::gpus_from_flag(text);
      if (d.ok()) {
        std::set<int> seen;
        for (const node::NodeGpu& g : d->gpus) {
          LIGHTNING_FUZZ_CHECK(g.index >= 0 && g.index <= 1023, "an index out of range");
          LIGHTNING_FUZZ_CHECK(seen.insert(g.index).second, "a GPU listed twice");
        }
        LIGHTNING_FUZZ_CHECK(d->detected_by == "--gpus", "detected_by is not --gpus");
      } else {
        LIGHTNING_FUZZ_CHECK(d.status().message().find("--gpus") != std::string::npos,
                             "an error that does not name --gpus");
      }
      break;
    }
    case 2: {
      std::vector<node::NodeGpu> all;
      all.reserve(4);
      for (int i = 0; i < 4; ++i) all.push_back({i, "m", 1, "GPU-" + std::to_string(i) + "abc"});
      if (auto listed = lightning::scheduler::parse_visible_devices(text)) {
        std::set<int> seen;
        for (const node::NodeGpu& g : node::filter_visible(all, *listed)) {
          LIGHTNING_FUZZ_CHECK(g.index >= 0 && g.index < 4, "a GPU the node does not have");
          LIGHTNING_FUZZ_CHECK(seen.insert(g.index).second, "a GPU kept twice");
        }
      }
      break;
    }
    case 3: {
      lightning::Result<std::string> token = node::parse_token_text(text);
      if (token.ok()) {
        LIGHTNING_FUZZ_CHECK(!token->empty() && token->size() <= 4096, "a token of a bad size");
        for (char c : *token) LIGHTNING_FUZZ_CHECK(c > 0x20 && c < 0x7f, "a blank in a token");
      } else if (text.size() >= 8) {
        // The refusals are fixed sentences: a text that is part of one of
        // them ("trol chara") is found there without being quoted.
        static const std::string fixed =
            node::parse_token_text(std::string(5000, 'x')).status().message() + "\n" +
            node::parse_token_text("").status().message() + "\n" +
            node::parse_token_text("a b").status().message();
        LIGHTNING_FUZZ_CHECK(token.status().message().find(text) == std::string::npos ||
                                 fixed.find(text) != std::string::npos,
                             "a refusal that quotes the token file");
      }
      break;
    }
    case 5:
      check_tls_files(text);
      break;
    default: {
      lightning::v1::LaunchWorkRequest request;
      if (!request.ParseFromArray(text.data(), static_cast<int>(text.size()))) break;
      if (!node::check_launch(request).empty()) break;
      LIGHTNING_FUZZ_CHECK(request.process_id() != 0, "process id 0 accepted");
      for (const std::string* s : {&request.work_type(), &request.work_path()}) {
        LIGHTNING_FUZZ_CHECK(s->find('/') == std::string::npos, "a '/' in a name accepted");
        LIGHTNING_FUZZ_CHECK(s->find("..") == std::string::npos, "a '..' in a name accepted");
      }
      const std::string& dir = request.run_dir();
      LIGHTNING_FUZZ_CHECK(!dir.empty() && dir[0] == '/', "a relative run_dir accepted");
      LIGHTNING_FUZZ_CHECK(dir.find("/../") == std::string::npos, "a '..' run_dir accepted");
      break;
    }
  }
  return 0;
}
