// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The Open Inference Protocol's HTTP bodies (serve_protocol.hpp).
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/json_io.hpp"
#include "lightning/components/serve_protocol.hpp"

namespace lightning::components::oip {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "OIP binary tensors are little-endian and copied as they are");

struct TypeInfo {
  DataType type;
  const char* name;
  size_t size;
};
constexpr TypeInfo kTypes[] = {
    {DataType::kBool, "BOOL", 1},     {DataType::kUint8, "UINT8", 1},
    {DataType::kUint16, "UINT16", 2}, {DataType::kUint32, "UINT32", 4},
    {DataType::kUint64, "UINT64", 8}, {DataType::kInt8, "INT8", 1},
    {DataType::kInt16, "INT16", 2},   {DataType::kInt32, "INT32", 4},
    {DataType::kInt64, "INT64", 8},   {DataType::kFp16, "FP16", 2},
    {DataType::kFp32, "FP32", 4},     {DataType::kFp64, "FP64", 8},
};
constexpr int64_t kMaxElements = int64_t{1} << 53;

std::string type_list() {
  std::string s;
  for (const auto& t : kTypes) s += std::string(s.empty() ? "" : ", ") + t.name;
  return s;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string short_json(const Json& j) {
  std::string s = detail::dump_json(j);
  if (s.size() > 40) s.replace(37, std::string::npos, "...");
  return s;
}

template <class T>
void append(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Appends one JSON element as `type`; returns false when it does not fit.
template <class I>
bool append_integer(const Json& e, std::string* out) {
  if (e.is_number_unsigned()) {
    const auto v = e.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<I>::max())) return false;
    append<I>(out, static_cast<I>(v));
    return true;
  }
  if (e.is_number_integer()) {
    const auto v = e.get<int64_t>();
    if constexpr (std::is_unsigned_v<I>) {
      if (v < 0 || static_cast<uint64_t>(v) > std::numeric_limits<I>::max()) return false;
    } else {
      if (v < std::numeric_limits<I>::min() || v > std::numeric_limits<I>::max()) return false;
    }
    append<I>(out, static_cast<I>(v));
    return true;
  }
  return false;
}

bool append_element(const Json& e, DataType type, std::string* out) {
  switch (type) {
    case DataType::kBool:
      if (!e.is_boolean()) return false;
      out->push_back(e.get<bool>() ? 1 : 0);
      return true;
    case DataType::kUint8:
      return append_integer<uint8_t>(e, out);
    case DataType::kUint16:
      return append_integer<uint16_t>(e, out);
    case DataType::kUint32:
      return append_integer<uint32_t>(e, out);
    case DataType::kUint64:
      return append_integer<uint64_t>(e, out);
    case DataType::kInt8:
      return append_integer<int8_t>(e, out);
    case DataType::kInt16:
      return append_integer<int16_t>(e, out);
    case DataType::kInt32:
      return append_integer<int32_t>(e, out);
    case DataType::kInt64:
      return append_integer<int64_t>(e, out);
    case DataType::kFp16:
      if (!e.is_number()) return false;
      append<uint16_t>(out, float_to_half(static_cast<float>(e.get<double>())));
      return true;
    case DataType::kFp32:
      if (!e.is_number()) return false;
      append<float>(out, static_cast<float>(e.get<double>()));
      return true;
    case DataType::kFp64:
      if (!e.is_number()) return false;
      append<double>(out, e.get<double>());
      return true;
  }
  return false;
}

// Flattens `data` (flat or nested arrays) into `out`; counts elements in *n.
// Returns an error message, or empty.
std::string flatten(const Json& data, DataType type, std::string* out, int64_t* n) {
  if (!data.is_array()) {
    if (!append_element(data, type, out)) {
      return "data[" + std::to_string(*n) + "] is " + short_json(data) + ", not a " +
             datatype_name(type) + " value";
    }
    ++*n;
    return {};
  }
  for (const auto& e : data) {
    auto err = flatten(e, type, out, n);
    if (!err.empty()) return err;
  }
  return {};
}

