// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Test app: files between works (lightning::Path, Drive, Payload). Usage:
//   storage_app [flags] -- checkpoints separate|shared
//   storage_app [flags] -- drive
//   storage_app [flags] -- payload
//   storage_app [flags] -- traversal
//   storage_app [flags] -- commitkill [retry]   (the kill -9 mid-commit tests;
//     run with $STORAGE_APP_RUNS, a file the maker appends its pid to per run)
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app_support.hpp"

namespace {

namespace fs = std::filesystem;
using integ_app::arg;
using lightning::Drive;
using lightning::Flow;
using lightning::Json;
using lightning::Path;
using lightning::State;
using lightning::Work;
using lightning::WorkOptions;

int64_t inode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_ino) : 0;
}

// ------------------------------------------------------------------ checkpoints

/// Writes a directory of checkpoints and hands it on in a State field.
struct Trainer : Work {
  State<Path> ckpt{this, "ckpt"};
  State<int64_t> inode{this, "inode", 0};
  void run(const Json&) override {
    Path dir("checkpoints");
    fs::create_directories(dir.local() / "optimizer");
    for (int epoch = 1; epoch <= 3; ++epoch) {
      integ_app::write_file(dir.local() / ("epoch" + std::to_string(epoch) + ".ckpt"),
                            "weights of epoch " + std::to_string(epoch) + "\n" +
                                std::string(200000, static_cast<char>('a' + epoch)));
    }
    integ_app::write_file(dir.local() / "optimizer/state.json", "{\"lr\": 0.001}");
    inode = inode_of(dir.local() / "epoch3.ckpt");
    ckpt = dir;
  }
};

/// Reads the checkpoints it was given as a call argument.
struct Evaluator : Work {
  State<std::vector<std::string>> files{this, "files", {}};
  State<std::string> first_line{this, "first_line", ""};
  State<std::string> optimizer{this, "optimizer", ""};
  State<int64_t> inode{this, "inode", 0};
  State<std::string> local{this, "local", ""};
  void run(const Json& args) override {
    const Path ckpt = args.at("ckpt").get<Path>();
    const fs::path dir = ckpt.local();
    std::vector<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file()) names.push_back(fs::relative(e.path(), dir).string());
    }
    std::sort(names.begin(), names.end());
    files = names;
    const std::string text = integ_app::read_file(dir / "epoch3.ckpt");
    first_line = text.substr(0, text.find('\n'));
    optimizer = integ_app::read_file(dir / "optimizer/state.json");
    inode = inode_of(dir / "epoch3.ckpt");
    local = dir.string();
  }
};

WorkOptions cache_at(const std::string& mode, const std::string& node) {
  if (mode != "separate") return WorkOptions();
  return WorkOptions().env({{"LIGHTNING_CACHE_DIR", lightning::run_dir() + "/" + node}});
}

struct CheckpointsRoot : Flow {
  Trainer& trainer = add_work<Trainer>("trainer", cache_at(arg(1), "node_a"));
  Evaluator& evaluator = add_work<Evaluator>("evaluator", cache_at(arg(1), "node_b"));
  void run() override {
    trainer.call();
    evaluator.call({{"ckpt", trainer.ckpt.get()}});
    stop();
  }
};

// ------------------------------------------------------------------ drive

/// op "put": puts a file; "remove": removes it; "steal": tries to remove
/// what another work put.
struct DriveUser : Work {
  State<std::string> got{this, "got", ""};
  State<std::vector<std::string>> listed{this, "listed", {}};
  State<std::string> error{this, "error", ""};
  State<bool> present_after{this, "present_after", true};
  void run(const Json& args) override {
    Drive drive("shared");
    const std::string op = args.at("op").get<std::string>();
    if (op == "put") {
      const fs::path f = lightning::files_dir() / "model.bin";
      integ_app::write_file(f, "model bytes");
      drive.put(f);
    } else if (op == "get") {
      got = integ_app::read_file(drive.get("model.bin", std::chrono::seconds(10)));
      listed = drive.list();
      try {
        drive.remove("model.bin");
      } catch (const lightning::StorageError& e) {
        error = e.what();
      }
    } else if (op == "remove") {
      drive.remove("model.bin");
    } else if (op == "check") {
      present_after = drive.contains("model.bin");
    }
  }
};

struct DriveRoot : Flow {
  DriveUser& owner = add_work<DriveUser>("owner");
  DriveUser& reader = add_work<DriveUser>("reader", cache_at("separate", "node_r"));
  void run() override {
    owner.call({{"op", "put"}});
    reader.call({{"op", "get"}});
    owner.call({{"op", "remove"}});
    reader.call({{"op", "check"}});
    stop();
  }
};

// ------------------------------------------------------------------ payload

