// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ServeWork: a libtorch model (TorchScript, or a TrainWork checkpoint of a C++
// module) served over HTTP with the Open Inference Protocol (KServe v2) and
// dynamic batching (docs/components/serve.md).
#pragma once

#include <cstdint>
#include <lightning/components/serve_protocol.hpp>
#include <lightning/components/train.hpp>
#include <lightning/lightning.hpp>
#include <lightning/state_changes.hpp>
#include <string>
#include <vector>

namespace lightning::components {

/// Settings of one serving call: the call's args over default_config(). Every
/// key is optional except "inputs". Times are in microseconds (µs), sizes in
/// requests, rows (dimension 0) or bytes as named.
///
///   serve.call({{"model_name", "fashion"}, {"max_batch_size", 64}, {"max_queue_delay_us", 500},
///               {"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 1, 28, 28}}}}},
///               {"outputs", {{{"name", "logits"}, {"datatype", "FP32"}, {"shape", {-1, 10}}}}}});
struct ServeConfig {
  std::string host = "127.0.0.1";    ///< "host": address to bind
  int port = 0;                      ///< "port": 0 picks a free port
  std::string model_name = "model";  ///< "model_name": the {name} of /v2/models/{name}
  /// "inputs", "outputs": [{"name", "datatype", "shape"}]; shape dimension 0
  /// is the batch (-1). Inputs are the model's forward() arguments in order;
  /// outputs its returned tensor (or tuple's elements) in order. No outputs
  /// declared: one output "output__0" whose datatype is what the model returns.
  std::vector<TensorSpec> inputs, outputs;
  int64_t max_batch_size = 64;       ///< "max_batch_size": rows per forward() (1: no batching)
  int64_t max_queue_delay_us = 500;  ///< "max_queue_delay_us": longest wait for a batch to fill, µs
  std::vector<int64_t>
      preferred_batch_sizes;          ///< "preferred_batch_sizes": sent at once when reached
  int64_t max_queue_size = 4096;      ///< "max_queue_size": queued requests; one more gets 503
  int64_t max_body_bytes = 64 << 20;  ///< "max_body_bytes": a larger request body gets 413
  int threads = 1;                    ///< "threads": libtorch CPU threads (set_cpu_threads; 0: all)
  std::string device = "auto";  ///< "device": "auto" (CUDA if available), "cpu", "cuda", "cuda:N"
  bool optimize = true;         ///< "optimize": freeze + optimize_for_inference a TorchScript model
  lightning::Json args;         ///< the whole call args: read your own keys in make_model()

  /// Reads the keys above from `args` over `defaults`. Throws
  /// std::invalid_argument naming the key for a wrong type or a value out of
  /// range ("max_batch_size must be >= 1, got 0"), or a bad tensor declaration.
  static ServeConfig from_json(const lightning::Json& args, const ServeConfig& defaults);
};

/// Serves a model over HTTP/1.1 (keep-alive) with the Open Inference Protocol
/// (KServe v2, https://github.com/kserve/open-inference-protocol) until the
/// work is stopped. Register it like any work, parallel:
///
///   auto& serve = add_work<lightning::components::ServeWork>("serve",
///                                                         WorkOptions().parallel(true));
///   serve.model = exporter.file.get();    // a TorchScript file made by another work
///   serve.call({{"inputs", ...}});        // serve.url() once it listens
///
/// The model: the `model` field (or the call's "model" arg: a Path, or a file
/// name on this machine) names a TorchScript file (torch::jit::load; frozen and
/// optimize_for_inference'd when `optimize`) or, when a subclass's
/// make_model() returns a module, a TrainWork checkpoint whose weights
/// load_model() loads into it. It runs in eval() mode under
/// torch::InferenceMode on the batcher thread, with `threads` CPU threads.
///
/// Routes: GET /v2/health/live, /v2/health/ready, /v2 (server metadata),
/// /v2/models/{name}[/versions/{v}] (model metadata), .../ready, POST
/// .../infer, GET /metrics (Prometheus text). Errors: {"error": "<message>"}
/// with 400 (bad request: the message says what), 404 (unknown model, version
/// or route), 413 (body over max_body_bytes), 503 (queue full, or no model
/// loaded), 500 (the model threw).
///
/// A new value of `model` while serving (the flow assigns it) loads the next
/// version on the work's run thread while the old one serves; the swap
/// happens between two batches, so no request fails. A load that fails keeps
/// the old version serving and sets `model_error`.
///
/// Throws from run() (the call fails): a bad config (std::invalid_argument),
/// a first model that cannot be loaded, a port that cannot be bound.
class ServeWork : public lightning::Work {
 public:
  /// INPUT, written by the flow (or the call's "model" arg): a TorchScript
  /// file or a TrainWork checkpoint. A change while serving loads it as the
  /// next version.
  lightning::State<lightning::Path> model{this, "model"};
  lightning::State<int64_t> model_version{this, "model_version", 0};  ///< versions loaded so far
  lightning::State<std::string> model_error{this, "model_error",
                                            ""};       ///< why the latest load failed
  lightning::State<bool> ready{this, "ready", false};  ///< serving requests now
  lightning::State<int64_t> requests{this, "requests",
                                     0};  ///< answered, updated at most every ~250 ms

  /// Publishes the server's URL (publish_url) once listening; serves until stopped.
  void run(const lightning::Json& args) final;

 protected:
  /// Defaults for the call args' keys (ServeConfig::from_json).
  virtual ServeConfig default_config() const { return {}; }
  /// A C++ module to load a TrainWork checkpoint into, built as the trainer
  /// built it. Empty (default): the model file is TorchScript.
  virtual TrainModel make_model(const ServeConfig& config) { return {}; }
};

}  // namespace lightning::components
