// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ServeWork (serve.hpp, docs/components/serve.md). Three threads:
//  - the run thread (Work::run): loads models, watches the `model` field
//    (lightning::receive_state_changes) and swaps versions, updates State;
//  - the HTTP thread ("lightning-serve-http"): the project's Beast server
//    (http::HttpServer) on its own io_context; it parses and validates each
//    request and queues it, then answers through a deferred reply;
//  - the batcher thread (DynamicBatcher): concatenates a batch, runs forward()
//    under InferenceMode, splits the outputs, encodes the answers and posts
//    them back to the HTTP thread, which writes them.
// The current model is a shared_ptr swapped under model_mu_: a batch keeps the
// version it started with, so a swap never fails a request in flight.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <time.h>
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "batcher.hpp"
#include "http/http_server.hpp"
#include "http/http_types.hpp"
#include "lightning/components/serve.hpp"

namespace lightning::components {
namespace {

namespace fs = std::filesystem;
namespace beast_http = boost::beast::http;
using serve::BatchQueue;
using serve::Clock;
using serve::DynamicBatcher;

// ---------------------------------------------------------------- config

template <class T>
T read_key(const Json& args, const char* key, T fallback) {
  if (!args.is_object() || !args.contains(key)) return fallback;
  try {
    return args.at(key).get<T>();
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("ServeWork: call arg \"") + key +
                                "\" has the wrong type: " + args.at(key).dump() + " (" + e.what() +
                                ")");
  }
}

void check_at_least(const char* key, int64_t value, int64_t min) {
  if (value < min) {
    throw std::invalid_argument(std::string("ServeWork: ") + key + " must be >= " +
                                std::to_string(min) + ", got " + std::to_string(value));
  }
}

std::vector<TensorSpec> read_specs(const Json& args, const char* key,
                                   std::vector<TensorSpec> fallback) {
  if (!args.is_object() || !args.contains(key)) return fallback;
  const Json& list = args.at(key);
  auto bad = [&](const std::string& why) {
    return std::invalid_argument(std::string("ServeWork: call arg \"") + key + "\": " + why +
                                 "; give [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": "
                                 "[-1, 784]}, ...]");
  };
  if (!list.is_array()) throw bad("not an array");
  std::vector<TensorSpec> out;
  for (const auto& t : list) {
    if (!t.is_object() || !t.contains("name") || !t.at("name").is_string() ||
        !t.contains("datatype") || !t.at("datatype").is_string() || !t.contains("shape") ||
        !t.at("shape").is_array()) {
      throw bad(t.dump() + " lacks a string name, a string datatype or a shape array");
    }
    TensorSpec s{t.at("name").get<std::string>(), t.at("datatype").get<std::string>(), {}};
    for (const auto& d : t.at("shape")) {
      if (!d.is_number_integer()) throw bad("shape " + t.at("shape").dump() + " is not integers");
      s.shape.push_back(d.get<int64_t>());
    }
    out.push_back(std::move(s));
  }
  return out;
}

torch::Device pick_device(const std::string& want) {
  if (want == "cpu") return torch::kCPU;
  if (want == "auto") return torch::cuda::is_available() ? torch::Device("cuda:0") : torch::kCPU;
  if (!torch::cuda::is_available()) {
    throw std::runtime_error("ServeWork: device \"" + want +
                             "\" asked for, but this libtorch has no CUDA or no GPU is visible; "
                             "use \"auto\" or \"cpu\"");
  }
  return want == "cuda" ? torch::Device("cuda:0") : torch::Device(want);
}

// ---------------------------------------------------------------- tensors

torch::ScalarType scalar_type(oip::DataType t) {
  switch (t) {
    case oip::DataType::kBool:
      return torch::kBool;
    case oip::DataType::kUint8:
      return torch::kUInt8;
    case oip::DataType::kInt8:
      return torch::kInt8;
    case oip::DataType::kInt16:
      return torch::kInt16;
    case oip::DataType::kInt32:
      return torch::kInt32;
    case oip::DataType::kInt64:
      return torch::kInt64;
    case oip::DataType::kFp16:
      return torch::kHalf;
    case oip::DataType::kFp32:
      return torch::kFloat;
    case oip::DataType::kFp64:
      return torch::kDouble;
    case oip::DataType::kUint16:
    case oip::DataType::kUint32:
    case oip::DataType::kUint64:
      break;
  }
  throw std::invalid_argument(std::string("datatype ") + oip::datatype_name(t) +
                              " has no libtorch tensor type (libtorch 1.13 has no uint16/32/64)");
}

std::optional<oip::DataType> oip_type(torch::ScalarType t) {
  switch (t) {
    case torch::kBool:
      return oip::DataType::kBool;
    case torch::kUInt8:
      return oip::DataType::kUint8;
    case torch::kInt8:
      return oip::DataType::kInt8;
    case torch::kInt16:
      return oip::DataType::kInt16;
    case torch::kInt32:
      return oip::DataType::kInt32;
    case torch::kInt64:
      return oip::DataType::kInt64;
    case torch::kHalf:
      return oip::DataType::kFp16;
    case torch::kFloat:
      return oip::DataType::kFp32;
    case torch::kDouble:
      return oip::DataType::kFp64;
    default:
      return std::nullopt;
  }
}

/// The batch key: requests with the same non-batch dimensions batch together.
std::string batch_key(const oip::InferRequest& r) {
  std::string key;
  for (const auto& t : r.inputs) {
    for (size_t d = 1; d < t.shape.size(); ++d) key += std::to_string(t.shape[d]) + ",";
    key += ";";
  }
  return key;
}

// ---------------------------------------------------------------- models

/// One loaded version of the model. Immutable once loaded; shared by the
/// batches that use it (a swap leaves running batches on their version).
struct LoadedModel {
  int64_t version = 0;
  std::string file;
  std::string platform;  // OIP platform: "pytorch_torchscript" or "pytorch_libtorch"
  torch::Device device = torch::kCPU;
  std::optional<torch::jit::Module> script;
  TrainModel module;
  std::vector<TensorSpec> outputs;  // declared, or found at the warm-up

  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& inputs) const {
    if (!script) {
      if (inputs.size() != 1) {
        throw std::invalid_argument("a C++ module takes one input; " +
                                    std::to_string(inputs.size()) + " are declared");
      }
      return {module.forward(inputs[0])};
    }
    std::vector<torch::jit::IValue> args(inputs.begin(), inputs.end());
    // forward() is const-correct in use: a frozen module is not changed by it.
    auto out = const_cast<torch::jit::Module&>(*script).forward(std::move(args));
    if (out.isTensor()) return {out.toTensor()};
    std::vector<torch::Tensor> tensors;
    if (out.isTuple()) {
      for (const auto& e : out.toTupleRef().elements()) {
        if (!e.isTensor())
          throw std::runtime_error("the model returned a tuple holding a " + e.tagKind());
        tensors.push_back(e.toTensor());
      }
      return tensors;
    }
    if (out.isTensorList()) return out.toTensorVector();
    throw std::runtime_error("the model returned a " + out.tagKind() +
                             "; it must return a tensor or a tuple of tensors");
  }
};