Json element_json(const char* p, DataType type) {
  switch (type) {
    case DataType::kBool:
      return Json(*p != 0);
    case DataType::kUint8:
      return Json(load<uint8_t>(p));
    case DataType::kUint16:
      return Json(load<uint16_t>(p));
    case DataType::kUint32:
      return Json(load<uint32_t>(p));
    case DataType::kUint64:
      return Json(load<uint64_t>(p));
    case DataType::kInt8:
      return Json(load<int8_t>(p));
    case DataType::kInt16:
      return Json(load<int16_t>(p));
    case DataType::kInt32:
      return Json(load<int32_t>(p));
    case DataType::kInt64:
      return Json(load<int64_t>(p));
    case DataType::kFp16:
      return Json(static_cast<double>(half_to_float(load<uint16_t>(p))));
    case DataType::kFp32: {
      const float f = load<float>(p);
      return std::isfinite(f) ? Json(static_cast<double>(f)) : Json(nullptr);
    }
    case DataType::kFp64: {
      const double d = load<double>(p);
      return std::isfinite(d) ? Json(d) : Json(nullptr);
    }
  }
  return Json(nullptr);
}

bool is_dims(const Json& j) {
  if (!j.is_array()) return false;
  for (const auto& d : j) {
    if (!d.is_number_integer()) return false;
  }
  return true;
}

const TensorSpec* find_spec(const std::vector<TensorSpec>& specs, const std::string& name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string names_of(const std::vector<TensorSpec>& specs) {
  std::string s;
  for (const auto& t : specs) s += (s.empty() ? "" : ", ") + t.name;
  return s;
}

}  // namespace

std::optional<DataType> parse_datatype(std::string_view name) {
  for (const auto& t : kTypes) {
    if (name == t.name) return t.type;
  }
  return std::nullopt;
}

const char* datatype_name(DataType type) {
  for (const auto& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "?";
}

size_t element_size(DataType type) {
  for (const auto& t : kTypes) {
    if (t.type == type) return t.size;
  }
  return 1;
}

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (const int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > kMaxElements / d) return -1;
    n *= d;
  }
  return n;
}

std::string check_model_spec(const ModelSpec& spec) {
  if (spec.name.empty()) return "model_name must not be empty";
  if (spec.name.find('/') != std::string::npos) return "model_name must not contain '/'";
  if (spec.inputs.empty()) {
    return "inputs: declare the model's inputs, e.g. [{\"name\": \"x\", \"datatype\": \"FP32\", "
           "\"shape\": [-1, 784]}]";
  }
  for (const auto* list : {&spec.inputs, &spec.outputs}) {
    const char* what = list == &spec.inputs ? "inputs" : "outputs";
    for (size_t i = 0; i < list->size(); ++i) {
      const auto& t = (*list)[i];
      const std::string at = std::string(what) + "[" + std::to_string(i) + "]";
      if (t.name.empty()) return at + ".name must not be empty";
      if (!parse_datatype(t.datatype)) {
        return at + ".datatype: unknown datatype '" + t.datatype + "' (one of " + type_list() + ")";
      }
      if (t.shape.empty()) return at + ".shape must have the batch dimension -1 first";
      for (const int64_t d : t.shape) {
        if (d < -1) return at + ".shape " + shape_text(t.shape) + ": dimensions are >= 0 or -1";
      }
      for (size_t j = 0; j < i; ++j) {
        if ((*list)[j].name == t.name) return at + ".name '" + t.name + "' is declared twice";
      }
    }
  }
  return {};
}

std::string parse_json_length(std::string_view header, size_t body_size, size_t* out) {
  size_t n = 0;
  if (header.empty() || header.size() > 19) {
    return "Inference-Header-Content-Length must be a decimal number of bytes";
  }
  for (const char c : header) {
    if (c < '0' || c > '9')
      return "Inference-Header-Content-Length must be a decimal number of bytes";
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n > body_size) {
    return "Inference-Header-Content-Length is " + std::to_string(n) + " but the body has only " +
           std::to_string(body_size) + " bytes";
  }
  *out = n;
  return {};
}

