// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// TrainWork's checkpoint files: one torch::serialize archive per checkpoint,
// written atomically (temporary file, fsync, rename, fsync of the directory).
//
// Archive keys: "format" ("lightning.train.v1"), "step", "epoch", "val_loss"
// (NaN when no evaluation happened at that step), "rng" (the CPU generator's
// state), "model" (torch::nn::Module::save's nested archive: the same layout
// torch::save(module, file) writes), "optimizer" (Optimizer::save).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace lightning::components {

struct CheckpointMeta {
  int64_t step = 0;
  int64_t epoch = 0;
  double val_loss = 0;
};

/// "step-000000000300.pt"
std::string checkpoint_name(int64_t step);
/// The step of a checkpoint file name, or nullopt for another name.
std::optional<int64_t> checkpoint_step_of(const std::string& filename);

/// Writes `dir`/checkpoint_name(meta.step) atomically; returns its path.
/// Throws std::runtime_error naming the file and errno's text on a write error.
std::filesystem::path save_checkpoint(const std::filesystem::path& dir, torch::nn::Module& model,
                                      torch::optim::Optimizer& optimizer,
                                      const CheckpointMeta& meta);

/// The checkpoint with the highest step in `dir` (temporaries ignored).
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& dir);

/// Removes all but the `keep` highest-step checkpoints (and temporaries of
/// writers that are gone).
void prune_checkpoints(const std::filesystem::path& dir, int64_t keep);

/// Loads `file` into `model` (every parameter and buffer, by dotted name;
/// shapes must match), `optimizer`, and the CPU RNG state. Throws
/// std::runtime_error naming the file and, for a mismatch, the parameter and
/// both shapes ("parameter '3.weight' is [32, 16, 3, 3] in the checkpoint
/// but [64, 16, 3, 3] in the model"); nothing in the model is changed then.
CheckpointMeta load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, const torch::Device& device);

}  // namespace lightning::components