/// Shape with each -1 replaced by 1 (the warm-up batch).
std::vector<int64_t> warm_shape(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s = shape;
  for (auto& d : s) d = d < 0 ? 1 : d;
  return s;
}

// ---------------------------------------------------------------- metrics

struct ServeMetrics {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("lightning_serve_requests_total")
          .Help(
              "Inference requests answered, by outcome (success, bad_request, not_found, "
              "too_large, queue_full, error)")
          .Register(*registry);
  prometheus::Histogram& batch_size =
      prometheus::BuildHistogram()
          .Name("lightning_serve_batch_size")
          .Help("Rows (dimension 0) per forward() call")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
  prometheus::Histogram& queue_seconds =
      prometheus::BuildHistogram()
          .Name("lightning_serve_queue_duration_seconds")
          .Help("Time from a request's arrival in the queue to the start of its batch, seconds")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3,
                                                           2.5e-3, 5e-3, 1e-2, 5e-2, 0.1, 1});
  prometheus::Histogram& compute_seconds =
      prometheus::BuildHistogram()
          .Name("lightning_serve_compute_duration_seconds")
          .Help("Time of one batch's forward(), with concatenation and splitting, seconds")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3,
                                                           2.5e-3, 5e-3, 1e-2, 5e-2, 0.1, 1});
  prometheus::Gauge& inflight = prometheus::BuildGauge()
                                    .Name("lightning_serve_inflight_requests")
                                    .Help("Inference requests queued or running")
                                    .Register(*registry)
                                    .Add({});
  prometheus::Gauge& model_version = prometheus::BuildGauge()
                                         .Name("lightning_serve_model_version")
                                         .Help("The model version being served")
                                         .Register(*registry)
                                         .Add({});

  prometheus::Counter& cpu_seconds =
      prometheus::BuildCounter()
          .Name("process_cpu_seconds_total")
          .Help("CPU time of the serving process, all threads, seconds")
          .Register(*registry)
          .Add({});
  double cpu_reported = 0;  // HTTP thread only (text())

  void count(const char* outcome) { requests.Add({{"outcome", outcome}}).Increment(); }
  /// The exposition text; HTTP thread only.
  std::string text() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    const double cpu = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    if (cpu > cpu_reported) cpu_seconds.Increment(cpu - cpu_reported);
    cpu_reported = std::max(cpu, cpu_reported);
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry->Collect());
    return out.str();
  }
};