std::string parse_infer_request(std::string_view body, std::optional<size_t> json_length,
                                const ModelSpec& model, InferRequest* out) {
  *out = InferRequest{};
  if (json_length && *json_length > body.size()) {
    return "Inference-Header-Content-Length is larger than the body";
  }
  const std::string_view json_text = json_length ? body.substr(0, *json_length) : body;
  const std::string_view binary = json_length ? body.substr(*json_length) : std::string_view{};
  // nlohmann's parser stops at a NUL byte as at the end: binary bytes after
  // JSON sent without the header would be ignored, not refused.
  if (const size_t nul = json_text.find('\0'); nul != std::string_view::npos) {
    return "malformed JSON: a NUL byte at offset " + std::to_string(nul) +
           (json_length ? std::string()
                        : " (binary tensor data needs the Inference-Header-Content-Length header)");
  }
  std::string parse_error;
  const Json req = detail::parse_untrusted(std::string(json_text), &parse_error);
  if (req.is_discarded()) return "malformed JSON: " + parse_error;
  if (!req.is_object()) return "the request must be a JSON object";

  if (auto it = req.find("id"); it != req.end()) {
    if (!it->is_string()) return "id must be a string";
    out->id = it->get<std::string>();
  }
  if (auto it = req.find("parameters"); it != req.end()) {
    if (!it->is_object()) return "parameters must be an object";
    if (auto b = it->find("binary_data_output"); b != it->end()) {
      if (!b->is_boolean()) return "parameters.binary_data_output must be true or false";
      out->binary_data_output = b->get<bool>();
    }
  }
  const auto inputs_it = req.find("inputs");
  if (inputs_it == req.end() || !inputs_it->is_array()) {
    return "inputs must be an array of tensors ({\"name\", \"shape\", \"datatype\", \"data\"})";
  }
  std::vector<std::optional<InferTensor>> by_spec(model.inputs.size());
  size_t offset = 0;  // into `binary`
  int64_t batch = -1;
  for (size_t i = 0; i < inputs_it->size(); ++i) {
    const Json& in = (*inputs_it)[i];
    const std::string at = "inputs[" + std::to_string(i) + "]";
    if (!in.is_object()) return at + " must be an object";
    auto name_it = in.find("name");
    if (name_it == in.end() || !name_it->is_string()) return at + ".name must be a string";
    InferTensor t;
    t.name = name_it->get<std::string>();
    const std::string what = "input '" + t.name + "'";
    size_t index = model.inputs.size();
    for (size_t s = 0; s < model.inputs.size(); ++s) {
      if (model.inputs[s].name == t.name) index = s;
    }
    if (index == model.inputs.size()) {
      return "unknown " + what + " (model '" + model.name +
             "' has inputs: " + names_of(model.inputs) + ")";
    }
    if (by_spec[index]) return what + " is given twice";
    const TensorSpec& spec = model.inputs[index];
    auto type_it = in.find("datatype");
    if (type_it == in.end() || !type_it->is_string()) return what + ": datatype must be a string";
    const auto type_name = type_it->get<std::string>();
    if (type_name == "BYTES") return what + ": datatype BYTES is not supported";
    const auto type = parse_datatype(type_name);
    if (!type) {
      return what + ": unknown datatype '" + type_name + "' (one of " + type_list() + ")";
    }
    if (type_name != spec.datatype) {
      return what + ": datatype is " + type_name + ", the model expects " + spec.datatype;
    }
    t.datatype = *type;
    auto shape_it = in.find("shape");
    if (shape_it == in.end() || !is_dims(*shape_it)) {
      return what + ": shape must be an array of integers";
    }
    for (const auto& d : *shape_it) {
      if (!d.is_number_unsigned() && d.get<int64_t>() < 0) {
        return what + ": shape " + short_json(*shape_it) + " has a negative dimension";
      }
      t.shape.push_back(d.is_number_unsigned() ? static_cast<int64_t>(std::min<uint64_t>(
                                                     d.get<uint64_t>(), kMaxElements))
                                               : d.get<int64_t>());
    }
    if (t.shape.size() != spec.shape.size()) {
      return what + ": shape " + shape_text(t.shape) + " has " + std::to_string(t.shape.size()) +
             " dimensions, the model expects " + std::to_string(spec.shape.size()) + " (" +
             shape_text(spec.shape) + ")";
    }
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (spec.shape[d] != -1 && spec.shape[d] != t.shape[d]) {
        return what + ": shape " + shape_text(t.shape) + " does not match the model's " +
               shape_text(spec.shape) + " (dimension " + std::to_string(d) + " is " +
               std::to_string(t.shape[d]) + ", expected " + std::to_string(spec.shape[d]) + ")";
      }
    }
    const int64_t count = element_count(t.shape);
    if (count < 0) return what + ": shape " + shape_text(t.shape) + " is too large";
    if (batch >= 0 && t.shape[0] != batch) {
      return what + ": batch dimension " + std::to_string(t.shape[0]) +
             " differs from the other inputs' " + std::to_string(batch);
    }
    batch = t.shape[0];
    const size_t esize = element_size(*type);
    const uint64_t need = static_cast<uint64_t>(count) * esize;

    const Json* binary_size = nullptr;
    if (auto p = in.find("parameters"); p != in.end()) {
      if (!p->is_object()) return what + ": parameters must be an object";
      if (auto b = p->find("binary_data_size"); b != p->end()) binary_size = &*b;
    }
    const auto data_it = in.find("data");
    if (binary_size) {
      if (data_it != in.end()) return what + ": has both data and parameters.binary_data_size";
      if (!json_length) {
        return what +
               ": parameters.binary_data_size needs the Inference-Header-Content-Length "
               "header (the JSON's length in bytes)";
      }
      if (!binary_size->is_number_unsigned()) {
        return what + ": parameters.binary_data_size must be a number of bytes";
      }
      const uint64_t size = binary_size->get<uint64_t>();
      if (size != need) {
        return what + ": binary_data_size is " + std::to_string(size) + " bytes, shape " +
               shape_text(t.shape) + " of " + type_name + " needs " + std::to_string(need);
      }
      if (binary.size() - offset < size) {
        return "binary data is shorter than declared: " + what + " needs " + std::to_string(size) +
               " bytes at offset " + std::to_string(offset) + ", " +
               std::to_string(binary.size() - offset) + " remain";
      }
      t.data.assign(binary.data() + offset, size);
      offset += size;
    } else {
      if (data_it == in.end()) {
        return what + ": has neither data nor parameters.binary_data_size";
      }
      int64_t n = 0;
      t.data.reserve(need);
      auto err = flatten(*data_it, *type, &t.data, &n);
      if (!err.empty()) return what + ": " + err;
      if (n != count) {
        return what + ": data has " + std::to_string(n) + " elements, shape " +
               shape_text(t.shape) + " needs " + std::to_string(count);
      }
    }
    by_spec[index] = std::move(t);
  }
  if (offset != binary.size()) {
    return "binary data is longer than declared: " + std::to_string(binary.size() - offset) +
           " bytes after the last input's";
  }
  for (size_t s = 0; s < by_spec.size(); ++s) {
    if (!by_spec[s]) return "missing input '" + model.inputs[s].name + "'";
    out->inputs.push_back(std::move(*by_spec[s]));
  }
  if (auto it = req.find("outputs"); it != req.end()) {
    if (!it->is_array()) return "outputs must be an array of {\"name\", \"parameters\"}";
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& o = (*it)[i];
      const std::string at = "outputs[" + std::to_string(i) + "]";
      if (!o.is_object()) return at + " must be an object";
      auto name_it = o.find("name");
      if (name_it == o.end() || !name_it->is_string()) return at + ".name must be a string";
      RequestedOutput r{name_it->get<std::string>(), out->binary_data_output};
      if (!model.outputs.empty() && !find_spec(model.outputs, r.name)) {
        return "unknown output '" + r.name + "' (model '" + model.name +
               "' has outputs: " + names_of(model.outputs) + ")";
      }
      if (auto p = o.find("parameters"); p != o.end()) {
        if (!p->is_object()) return at + ".parameters must be an object";
        if (auto b = p->find("binary_data"); b != p->end()) {
          if (!b->is_boolean()) return at + ".parameters.binary_data must be true or false";
          r.binary = b->get<bool>();
        }
      }
      out->outputs.push_back(std::move(r));
    }
  }
  return {};
}

