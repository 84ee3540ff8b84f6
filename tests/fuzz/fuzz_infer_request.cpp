// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: ServeWork's reader of Open Inference Protocol requests
// (components/serve/src/protocol.cpp: oip::parse_infer_request and
// oip::parse_json_length), JSON and binary forms, against a model with
// inputs x FP32 [-1, 2] and h FP16 [-1, -1] and output y FP32 [-1, 2].
//
// Input: byte 0 chooses the form. Even: the rest is a JSON body (no
// Inference-Header-Content-Length). Odd: bytes 1-5 are the header's value as
// text (digits and whatever else the fuzzer puts there, cut at the first
// NUL), the rest is the body (JSON then binary tensors).
//
// Invariants: nothing crashes, throws or hangs. A refused request gets a
// non-empty message. An accepted one has every declared input once, in the
// declared order, with the declared datatype, a shape of the declared rank
// whose fixed dimensions match, one batch size, and exactly
// product(shape) x element size bytes of data. Its tensors, encoded as a
// response in binary (oip::encode_infer_response) and read back as a binary
// request, come back byte for byte; the JSON form of that response parses.
// The client's side too (InferenceClient): the same input read as a response
// (oip::parse_infer_response) is refused or has consistent sizes; an accepted
// request's binary response reads back byte for byte, and the client's own
// encoding of its inputs (oip::encode_infer_request) is accepted unchanged.
#include <optional>
#include <string>
#include <string_view>

#include "core/json_io.hpp"
#include "fuzz_check.hpp"
#include "lightning/components/serve_protocol.hpp"

namespace oip = lightning::components::oip;
using lightning::components::TensorSpec;

namespace {

const oip::ModelSpec& model() {
  static const oip::ModelSpec m{
      "m",
      {TensorSpec{"x", "FP32", {-1, 2}}, TensorSpec{"h", "FP16", {-1, -1}}},
      {TensorSpec{"y", "FP32", {-1, 2}}}};
  return m;
}

void check_accepted(const oip::InferRequest& r) {
  const auto& m = model();
  LIGHTNING_FUZZ_CHECK(r.inputs.size() == m.inputs.size(), "not every input is there");
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    const auto& t = r.inputs[i];
    const auto& s = m.inputs[i];
    LIGHTNING_FUZZ_CHECK(t.name == s.name, "inputs out of the declared order: " + t.name);
    LIGHTNING_FUZZ_CHECK(oip::datatype_name(t.datatype) == s.datatype, "wrong datatype accepted");
    LIGHTNING_FUZZ_CHECK(t.shape.size() == s.shape.size(), "wrong rank accepted");
    for (size_t d = 0; d < t.shape.size(); ++d) {
      LIGHTNING_FUZZ_CHECK(t.shape[d] >= 0, "negative dimension accepted");
      LIGHTNING_FUZZ_CHECK(s.shape[d] == -1 || s.shape[d] == t.shape[d],
                           "wrong dimension accepted");
    }
    LIGHTNING_FUZZ_CHECK(t.shape[0] == r.inputs[0].shape[0], "batch sizes differ");
    const int64_t n = oip::element_count(t.shape);
    LIGHTNING_FUZZ_CHECK(
        n >= 0 && t.data.size() == static_cast<size_t>(n) * oip::element_size(t.datatype),
        "data size is not the shape's: " + std::to_string(t.data.size()));
  }
  // Round trip through the binary form.
  oip::InferRequest all_binary;
  all_binary.binary_data_output = true;
  const auto enc = oip::encode_infer_response("m", "1", all_binary, r.inputs);
  LIGHTNING_FUZZ_CHECK(enc.json_length.has_value(), "binary response without its JSON length");
  std::string err;
  lightning::Json head =
      lightning::detail::parse_untrusted(enc.body.substr(0, *enc.json_length), &err);
  LIGHTNING_FUZZ_CHECK(head.is_object() && head.contains("outputs"), "response JSON: " + err);
  lightning::Json req = {{"inputs", head["outputs"]}};
  std::string again = lightning::detail::dump_json(req);
  const size_t json_len = again.size();
  again += enc.body.substr(*enc.json_length);
  oip::InferRequest back;
  err = oip::parse_infer_request(again, json_len, model(), &back);
  LIGHTNING_FUZZ_CHECK(err.empty(), "its own binary encoding was refused: " + err);
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    LIGHTNING_FUZZ_CHECK(back.inputs[i].data == r.inputs[i].data, "binary round trip changed data");
    LIGHTNING_FUZZ_CHECK(back.inputs[i].shape == r.inputs[i].shape, "round trip changed a shape");
  }
  const auto as_json = oip::encode_infer_response("m", "1", oip::InferRequest{}, r.inputs);
  LIGHTNING_FUZZ_CHECK(!as_json.json_length.has_value(), "JSON response with a binary part");
  LIGHTNING_FUZZ_CHECK(!lightning::detail::parse_untrusted(as_json.body, &err).is_discarded(),
                       "JSON response does not parse: " + err);
  // The client's side: the binary response reads back byte for byte, and the
  // client's own encoding of the inputs is accepted as they were.
  oip::InferResponse res;
  err = oip::parse_infer_response(enc.body, enc.json_length, &res);
  LIGHTNING_FUZZ_CHECK(err.empty(), "the client refused a binary response: " + err);
  LIGHTNING_FUZZ_CHECK(res.outputs.size() == r.inputs.size(), "outputs lost in the response");
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    LIGHTNING_FUZZ_CHECK(res.outputs[i].data == r.inputs[i].data, "response changed data");
    LIGHTNING_FUZZ_CHECK(res.outputs[i].shape == r.inputs[i].shape, "response changed a shape");
  }
  const oip::EncodedRequest client = oip::encode_infer_request(r.inputs, r.id);
  oip::InferRequest sent;
  err = oip::parse_infer_request(client.body, client.json_length, model(), &sent);
  LIGHTNING_FUZZ_CHECK(err.empty(), "the client's own request was refused: " + err);
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    LIGHTNING_FUZZ_CHECK(sent.inputs[i].data == r.inputs[i].data, "client request changed data");
  }
}

/// Any body read as a response: refused with a message, or tensors whose data
/// is exactly their shape's size.
void check_response(std::string_view body, std::optional<size_t> json_length) {
  oip::InferResponse res;
  const std::string err = oip::parse_infer_response(body, json_length, &res);
  if (!err.empty()) return;
  for (const auto& t : res.outputs) {
    const int64_t n = oip::element_count(t.shape);
    LIGHTNING_FUZZ_CHECK(
        n >= 0 && t.data.size() == static_cast<size_t>(n) * oip::element_size(t.datatype),
        "response data size is not the shape's: " + std::to_string(t.data.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::optional<size_t> json_length;
  std::string_view body = in.substr(1);
  if (in[0] & 1) {
    if (size < 6) return 0;
    std::string_view header = in.substr(1, 5);
    header = header.substr(0, header.find('\0'));
    body = in.substr(6);
    size_t n = 0;
    const std::string err = oip::parse_json_length(header, body.size(), &n);
    if (!err.empty()) return 0;
    LIGHTNING_FUZZ_CHECK(n <= body.size(), "a JSON length over the body was accepted");
    json_length = n;
  }
  check_response(body, json_length);
  oip::InferRequest r;
  const std::string err = oip::parse_infer_request(body, json_length, model(), &r);
  if (!err.empty()) return 0;
  check_accepted(r);
  return 0;
}