// ---------------------------------------------------------------- server

http::Response text_response(const http::Request& req, unsigned status, std::string body,
                             const char* content_type) {
  http::Response r{static_cast<beast_http::status>(status), req.version()};
  r.set(beast_http::field::content_type, content_type);
  r.keep_alive(req.keep_alive());
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

http::Response json_reply(const http::Request& req, unsigned status, const Json& body) {
  return text_response(req, status, body.dump(), "application/json");
}

http::Response error_reply(unsigned status, const std::string& message, unsigned version,
                           bool keep_alive) {
  http::Response r{static_cast<beast_http::status>(status), version};
  r.set(beast_http::field::content_type, "application/json");
  r.keep_alive(keep_alive);
  r.body() = oip::error_body(message);
  r.prepare_payload();
  return r;
}

http::Reply now(http::Response response) {
  http::Reply r;
  r.response = std::move(response);
  return r;
}

std::vector<std::string> split_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string> parts;
  size_t at = 0;
  while (at < target.size()) {
    if (target[at] == '/') {
      ++at;
      continue;
    }
    const size_t end = std::min(target.find('/', at), target.size());
    parts.emplace_back(target.substr(at, end - at));
    at = end;
  }
  return parts;
}

/// A queued inference request: what the batcher needs to run and answer it.
struct Pending {
  oip::InferRequest request;
  std::shared_ptr<http::ResponseSlot> slot;
  unsigned http_version = 11;
  bool keep_alive = true;
};
using PendingPtr = std::shared_ptr<Pending>;

class Server {
 public:
  Server(const ServeConfig& config, ServeMetrics& metrics)
      : config_(config),
        spec_{config.model_name, config.inputs, config.outputs},
        metrics_(metrics),
        guard_(io_.get_executor()) {}

  ~Server() { stop(); }

  /// Binds and starts the HTTP thread and the batcher thread.
  void start() {
    http::HttpServerOptions o;
    o.host = config_.host;
    o.port = static_cast<uint16_t>(config_.port);
    o.max_body_bytes = static_cast<size_t>(config_.max_body_bytes);
    o.max_connections = 1024;
    http_ = std::make_unique<http::HttpServer>(
        io_, o, [this](const http::Request& r) { return handle(r); });
    const Status s = http_->start();
    if (!s.ok())
      throw std::runtime_error("ServeWork: cannot listen on " + config_.host + ":" +
                               std::to_string(config_.port) + ": " + s.message());
    serve::BatcherOptions b;
    b.max_batch_size = config_.max_batch_size;
    b.max_queue_delay = std::chrono::microseconds(config_.max_queue_delay_us);
    b.preferred_batch_sizes = config_.preferred_batch_sizes;
    b.max_queue_size = static_cast<size_t>(config_.max_queue_size);
    batcher_ = std::make_unique<DynamicBatcher<PendingPtr>>(
        b, [this](BatchQueue<PendingPtr>::Batch&& batch) { execute(std::move(batch)); });
    io_thread_ = std::thread([this] { io_.run(); });
  }

  /// Answers what is queued, then closes the server and joins its threads.
  void stop() {
    if (batcher_) batcher_->stop();
    if (io_thread_.joinable()) {
      boost::asio::post(io_, [this] {
        if (http_) http_->stop();
        guard_.reset();
      });
      io_thread_.join();
    }
    http_.reset();
  }

  std::string url() const { return http_->url(); }
  int64_t answered() const { return answered_.load(std::memory_order_relaxed); }