EncodedResponse encode_infer_response(const std::string& model_name, const std::string& version,
                                      const InferRequest& request,
                                      const std::vector<InferTensor>& outputs) {
  Json body = {{"model_name", model_name}, {"model_version", version}};
  if (!request.id.empty()) body["id"] = request.id;
  Json outs = Json::array();
  std::string binary;
  auto emit = [&](const InferTensor& t, bool as_binary) {
    Json o = {{"name", t.name}, {"datatype", datatype_name(t.datatype)}, {"shape", t.shape}};
    if (as_binary) {
      o["parameters"] = {{"binary_data_size", t.data.size()}};
      binary += t.data;
    } else {
      Json data = Json::array();
      const size_t esize = element_size(t.datatype);
      for (size_t at = 0; at + esize <= t.data.size(); at += esize) {
        data.push_back(element_json(t.data.data() + at, t.datatype));
      }
      o["data"] = std::move(data);
    }
    outs.push_back(std::move(o));
  };
  if (request.outputs.empty()) {
    for (const auto& t : outputs) emit(t, request.binary_data_output);
  } else {
    for (const auto& r : request.outputs) {
      for (const auto& t : outputs) {
        if (t.name == r.name) emit(t, r.binary);
      }
    }
  }
  body["outputs"] = std::move(outs);
  EncodedResponse r;
  r.body = detail::dump_json(body);
  if (binary.empty()) {
    bool any_binary = false;
    for (const auto& o : body["outputs"]) any_binary |= o.contains("parameters");
    if (!any_binary) {
      r.content_type = "application/json";
      return r;
    }
  }
  r.json_length = r.body.size();
  r.body += binary;
  r.content_type = "application/octet-stream";
  return r;
}

