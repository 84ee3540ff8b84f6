// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The Open Inference Protocol (KServe v2) as ServeWork speaks it over HTTP,
// without libtorch: request parsing and validation (JSON tensors and the
// binary tensor data extension), response encoding, model metadata, the error
// body. Specs: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
// and Triton's binary_data extension. docs/components/serve.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <lightning/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lightning::components {

/// One declared input or output of a served model, as OIP metadata shows it.
/// `datatype` is an OIP name ("FP32", "INT64", ...); `shape` has -1 for a
/// variable dimension; dimension 0 is the batch dimension (declare it -1).
struct TensorSpec {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
};

namespace oip {

/// The tensor datatypes ServeWork takes (OIP names). BYTES is refused.
enum class DataType {
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kFp32,
  kFp64
};

/// "FP32" -> kFp32; nullopt for anything else (BYTES included).
std::optional<DataType> parse_datatype(std::string_view name);
/// kFp32 -> "FP32".
const char* datatype_name(DataType type);
/// Bytes per element (BOOL: 1).
size_t element_size(DataType type);

/// A tensor with its data as raw little-endian bytes, row-major
/// (`data.size() == element_count(shape) * element_size(datatype)`).
struct InferTensor {
  std::string name;
  DataType datatype = DataType::kFp32;
  std::vector<int64_t> shape;
  std::string data;
};

/// Product of `shape`; -1 when a dimension is negative or the product is over 2^53.
int64_t element_count(const std::vector<int64_t>& shape);

/// What a model declares, checked once (check_model_spec).
struct ModelSpec {
  std::string name;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
};

/// Empty when `spec` is usable, else what is wrong ("inputs[0].datatype: unknown
/// datatype 'F32' (one of BOOL, UINT8, ...)").
std::string check_model_spec(const ModelSpec& spec);

/// One output the client asked for.
struct RequestedOutput {
  std::string name;
  bool binary = false;  ///< parameters.binary_data
};

/// A parsed, validated `POST /v2/models/{name}/infer` request.
struct InferRequest {
  std::string id;                        ///< "id", echoed in the response
  std::vector<InferTensor> inputs;       ///< in the model's declared order
  std::vector<RequestedOutput> outputs;  ///< empty: every output
  bool binary_data_output = false;       ///< parameters.binary_data_output
  int64_t batch_size() const {
    return inputs.empty() || inputs[0].shape.empty() ? 1 : inputs[0].shape[0];
  }
};

/// Parses and validates an inference request body against `model`.
/// `json_length`: the value of the `Inference-Header-Content-Length` header
/// (nullopt: absent; the whole body is JSON). Returns an empty string and fills
/// `out`, or returns what is wrong, for a 400: malformed JSON, a missing or
/// unknown input, a wrong datatype or shape, an element count that is not the
/// shape's product, binary data shorter or longer than declared, BYTES.
std::string parse_infer_request(std::string_view body, std::optional<size_t> json_length,
                                const ModelSpec& model, InferRequest* out);

/// Parses the `Inference-Header-Content-Length` header's value. Returns an
/// error message for a value that is not a decimal number <= body_size.
std::string parse_json_length(std::string_view header, size_t body_size, size_t* out);

/// An encoded response body. `json_length` is set when binary outputs follow
/// the JSON (send it as `Inference-Header-Content-Length`).
struct EncodedResponse {
  std::string body;
  std::optional<size_t> json_length;
  std::string content_type;  ///< application/json, or application/octet-stream with binary
};

/// The inference response: {"model_name", "model_version", "id", "outputs":
/// [{"name", "datatype", "shape", "data"}]}; outputs the request asked for in
/// binary (or all with binary_data_output) carry parameters.binary_data_size
/// and their bytes follow the JSON, in order. Outputs the request did not ask
/// for are left out (all are sent when it asked for none).
EncodedResponse encode_infer_response(const std::string& model_name, const std::string& version,
                                      const InferRequest& request,
                                      const std::vector<InferTensor>& outputs);

/// `GET /v2/models/{name}`: {"name", "versions", "platform", "inputs", "outputs"}.
Json model_metadata(const ModelSpec& model, const std::vector<std::string>& versions,
                    const std::string& platform);

// ---- the client's side (InferenceClient, lightning/components/serve/client.hpp)

/// A request body for `POST /v2/models/{name}/infer`, as a client sends it.
struct EncodedRequest {
  std::string body;
  /// The JSON header's length: send it as `Inference-Header-Content-Length`
  /// (always set: inputs go as binary tensor data).
  size_t json_length = 0;
};

/// Encodes `inputs` with the binary tensor data extension (each input's
/// `parameters.binary_data_size`, its bytes after the JSON, in order) and asks
/// for every output in binary (`parameters.binary_data_output`). `id`, when not
/// empty, is echoed by the server. Throws std::invalid_argument for an input
/// whose data size is not element_count(shape) * element_size(datatype).
EncodedRequest encode_infer_request(const std::vector<InferTensor>& inputs,
                                    const std::string& id = "");

/// What a server answered to an inference request.
struct InferResponse {
  std::string model_name;
  std::string model_version;
  std::string id;
  std::vector<InferTensor> outputs;  ///< in the server's order, data as raw bytes
};

/// Parses an inference response body: JSON, or JSON of `json_length` bytes
/// followed by the binary outputs (those with `parameters.binary_data_size`).
/// JSON `data` is converted to raw bytes like binary data (BYTES is refused).
/// Returns an empty string and fills `out`, or what is wrong with the body
/// (malformed JSON, a missing field, binary sizes that do not add up to the
/// body, a data size that does not match the shape).
std::string parse_infer_response(std::string_view body, std::optional<size_t> json_length,
                                 InferResponse* out);

/// KServe's error body: {"error": "<message>"}.
std::string error_body(const std::string& message);

/// IEEE half <-> float.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

}  // namespace oip
}  // namespace lightning::components