  void set_model(std::shared_ptr<const LoadedModel> m) {
    std::lock_guard<std::mutex> lock(model_mu_);
    model_ = std::move(m);
  }
  std::shared_ptr<const LoadedModel> current_model() const {
    std::lock_guard<std::mutex> lock(model_mu_);
    return model_;
  }

 private:
  // ---- HTTP thread
  /// GET /: a page for people (the dashboard's tab of this work, or of the
  /// AutoScaler's balancer, shows it): the model, its inputs and outputs, the
  /// requests answered, and how to call it.
  http::Response landing_page(const http::Request& req) const {
    auto model = current_model();
    std::string rows;
    auto add_rows = [&](const char* kind, const std::vector<TensorSpec>& specs) {
      for (const TensorSpec& t : specs) {
        std::string shape;
        for (int64_t d : t.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
        rows += "<tr><td>" + std::string(kind) + "</td><td>" + html_escape(t.name) + "</td><td>" +
                html_escape(t.datatype) + "</td><td>[" + shape + "]</td></tr>";
      }
    };
    add_rows("input", spec_.inputs);
    add_rows("output", model ? model->outputs : spec_.outputs);
    const std::string name = html_escape(config_.model_name);
    std::string body =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + name +
        " (KServe v2)</title><style>body{font:14px system-ui,sans-serif;margin:1.5em}"
        "td,th{padding:2px 10px;text-align:left}code{background:#f3f3f3}</style></head><body>"
        "<h2>" +
        name + "</h2><p>Open Inference Protocol (KServe v2) over HTTP. " +
        (model ? "Serving version " + std::to_string(model->version) + " (" +
                     html_escape(model->platform) + ")"
               : std::string("No model loaded yet")) +
        "; " + std::to_string(answered()) +
        " requests answered.</p><table><tr><th></th><th>name</th><th>datatype</th><th>shape</th>"
        "</tr>" +
        rows + "</table><p><a href=\"v2/models/" + name +
        "\">metadata</a> &middot; "
        "<a href=\"v2/health/ready\">ready</a> &middot; <a href=\"metrics\">metrics</a></p>"
        "<p>Infer: <code>POST /v2/models/" +
        name +
        "/infer</code> with JSON tensors "
        "(<code>{\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}</code>) or binary "
        "tensor data (<code>Inference-Header-Content-Length</code>).</p></body></html>";
    return text_response(req, 200, std::move(body), "text/html; charset=utf-8");
  }

  static std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
      switch (c) {
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '&':
          out += "&amp;";
          break;
        case '"':
          out += "&quot;";
          break;
        default:
          out += c;
      }
    }
    return out;
  }

  http::Reply handle(const http::Request& req) {
    const auto parts = split_path(std::string_view(req.target().data(), req.target().size()));
    const bool get = req.method() == beast_http::verb::get;
    const bool post = req.method() == beast_http::verb::post;
    auto not_found = [&](const std::string& what) {
      if (parts.size() >= 3 && parts[0] == "v2" && parts[1] == "models")
        metrics_.count("not_found");
      return now(error_reply(404, what, req.version(), req.keep_alive()));
    };
    auto method_not_allowed = [&] {
      return now(error_reply(405,
                             "method " + std::string(req.method_string()) + " is not allowed on " +
                                 std::string(req.target()),
                             req.version(), req.keep_alive()));
    };
    if (parts.size() == 1 && parts[0] == "metrics") {
      if (!get) return method_not_allowed();
      return now(
          text_response(req, 200, metrics_.text(), "text/plain; version=0.0.4; charset=utf-8"));
    }
    if (parts.empty() && get) return now(landing_page(req));
    if (parts.empty() || parts[0] != "v2")
      return not_found("no route " + std::string(req.target()));
    if (parts.size() == 1) {
      if (!get) return method_not_allowed();
      return now(json_reply(
          req, 200,
          {{"name", "lightning-serve"}, {"version", "1"}, {"extensions", {"binary_tensor_data"}}}));
    }
    if (parts[1] == "health" && parts.size() == 3 && (parts[2] == "live" || parts[2] == "ready")) {
      if (!get) return method_not_allowed();
      if (parts[2] == "ready" && !current_model()) {
        return now(error_reply(503, "no model loaded yet", req.version(), req.keep_alive()));
      }
      return now(json_reply(req, 200, {{parts[2], true}}));
    }
    if (parts[1] != "models" || parts.size() < 3) {
      return not_found("no route " + std::string(req.target()));
    }
    // /v2/models/{name}[/versions/{v}][/ready|/infer]
    const std::string& name = parts[2];
    size_t at = 3;
    std::optional<std::string> version;
    if (parts.size() >= 5 && parts[3] == "versions") {
      version = parts[4];
      at = 5;
    }
    const std::string action = parts.size() > at ? parts[at] : "";
    if (parts.size() > at + 1 || (!action.empty() && action != "ready" && action != "infer")) {
      return not_found("no route " + std::string(req.target()));
    }
    if (name != config_.model_name) {
      return not_found("unknown model '" + name + "' (this server serves '" + config_.model_name +
                       "')");
    }
    auto model = current_model();
    if (!model)
      return now(error_reply(503, "no model loaded yet", req.version(), req.keep_alive()));
    if (version && *version != std::to_string(model->version)) {
      return not_found("model '" + name + "' has no version '" + *version + "' (serving version " +
                       std::to_string(model->version) + ")");
    }
    if (action.empty()) {
      if (!get) return method_not_allowed();
      oip::ModelSpec spec = spec_;
      spec.outputs = model->outputs;
      return now(json_reply(
          req, 200, oip::model_metadata(spec, {std::to_string(model->version)}, model->platform)));
    }
    if (action == "ready") {
      if (!get) return method_not_allowed();
      return now(json_reply(req, 200, {{"name", name}, {"ready", true}}));
    }
    if (!post) return method_not_allowed();
    return infer(req);
  }

  http::Reply infer(const http::Request& req) {
    auto pending = std::make_shared<Pending>();
    pending->http_version = req.version();
    pending->keep_alive = req.keep_alive();
    std::optional<size_t> json_length;
    const auto header = req.find("Inference-Header-Content-Length");
    std::string error;
    if (header != req.end()) {
      size_t n = 0;
      error = oip::parse_json_length(
          std::string_view(header->value().data(), header->value().size()), req.body().size(), &n);
      json_length = n;
    }
    if (error.empty())
      error = oip::parse_infer_request(req.body(), json_length, spec_, &pending->request);
    const int64_t rows = pending->request.batch_size();
    if (error.empty() && rows > config_.max_batch_size) {
      error = "a batch of " + std::to_string(rows) + " rows is over max_batch_size " +
              std::to_string(config_.max_batch_size);
    }
    if (error.empty()) {
      for (const auto& t : pending->request.inputs) {
        try {
          scalar_type(t.datatype);
        } catch (const std::exception& e) {
          error = "input '" + t.name + "': " + e.what();
        }
      }
    }
    if (!error.empty()) {
      metrics_.count("bad_request");
      return now(error_reply(400, error, req.version(), req.keep_alive()));
    }
    http::Reply reply;
    reply.deferred = [this, pending, rows](const std::shared_ptr<http::ResponseSlot>& slot) {
      pending->slot = slot;
      std::string key = batch_key(pending->request);
      metrics_.inflight.Increment();
      // One connection open: no other request can be waiting to be read, so
      // a due request may run on this thread even when it is busy.
      const bool sole_client = http_->open_connections() == 1;
      if (!batcher_->submit(pending, rows, std::move(key), sole_client)) {
        metrics_.inflight.Decrement();
        metrics_.count("queue_full");
        slot->answer(error_reply(
            503, "queue full (" + std::to_string(config_.max_queue_size) + " requests queued)",
            pending->http_version, pending->keep_alive));
      }
    };
    return reply;
  }

  // ---- batcher thread (or the HTTP thread: DynamicBatcher::submit runs a
  // lone due request inline when the batcher is idle)
  void execute(BatchQueue<PendingPtr>::Batch&& batch) {
    // libtorch's CPU thread count (at::set_num_threads, from ServeConfig::threads)
    // is per thread for OpenMP: a thread libtorch did not start itself must
    // apply it, or each forward here forks OpenMP's default team (every core)
    // and the team's spin-waits take the HTTP thread's CPU (measured: ~80% of
    // the server's CPU under load, docs/benchmarks.md "ServeWork"). Runs on the
    // batcher thread, and on the HTTP thread for a request the batcher runs
    // inline (DynamicBatcher::submit).
    thread_local bool torch_threads_applied = false;
    if (!torch_threads_applied) {
      at::init_num_threads();
      torch_threads_applied = true;
    }
    const auto start = Clock::now();
    for (const auto& t : batch.enqueued) {
      metrics_.queue_seconds.Observe(std::chrono::duration<double>(start - t).count());
    }
    metrics_.batch_size.Observe(static_cast<double>(batch.rows));
    const auto model = current_model();
    std::vector<http::Response> answers;
    answers.reserve(batch.items.size());
    try {
      run_batch(*model, batch, &answers);
      metrics_.compute_seconds.Observe(std::chrono::duration<double>(Clock::now() - start).count());
    } catch (const std::exception& e) {
      answers.clear();
      const std::string message = std::string("the model failed: ") + e.what();
      for (const auto& p : batch.items) {
        metrics_.count("error");
        answers.push_back(error_reply(500, message, p->http_version, p->keep_alive));
      }
    }
    std::vector<std::shared_ptr<http::ResponseSlot>> slots;
    for (auto& p : batch.items) slots.push_back(std::move(p->slot));
    // Counted before the answers leave, so a client that reads /metrics after
    // its answer sees its request counted.
    const auto n = static_cast<int64_t>(slots.size());
    metrics_.inflight.Decrement(static_cast<double>(n));
    answered_.fetch_add(n, std::memory_order_relaxed);
    boost::asio::post(io_, [slots = std::move(slots), answers = std::move(answers)]() mutable {
      for (size_t i = 0; i < slots.size(); ++i) slots[i]->answer(std::move(answers[i]));
    });
  }

  void run_batch(const LoadedModel& model, const BatchQueue<PendingPtr>::Batch& batch,
                 std::vector<http::Response>* answers) {
    c10::InferenceMode guard;
    std::vector<torch::Tensor> inputs;
    for (size_t i = 0; i < spec_.inputs.size(); ++i) {
      std::vector<torch::Tensor> parts;
      for (const auto& p : batch.items) {
        auto& t = p->request.inputs[i];
        parts.push_back(torch::from_blob(t.data.data(), t.shape,
                                         torch::TensorOptions().dtype(scalar_type(t.datatype))));
      }
      torch::Tensor x = parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
      inputs.push_back(model.device.is_cpu() ? x : x.to(model.device));
    }
    auto outputs = model.forward(inputs);
    if (outputs.size() != model.outputs.size()) {
      throw std::runtime_error("it returned " + std::to_string(outputs.size()) + " outputs, " +
                               std::to_string(model.outputs.size()) + " are declared");
    }
    for (size_t o = 0; o < outputs.size(); ++o) {
      const auto want = *oip::parse_datatype(model.outputs[o].datatype);
      outputs[o] = outputs[o].to(torch::kCPU, scalar_type(want)).contiguous();
      if (outputs[o].dim() == 0 || outputs[o].size(0) != batch.rows) {
        throw std::runtime_error("output '" + model.outputs[o].name + "' has " +
                                 (outputs[o].dim() == 0
                                      ? std::string("no batch dimension")
                                      : std::to_string(outputs[o].size(0)) + " rows") +
                                 " for a batch of " + std::to_string(batch.rows));
      }
    }
    int64_t row = 0;
    const std::string version = std::to_string(model.version);
    for (const auto& p : batch.items) {
      const int64_t rows = p->request.batch_size();
      std::vector<oip::InferTensor> mine;
      for (size_t o = 0; o < outputs.size(); ++o) {
        torch::Tensor part = outputs[o].narrow(0, row, rows);
        oip::InferTensor t;
        t.name = model.outputs[o].name;
        t.datatype = *oip::parse_datatype(model.outputs[o].datatype);
        t.shape.assign(part.sizes().begin(), part.sizes().end());
        t.data.assign(static_cast<const char*>(part.data_ptr()), part.nbytes());
        mine.push_back(std::move(t));
      }
      row += rows;
      auto enc = oip::encode_infer_response(config_.model_name, version, p->request, mine);
      http::Response r{beast_http::status::ok, p->http_version};
      r.set(beast_http::field::content_type, enc.content_type);
      if (enc.json_length)
        r.set("Inference-Header-Content-Length", std::to_string(*enc.json_length));
      r.keep_alive(p->keep_alive);
      r.body() = std::move(enc.body);
      r.prepare_payload();
      answers->push_back(std::move(r));
      metrics_.count("success");
    }
  }

  const ServeConfig& config_;
  const oip::ModelSpec spec_;
  ServeMetrics& metrics_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<DynamicBatcher<PendingPtr>> batcher_;
  std::thread io_thread_;
  mutable std::mutex model_mu_;  // guards model_
  std::shared_ptr<const LoadedModel> model_;
  std::atomic<int64_t> answered_{0};
};

}  // namespace