EncodedRequest encode_infer_request(const std::vector<InferTensor>& inputs, const std::string& id) {
  Json header = Json::object();
  if (!id.empty()) header["id"] = id;
  Json ins = Json::array();
  size_t binary_bytes = 0;
  for (const auto& t : inputs) {
    const int64_t n = element_count(t.shape);
    if (n < 0 || static_cast<uint64_t>(n) * element_size(t.datatype) != t.data.size()) {
      throw std::invalid_argument("input '" + t.name + "': " + std::to_string(t.data.size()) +
                                  " bytes of data for shape " + shape_text(t.shape) + " of " +
                                  datatype_name(t.datatype));
    }
    ins.push_back({{"name", t.name},
                   {"datatype", datatype_name(t.datatype)},
                   {"shape", t.shape},
                   {"parameters", {{"binary_data_size", t.data.size()}}}});
    binary_bytes += t.data.size();
  }
  header["inputs"] = std::move(ins);
  header["parameters"] = {{"binary_data_output", true}};
  EncodedRequest r;
  r.body = detail::dump_json(header);
  r.json_length = r.body.size();
  r.body.reserve(r.body.size() + binary_bytes);
  for (const auto& t : inputs) r.body += t.data;
  return r;
}

std::string parse_infer_response(std::string_view body, std::optional<size_t> json_length,
                                 InferResponse* out) {
  *out = InferResponse{};
  if (json_length && *json_length > body.size()) {
    return "Inference-Header-Content-Length is larger than the body";
  }
  const std::string_view json_text = json_length ? body.substr(0, *json_length) : body;
  std::string_view binary = json_length ? body.substr(*json_length) : std::string_view{};
  if (json_text.find('\0') != std::string_view::npos) return "malformed JSON: a NUL byte";
  std::string parse_error;
  const Json res = detail::parse_untrusted(std::string(json_text), &parse_error);
  if (res.is_discarded()) return "malformed JSON: " + parse_error;
  if (!res.is_object()) return "the response must be a JSON object";
  auto text_field = [&](const char* key, std::string* to) -> std::string {
    const auto it = res.find(key);
    if (it == res.end()) return "";
    if (!it->is_string()) return std::string(key) + " must be a string";
    *to = it->get<std::string>();
    return "";
  };
  for (const auto& [key, to] : {std::pair<const char*, std::string*>{"model_name", &out->model_name},
                                {"model_version", &out->model_version},
                                {"id", &out->id}}) {
    if (std::string e = text_field(key, to); !e.empty()) return e;
  }
  const auto outs = res.find("outputs");
  if (outs == res.end() || !outs->is_array()) return "outputs must be an array";
  for (size_t i = 0; i < outs->size(); ++i) {
    const Json& o = (*outs)[i];
    const std::string where = "outputs[" + std::to_string(i) + "]";
    if (!o.is_object()) return where + " must be an object";
    InferTensor t;
    const auto name = o.find("name");
    if (name == o.end() || !name->is_string()) return where + ".name must be a string";
    t.name = name->get<std::string>();
    const auto dt = o.find("datatype");
    if (dt == o.end() || !dt->is_string()) return where + ".datatype must be a string";
    const auto type = parse_datatype(dt->get<std::string>());
    if (!type) return where + ".datatype: unknown datatype '" + dt->get<std::string>() + "'";
    t.datatype = *type;
    const auto shape = o.find("shape");
    if (shape == o.end() || !is_dims(*shape)) {
      return where + ".shape must be an array of non-negative integers";
    }
    t.shape = shape->get<std::vector<int64_t>>();
    const int64_t n = element_count(t.shape);
    if (n < 0) return where + ".shape " + shape_text(t.shape) + " is too large";
    const uint64_t bytes = static_cast<uint64_t>(n) * element_size(t.datatype);
    const auto params = o.find("parameters");
    const Json* size = nullptr;
    if (params != o.end() && params->is_object()) {
      if (auto it = params->find("binary_data_size"); it != params->end()) size = &*it;
    }
    if (size != nullptr) {
      if (!size->is_number_unsigned()) {
        return where + ".parameters.binary_data_size must be a non-negative integer";
      }
      const uint64_t declared = size->get<uint64_t>();
      if (declared != bytes) {
        return where + ": binary_data_size " + std::to_string(declared) + " for shape " +
               shape_text(t.shape) + " of " + datatype_name(t.datatype) + " (" +
               std::to_string(bytes) + " bytes)";
      }
      if (declared > binary.size()) {
        return where + ": " + std::to_string(declared) + " bytes of binary data declared, " +
               std::to_string(binary.size()) + " left in the body";
      }
      t.data.assign(binary.data(), declared);
      binary.remove_prefix(declared);
    } else {
      const auto data = o.find("data");
      if (data == o.end()) return where + " has neither data nor parameters.binary_data_size";
      int64_t count = 0;
      if (std::string e = flatten(*data, t.datatype, &t.data, &count); !e.empty()) {
        return where + ".data: " + e;
      }
      if (count != n) {
        return where + ": " + std::to_string(count) + " elements for shape " + shape_text(t.shape);
      }
    }
    out->outputs.push_back(std::move(t));
  }
  if (!binary.empty()) {
    return std::to_string(binary.size()) + " bytes of binary data after the last output";
  }
  return "";
}

