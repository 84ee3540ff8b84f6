// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ServeWork's Open Inference Protocol bodies (serve_protocol.hpp), no libtorch:
// every datatype, JSON flat and nested, the binary extension, and each error
// message a bad request gets.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "lightning/components/serve_protocol.hpp"

namespace lightning::components::oip {
namespace {

const ModelSpec kModel{"mnist",
                       {TensorSpec{"x", "FP32", {-1, 2}}, TensorSpec{"k", "INT64", {-1}}},
                       {TensorSpec{"y", "FP32", {-1, 3}}}};

std::string parse_error(const Json& body, const ModelSpec& model = kModel) {
  InferRequest r;
  return parse_infer_request(body.dump(), std::nullopt, model, &r);
}

Json x_input(Json data = {1.5, 2, 3, 4}, Json shape = {2, 2}) {
  return {{"name", "x"}, {"datatype", "FP32"}, {"shape", shape}, {"data", data}};
}
Json k_input() { return {{"name", "k"}, {"datatype", "INT64"}, {"shape", {2}}, {"data", {7, -8}}}; }

template <class T>
std::vector<T> values(const InferTensor& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

TEST(OipParseTest, JsonTensorsComeOutInTheDeclaredOrderAsRawBytes) {
  InferRequest r;
  const Json body = {{"id", "req-1"}, {"inputs", {k_input(), x_input({{1.5, 2}, {3, 4}})}}};
  ASSERT_EQ(parse_infer_request(body.dump(), std::nullopt, kModel, &r), "");
  EXPECT_EQ(r.id, "req-1");
  ASSERT_EQ(r.inputs.size(), 2u);
  EXPECT_EQ(r.inputs[0].name, "x");
  EXPECT_EQ(r.inputs[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(values<float>(r.inputs[0]), (std::vector<float>{1.5f, 2, 3, 4}));
  EXPECT_EQ(values<int64_t>(r.inputs[1]), (std::vector<int64_t>{7, -8}));
  EXPECT_EQ(r.batch_size(), 2);
}

TEST(OipParseTest, EveryDatatypeReadsItsValuesAndRefusesOnesOutOfRange) {
  struct Case {
    const char* type;
    Json good;
    Json bad;
  };
  const Case cases[] = {
      {"BOOL", {true, false}, {true, 1}},
      {"UINT8", {0, 255}, {0, 256}},
      {"UINT16", {0, 65535}, {0, -1}},
      {"UINT32", {0, 4294967295u}, {0, 4294967296u}},
      {"UINT64", {0, 18446744073709551615u}, {0, -1}},
      {"INT8", {-128, 127}, {0, 128}},
      {"INT16", {-32768, 32767}, {0, 32768}},
      {"INT32", {-2147483648LL, 2147483647}, {0, 1.5}},
      {"INT64", {-9223372036854775807LL, 1}, {0, 9223372036854775808u}},
      {"FP16", {0.5, -2}, {0, "a"}},
      {"FP32", {0.25, 1e3}, {0, true}},
      {"FP64", {1e300, -1}, {0, nullptr}},
  };
  for (const auto& c : cases) {
    const ModelSpec m{"m", {TensorSpec{"t", c.type, {-1}}}, {}};
    InferRequest r;
    Json body = {
        {"inputs", {{{"name", "t"}, {"datatype", c.type}, {"shape", {2}}, {"data", c.good}}}}};
    ASSERT_EQ(parse_infer_request(body.dump(), std::nullopt, m, &r), "") << c.type;
    EXPECT_EQ(r.inputs[0].data.size(), 2 * element_size(*parse_datatype(c.type))) << c.type;
    // And back out as JSON: the same values.
    const auto enc = encode_infer_response("m", "1", InferRequest{}, r.inputs);
    const Json out = Json::parse(enc.body);
    EXPECT_EQ(out["outputs"][0]["data"], c.good) << c.type;
    body["inputs"][0]["data"] = c.bad;
    const auto err = parse_infer_request(body.dump(), std::nullopt, m, &r);
    EXPECT_NE(err.find("input 't': data[1] is"), std::string::npos) << c.type << ": " << err;
    EXPECT_NE(err.find(std::string("not a ") + c.type + " value"), std::string::npos) << err;
  }
}

TEST(OipParseTest, BinaryTensorsAreTakenInInputOrderAfterTheJson) {
  const Json head = {{"inputs",
                      {{{"name", "x"},
                        {"datatype", "FP32"},
                        {"shape", {1, 2}},
                        {"parameters", {{"binary_data_size", 8}}}},
                       {{"name", "k"},
                        {"datatype", "INT64"},
                        {"shape", {1}},
                        {"parameters", {{"binary_data_size", 8}}}}}},
                     {"outputs", {{{"name", "y"}, {"parameters", {{"binary_data", true}}}}}}};
  const std::string json = head.dump();
  const float xs[2] = {0.5f, -1};
  const int64_t ks[1] = {42};
  std::string body = json;
  body.append(reinterpret_cast<const char*>(xs), 8);
  body.append(reinterpret_cast<const char*>(ks), 8);
  InferRequest r;
  ASSERT_EQ(parse_infer_request(body, json.size(), kModel, &r), "");
  EXPECT_EQ(values<float>(r.inputs[0]), (std::vector<float>{0.5f, -1}));
  EXPECT_EQ(values<int64_t>(r.inputs[1]), (std::vector<int64_t>{42}));
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_TRUE(r.outputs[0].binary);

  EXPECT_EQ(parse_infer_request(body + "!", json.size(), kModel, &r),
            "binary data is longer than declared: 1 bytes after the last input's");
  EXPECT_EQ(parse_infer_request(body.substr(0, body.size() - 3), json.size(), kModel, &r),
            "binary data is shorter than declared: input 'k' needs 8 bytes at offset 8, 5 remain");
  const std::string no_header = parse_infer_request(body, std::nullopt, kModel, &r);
  EXPECT_EQ(no_header.rfind("malformed JSON", 0), 0u) << no_header;
}

TEST(OipParseTest, EachBadRequestSaysWhatIsWrong) {
  EXPECT_EQ(parse_error({{"inputs", {x_input({1, 2, 3}), k_input()}}}),
            "input 'x': data has 3 elements, shape [2,2] needs 4");
  EXPECT_EQ(
      parse_error({{"inputs", {x_input({1, 2, 3, 4, 5, 6}, {2, 3}), k_input()}}}),
      "input 'x': shape [2,3] does not match the model's [-1,2] (dimension 1 is 3, expected 2)");
  EXPECT_EQ(parse_error({{"inputs", {x_input({1, 2}, {2}), k_input()}}}),
            "input 'x': shape [2] has 1 dimensions, the model expects 2 ([-1,2])");
  Json fp64 = x_input();
  fp64["datatype"] = "FP64";
  EXPECT_EQ(parse_error({{"inputs", {fp64, k_input()}}}),
            "input 'x': datatype is FP64, the model expects FP32");
  Json bytes = x_input();
  bytes["datatype"] = "BYTES";
  EXPECT_EQ(parse_error({{"inputs", {bytes}}}), "input 'x': datatype BYTES is not supported");
  EXPECT_EQ(parse_error({{"inputs", {x_input()}}}), "missing input 'k'");
  EXPECT_EQ(parse_error({{"inputs", {x_input(), k_input(), {{"name", "z"}}}}}),
            "unknown input 'z' (model 'mnist' has inputs: x, k)");
  EXPECT_EQ(parse_error({{"inputs", {x_input(), x_input()}}}), "input 'x' is given twice");
  EXPECT_EQ(parse_error({{"inputs", {x_input({1, 2}, {1, 2}), k_input()}}}),
            "input 'k': batch dimension 2 differs from the other inputs' 1");
  EXPECT_EQ(parse_error({{"inputs", {x_input(), k_input()}}, {"outputs", {{{"name", "q"}}}}}),
            "unknown output 'q' (model 'mnist' has outputs: y)");
  EXPECT_EQ(parse_error(Json::array()), "the request must be a JSON object");
  EXPECT_EQ(parse_error({{"inputs", 3}}).rfind("inputs must be an array", 0), 0u);
  Json binary_no_header = x_input();
  binary_no_header.erase("data");
  binary_no_header["parameters"] = {{"binary_data_size", 16}};
  EXPECT_EQ(
      parse_error({{"inputs", {binary_no_header, k_input()}}})
          .rfind("input 'x': parameters.binary_data_size needs the Inference-Header-Content-Length",
                 0),
      0u);
  InferRequest r;
  EXPECT_EQ(
      parse_infer_request("{\"inputs\": [", std::nullopt, kModel, &r).rfind("malformed JSON: ", 0),
      0u);
}

TEST(OipParseTest, TheJsonLengthHeaderMustBeADecimalWithinTheBody) {
  size_t n = 0;
  EXPECT_EQ(parse_json_length("12", 20, &n), "");
  EXPECT_EQ(n, 12u);
  EXPECT_EQ(parse_json_length("21", 20, &n),
            "Inference-Header-Content-Length is 21 but the body has only 20 bytes");
  EXPECT_NE(parse_json_length("-1", 20, &n), "");
  EXPECT_NE(parse_json_length("", 20, &n), "");
  EXPECT_NE(parse_json_length("99999999999999999999", 20, &n), "");
}

TEST(OipEncodeTest, BinaryOutputsFollowTheJsonWithTheirSize) {
  InferTensor y{"y", DataType::kFp32, {1, 2}, std::string(8, '\0')};
  const float v[2] = {1, 2};
  std::memcpy(y.data.data(), v, 8);
  InferRequest req;
  req.id = "abc";
  req.outputs = {{"y", true}};
  const auto enc = encode_infer_response("mnist", "3", req, {y});
  ASSERT_TRUE(enc.json_length.has_value());
  EXPECT_EQ(enc.content_type, "application/octet-stream");
  const Json head = Json::parse(enc.body.substr(0, *enc.json_length));
  EXPECT_EQ(head["model_name"], "mnist");
  EXPECT_EQ(head["model_version"], "3");
  EXPECT_EQ(head["id"], "abc");
  EXPECT_EQ(head["outputs"][0]["parameters"]["binary_data_size"], 8);
  EXPECT_FALSE(head["outputs"][0].contains("data"));
  EXPECT_EQ(enc.body.substr(*enc.json_length), y.data);

  const auto as_json = encode_infer_response("mnist", "3", InferRequest{}, {y});
  EXPECT_FALSE(as_json.json_length.has_value());
  EXPECT_EQ(Json::parse(as_json.body)["outputs"][0]["data"], (Json{1.0, 2.0}));
  EXPECT_EQ(Json::parse(as_json.body)["outputs"][0]["shape"], (Json{1, 2}));
}

TEST(OipClientTest, AnEncodedRequestParsesOnTheServerSideAsSent) {
  const float xs[4] = {1.5f, 2, 3, 4};
  const int64_t ks[2] = {7, -8};
  const InferTensor x{"x", DataType::kFp32, {2, 2}, std::string(reinterpret_cast<const char*>(xs), 16)};
  const InferTensor k{"k", DataType::kInt64, {2}, std::string(reinterpret_cast<const char*>(ks), 16)};
  const EncodedRequest enc = encode_infer_request({k, x}, "req-9");
  InferRequest r;
  ASSERT_EQ(parse_infer_request(enc.body, enc.json_length, kModel, &r), "");
  EXPECT_EQ(r.id, "req-9");
  EXPECT_TRUE(r.binary_data_output);
  ASSERT_EQ(r.inputs.size(), 2u);
  EXPECT_EQ(values<float>(r.inputs[0]), (std::vector<float>{1.5f, 2, 3, 4}));
  EXPECT_EQ(values<int64_t>(r.inputs[1]), (std::vector<int64_t>{7, -8}));
  const InferTensor short_x{"x", DataType::kFp32, {2, 2}, std::string(12, '\0')};
  EXPECT_THROW(encode_infer_request({short_x}), std::invalid_argument);
}

TEST(OipClientTest, ResponsesParseFromBinaryAndFromJson) {
  InferTensor y{"y", DataType::kFp32, {1, 2}, std::string(8, '\0')};
  const float v[2] = {1, -2.5f};
  std::memcpy(y.data.data(), v, 8);
  InferRequest binary_req;
  binary_req.id = "a";
  binary_req.binary_data_output = true;
  for (const InferRequest& req : {binary_req, InferRequest{}}) {
    const auto enc = encode_infer_response("mnist", "3", req, {y});
    InferResponse res;
    ASSERT_EQ(parse_infer_response(enc.body, enc.json_length, &res), "");
    EXPECT_EQ(res.model_name, "mnist");
    EXPECT_EQ(res.model_version, "3");
    EXPECT_EQ(res.id, req.id);
    ASSERT_EQ(res.outputs.size(), 1u);
    EXPECT_EQ(res.outputs[0].name, "y");
    EXPECT_EQ(res.outputs[0].shape, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(values<float>(res.outputs[0]), (std::vector<float>{1, -2.5f}));
  }
}

TEST(OipClientTest, ABrokenResponseSaysWhatIsWrong) {
  InferResponse res;
  auto error = [&](const std::string& body, std::optional<size_t> json_length = std::nullopt) {
    return parse_infer_response(body, json_length, &res);
  };
  EXPECT_NE(error("{").find("malformed JSON"), std::string::npos);
  EXPECT_NE(error("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(error("{}").find("outputs must be an array"), std::string::npos);
  const std::string head =
      R"({"outputs":[{"name":"y","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8}}]})";
  EXPECT_NE(error(head + "1234", head.size()).find("8 bytes of binary data declared, 4 left"),
            std::string::npos);
  EXPECT_NE(error(head + std::string(12, 'x'), head.size()).find("after the last output"),
            std::string::npos);
  EXPECT_EQ(error(head + std::string(8, 'x'), head.size()), "");
  EXPECT_NE(error(R"({"outputs":[{"name":"y","datatype":"FP32","shape":[3],"data":[1,2]}]})")
                .find("2 elements for shape [3]"),
            std::string::npos);
  EXPECT_NE(error(R"({"outputs":[{"name":"y","datatype":"F32","shape":[1],"data":[1]}]})")
                .find("unknown datatype 'F32'"),
            std::string::npos);
  EXPECT_NE(error(R"({"outputs":[{"name":"y","datatype":"FP32","shape":[1]}]})").find("neither data"),
            std::string::npos);
  EXPECT_NE(error("{}", size_t{5}).find("larger than the body"), std::string::npos);
}

TEST(OipModelTest, MetadataAndSpecChecks) {
  const Json meta = model_metadata(kModel, {"1", "2"}, "pytorch_libtorch");
  EXPECT_EQ(meta["name"], "mnist");
  EXPECT_EQ(meta["versions"], (Json{"1", "2"}));
  EXPECT_EQ(meta["inputs"][0], (Json{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 2}}}));
  EXPECT_EQ(meta["outputs"][0]["name"], "y");
  EXPECT_EQ(check_model_spec(kModel), "");
  EXPECT_EQ(check_model_spec({"m", {TensorSpec{"x", "F32", {-1}}}, {}})
                .rfind("inputs[0].datatype: unknown datatype 'F32' (one of BOOL,", 0),
            0u);
  EXPECT_EQ(check_model_spec({"m", {}, {}}).rfind("inputs: declare the model's inputs", 0), 0u);
  EXPECT_EQ(error_body("bad \"x\""), R"({"error":"bad \"x\""})");
}

TEST(OipHalfTest, HalfFloatsConvertBothWays) {
  for (const float f : {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(half_to_float(float_to_half(f)), f) << f;
  }
  EXPECT_EQ(float_to_half(1e6f), 0x7c00);  // overflow: infinity
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
}

}  // namespace
}  // namespace lightning::components::oip