// ---------------------------------------------------------------- ServeConfig

ServeConfig ServeConfig::from_json(const Json& args, const ServeConfig& defaults) {
  if (!args.is_null() && !args.is_object()) {
    throw std::invalid_argument("ServeWork: call args must be a JSON object, got " + args.dump());
  }
  ServeConfig c = defaults;
  c.host = read_key(args, "host", c.host);
  c.port = read_key(args, "port", c.port);
  c.model_name = read_key(args, "model_name", c.model_name);
  c.inputs = read_specs(args, "inputs", c.inputs);
  c.outputs = read_specs(args, "outputs", c.outputs);
  c.max_batch_size = read_key(args, "max_batch_size", c.max_batch_size);
  c.max_queue_delay_us = read_key(args, "max_queue_delay_us", c.max_queue_delay_us);
  c.preferred_batch_sizes = read_key(args, "preferred_batch_sizes", c.preferred_batch_sizes);
  c.max_queue_size = read_key(args, "max_queue_size", c.max_queue_size);
  c.max_body_bytes = read_key(args, "max_body_bytes", c.max_body_bytes);
  c.threads = read_key(args, "threads", c.threads);
  c.device = read_key(args, "device", c.device);
  c.optimize = read_key(args, "optimize", c.optimize);
  c.args = args.is_null() ? Json::object() : args;
  if (c.port < 0 || c.port > 65535) {
    throw std::invalid_argument("ServeWork: port must be 0..65535, got " + std::to_string(c.port));
  }
  check_at_least("max_batch_size", c.max_batch_size, 1);
  check_at_least("max_queue_delay_us", c.max_queue_delay_us, 0);
  check_at_least("max_queue_size", c.max_queue_size, 1);
  check_at_least("max_body_bytes", c.max_body_bytes, 1);
  check_at_least("threads", c.threads, 0);
  for (const int64_t p : c.preferred_batch_sizes) {
    if (p < 1 || p > c.max_batch_size) {
      throw std::invalid_argument(
          "ServeWork: preferred_batch_sizes must be in 1..max_batch_size (" +
          std::to_string(c.max_batch_size) + "), got " + std::to_string(p));
    }
  }
  if (c.device != "auto" && c.device != "cpu" && c.device.rfind("cuda", 0) != 0) {
    throw std::invalid_argument(
        "ServeWork: device must be \"auto\", \"cpu\", \"cuda\" or "
        "\"cuda:N\", got \"" +
        c.device + "\"");
  }
  const std::string problem = oip::check_model_spec({c.model_name, c.inputs, c.outputs});
  if (!problem.empty()) throw std::invalid_argument("ServeWork: " + problem);
  for (const auto& t : c.inputs) {
    scalar_type(*oip::parse_datatype(t.datatype));  // throws for UINT16/32/64
  }
  return c;
}