/// Makes a 2 MiB value: too big for a State field, fine as a Payload.
struct BlobMaker : Work {
  State<lightning::Payload> blob{this, "blob"};
  State<std::string> big_field{this, "big_field", ""};
  State<std::string> refused{this, "refused", ""};
  void run(const Json&) override {
    std::string bytes(2 << 20, 'p');
    bytes[0] = 'P';
    try {
      big_field = bytes;
    } catch (const std::length_error& e) {
      refused = e.what();
    }
    blob = lightning::Payload(bytes);
  }
};

struct BlobReader : Work {
  State<int64_t> size{this, "size", 0};
  State<std::string> head{this, "head", ""};
  void run(const Json& args) override {
    const std::string bytes = args.at("blob").get<lightning::Payload>().bytes();
    size = static_cast<int64_t>(bytes.size());
    head = bytes.substr(0, 2);
  }
};

struct PayloadRoot : Flow {
  BlobMaker& maker = add_work<BlobMaker>("maker", cache_at("separate", "node_m"));
  BlobReader& reader = add_work<BlobReader>("reader", cache_at("separate", "node_r"));
  void run() override {
    maker.call();
    reader.call({{"blob", maker.blob.get()}});
    stop();
  }
};

// ------------------------------------------------------------------ traversal

/// Makes a Path whose tree holds a symlink to a file outside it.
struct Leaker : Work {
  State<Path> out{this, "out"};
  State<std::string> ctor_error{this, "ctor_error", ""};
  void run(const Json&) override {
    try {
      Path("../../escape");
    } catch (const std::invalid_argument& e) {
      ctor_error = e.what();
    }
    Path dir("tree");
    fs::create_directories(dir.local());
    integ_app::write_file(dir.local() / "ok.txt", "ok");
    fs::remove(dir.local() / "leak");
    fs::create_symlink("/etc/hostname", dir.local() / "leak");
    out = dir;
  }
};

struct TraversalRoot : Flow {
  Leaker& leaker = add_work<Leaker>("leaker", WorkOptions().raise_exception(false));
  State<std::string> message{this, "message", ""};
  void run() override {
    const auto s = leaker.call();
    if (s.has_failed()) {
      message = s.message;
      stop();
    }
    if (s.stage == lightning::WorkStage::kSucceeded) fail("the leaking Path was committed");
  }
};

// ------------------------------------------------------------------ commitkill

/// 24 MiB the reader can check byte for byte: each byte a function of its offset.
std::string big_bytes() {
  std::string out(24u << 20, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  return out;
}

/// Makes a Path of a 24 MiB file and a small one; counts its runs outside the app.
struct BigMaker : Work {
  State<Path> out{this, "out"};
  void run(const Json&) override {
    if (const char* runs = std::getenv("STORAGE_APP_RUNS")) {
      std::ofstream(runs, std::ios::app) << ::getpid() << "\n";
    }
    Path dir("big");
    fs::create_directories(dir.local());
    // A new file each run (the old one may be a committed object's link).
    fs::remove(dir.local() / "big.bin");
    fs::remove(dir.local() / "note.txt");
    integ_app::write_file(dir.local() / "big.bin", big_bytes());
    integ_app::write_file(dir.local() / "note.txt", "made by the maker");
    out = dir;
  }
};

struct BigReader : Work {
  State<bool> matches{this, "matches", false};
  State<int64_t> size{this, "size", 0};
  State<std::string> note{this, "note", ""};
  void run(const Json& args) override {
    const fs::path dir = args.at("big").get<Path>().local();
    const std::string bytes = integ_app::read_file(dir / "big.bin");
    size = static_cast<int64_t>(bytes.size());
    matches = bytes == big_bytes();
    note = integ_app::read_file(dir / "note.txt");
  }
};

/// arg 1 "retry": the maker's call is retried once when it fails (its
/// process killed) instead of failing the run.
struct CommitKillRoot : Flow {
  BigMaker& maker = add_work<BigMaker>(
      "maker", cache_at("separate", "node_m")
                   .retries(arg(1) == "retry" ? 1 : 0)
                   .retry_backoff(std::chrono::milliseconds(10)));
  BigReader& reader = add_work<BigReader>("reader", cache_at("separate", "node_r"));
  void run() override {
    maker.call();
    reader.call({{"big", maker.out.get()}});
    stop();
  }
};

}  // namespace

int main(int argc, char** argv) {
  return integ_app::run_scenario(argc, argv,
                                 {{"checkpoints", integ_app::scenario<CheckpointsRoot>()},
                                  {"drive", integ_app::scenario<DriveRoot>()},
                                  {"payload", integ_app::scenario<PayloadRoot>()},
                                  {"traversal", integ_app::scenario<TraversalRoot>()},
                                  {"commitkill", integ_app::scenario<CommitKillRoot>()}});
}
