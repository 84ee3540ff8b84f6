// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// A client for servers of the Open Inference Protocol (KServe v2) over HTTP:
// ServeWork, an AutoScaler's balancer, Triton, KServe, MLServer.
// docs/components/serve.md ("Calling a served model").
#pragma once

#include <chrono>
#include <cstdint>
#include <lightning/components/serve_protocol.hpp>
#include <memory>
#include <string>
#include <vector>

namespace lightning::components {

/// One keep-alive HTTP/1.1 connection to one OIP server, used synchronously.
/// Not thread-safe: give each thread its own client (connections are cheap).
///
///   InferenceClient client(serve.url.get());
///   auto r = client.infer("fashion", {{"input", oip::DataType::kFp32, {1, 1, 28, 28}, bytes}});
///   if (!r.ok()) throw std::runtime_error(r.error);
///   const float* logits = reinterpret_cast<const float*>(r.response.outputs[0].data.data());
///
/// Inputs go as binary tensor data and outputs come back binary (Triton's
/// binary tensor data extension), so no number is printed or parsed as text.
class InferenceClient {
 public:
  /// `url`: "http://HOST:PORT" with an optional trailing '/' (what ServeWork
  /// and the AutoScaler publish). Throws std::invalid_argument for another
  /// form (https is not supported yet). Connects on first use. `timeout`:
  /// for each request's whole exchange (connect, write, read).
  explicit InferenceClient(const std::string& url,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~InferenceClient();
  InferenceClient(InferenceClient&&) noexcept;
  InferenceClient& operator=(InferenceClient&&) noexcept;

  struct Result {
    /// The HTTP status; 0 when no answer came (connect or network failure, timeout).
    int status = 0;
    /// Empty when status is 200 and the body parsed; else the server's
    /// `{"error": ...}` message, or what went wrong on the way.
    std::string error;
    oip::InferResponse response;
    /// Round trip of the request, µs (from write to the whole answer read).
    double latency_us = 0;
    bool ok() const { return status == 200 && error.empty(); }
  };

  /// `POST /v2/models/{model}/infer` with `inputs`. A kept-alive connection the
  /// server closed meanwhile is reopened once and the request sent again
  /// (inference is idempotent). Throws std::invalid_argument for an input
  /// whose data does not match its shape (encode_infer_request); every other
  /// failure is in the Result.
  Result infer(const std::string& model, const std::vector<oip::InferTensor>& inputs,
               const std::string& id = "");

  /// Whether `GET /v2/models/{model}/ready` answers 200 (false on any failure).
  bool ready(const std::string& model);

  const std::string& url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightning::components