// ---------------------------------------------------------------- ServeWork

namespace {

/// Loads `file` as the next version: TorchScript, or (make_model not empty)
/// a TrainWork checkpoint into that module. Runs one warm-up batch of one row
/// (zeros) to check the model against the declared inputs and outputs and to
/// find the outputs' datatypes when none are declared. Throws with the reason.
std::shared_ptr<const LoadedModel> load_version(const fs::path& file, TrainModel module,
                                                const ServeConfig& config, int64_t version,
                                                torch::Device device) {
  auto m = std::make_shared<LoadedModel>();
  m->version = version;
  m->file = file.string();
  m->device = device;
  if (!fs::exists(file))
    throw std::runtime_error("model file " + file.string() + " does not exist");
  if (module.empty()) {
    m->platform = "pytorch_torchscript";
    torch::jit::Module script;
    try {
      script = torch::jit::load(file.string(), device);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot load " + file.string() +
                               " as TorchScript (a TrainWork checkpoint needs a ServeWork subclass "
                               "whose make_model() builds the module): " +
                               e.what());
    }
    script.eval();
    if (config.optimize) script = torch::jit::optimize_for_inference(script);
    m->script = std::move(script);
  } else {
    m->platform = "pytorch_libtorch";
    load_model(file, module.module(), device);
    module.module().to(device);
    module.module().eval();
    m->module = std::move(module);
  }
  c10::InferenceMode guard;
  std::vector<torch::Tensor> warm;
  for (const auto& in : config.inputs) {
    warm.push_back(torch::zeros(warm_shape(in.shape),
                                torch::TensorOptions()
                                    .dtype(scalar_type(*oip::parse_datatype(in.datatype)))
                                    .device(device)));
  }
  std::vector<torch::Tensor> out;
  try {
    out = m->forward(warm);
  } catch (const std::exception& e) {
    throw std::runtime_error("the model fails on a batch of one row of the declared inputs: " +
                             std::string(e.what()));
  }
  if (!config.outputs.empty()) {
    if (out.size() != config.outputs.size()) {
      throw std::runtime_error("the model returns " + std::to_string(out.size()) + " outputs, " +
                               std::to_string(config.outputs.size()) + " are declared");
    }
    m->outputs = config.outputs;
  } else {
    for (size_t i = 0; i < out.size(); ++i) {
      const auto type = oip_type(out[i].scalar_type());
      if (!type)
        throw std::runtime_error("output " + std::to_string(i) + " has an unsupported dtype");
      std::vector<int64_t> shape(out[i].sizes().begin(), out[i].sizes().end());
      if (!shape.empty()) shape[0] = -1;
      m->outputs.push_back({"output__" + std::to_string(i), oip::datatype_name(*type), shape});
    }
  }
  return m;
}