Json model_metadata(const ModelSpec& model, const std::vector<std::string>& versions,
                    const std::string& platform) {
  auto list = [](const std::vector<TensorSpec>& specs) {
    Json a = Json::array();
    for (const auto& s : specs) {
      a.push_back({{"name", s.name}, {"datatype", s.datatype}, {"shape", s.shape}});
    }
    return a;
  };
  return {{"name", model.name},
          {"versions", versions},
          {"platform", platform},
          {"inputs", list(model.inputs)},
          {"outputs", list(model.outputs)}};
}

std::string error_body(const std::string& message) {
  return detail::dump_json(Json{{"error", message}});
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0);  // inf / nan
  if (abs >= 0x477ff000) return sign | 0x7c00;                                   // overflow
  if (abs < 0x33000001) return sign;                                             // underflow to 0
  const int exp = static_cast<int>(abs >> 23) - 127 + 15;
  uint32_t mant = (abs & 0x7fffff) | 0x800000;
  if (exp <= 0) {  // subnormal half
    const int shift = 14 - exp;
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return sign | static_cast<uint16_t>(h);
  }
  uint32_t h = static_cast<uint32_t>(exp) << 10 | ((mant >> 13) & 0x3ff);
  const uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
    ++h;  // round to nearest even (may carry into exp)
  return sign | static_cast<uint16_t>(h);
}

}  // namespace lightning::components::oip