void log_line(const std::string& line) {
  std::fprintf(stderr, "ServeWork: %s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

void ServeWork::run(const Json& args) {
  const ServeConfig config = ServeConfig::from_json(args, default_config());
  // The model: the call's "model" arg (a Path, or a file on this machine) or the field.
  std::string file_arg;
  if (args.is_object() && args.contains("model")) {
    const Json& m = args.at("model");
    if (m.is_string()) {
      file_arg = m.get<std::string>();
    } else {
      model = Path::from_json_value(m);
    }
  }
  if (file_arg.empty() && model.get().empty()) {
    throw std::invalid_argument(
        "ServeWork: no model: set the work's `model` field (a Path) or pass \"model\" (a Path or a "
        "file name) in the call's args");
  }
  set_cpu_threads(config.threads);
  const torch::Device device = pick_device(config.device);
  auto model_file = [&]() -> fs::path {
    return file_arg.empty() ? model.get().local() : fs::path(file_arg);
  };

  ServeMetrics metrics;
  Server server(config, metrics);
  int64_t version = model_version.get() + 1;
  Path serving = model.get();
  server.set_model(load_version(model_file(), make_model(config), config, version, device));
  model_version = version;
  model_error = "";
  metrics.model_version.Set(static_cast<double>(version));
  server.start();
  log_line("serving model '" + config.model_name + "' version " + std::to_string(version) + " at " +
           server.url() + " (max_batch_size " + std::to_string(config.max_batch_size) +
           ", max_queue_delay_us " + std::to_string(config.max_queue_delay_us) + ")");
  publish_url(server.url());
  ready = true;

  auto last_update = Clock::now();
  while (!lightning::stop_requested()) {
    lightning::receive_state_changes(std::chrono::milliseconds(50));
    if (file_arg.empty() && model.get() != serving && !model.get().empty()) {
      serving = model.get();
      const int64_t next = model_version.get() + 1;
      try {
        auto loaded = load_version(model_file(), make_model(config), config, next, device);
        server.set_model(std::move(loaded));  // the next batch uses it; running ones finish
        model_version = next;
        model_error = "";
        metrics.model_version.Set(static_cast<double>(next));
        log_line("now serving version " + std::to_string(next) + " (" + model_file().string() +
                 ")");
      } catch (const std::exception& e) {
        model_error = e.what();
        log_line("version " + std::to_string(next) + " not loaded, version " +
                 std::to_string(model_version.get()) + " keeps serving: " + e.what());
      }
    }
    if (Clock::now() - last_update >= std::chrono::milliseconds(250)) {
      requests = server.answered();
      last_update = Clock::now();
    }
  }
  ready = false;
  server.stop();
  requests = server.answered();
}

}  // namespace lightning::components
