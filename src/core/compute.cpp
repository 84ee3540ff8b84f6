// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/compute.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace lightning {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kMiB = 1024.0 * 1024.0;

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

int64_t memory_of(double amount, double unit, const char* setter, const char* unit_name) {
  const double max = static_cast<double>(Compute::kMaxMemoryBytes) / unit;
  if (!(amount >= 0 && amount <= max)) {  // also refuses NaN
    throw std::invalid_argument(std::string("Compute::") + setter + "(" + number_text(amount) +
                                "): must be >= 0 (0 = not given) and at most " + number_text(max) +
                                " " + unit_name + " (1 PiB)");
  }
  return static_cast<int64_t>(std::llround(amount * unit));
}

bool is_accelerator_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-' || c == '_' ||
         c == '.';
}

}  // namespace

Compute& Compute::cpus(double n) {
  if (!(n >= 0 && n <= kMaxCpus) || (n > 0 && n < 0.001)) {
    throw std::invalid_argument("Compute::cpus(" + number_text(n) +
                                "): must be 0 (not given) or from 0.001 (one millicore) to " +
                                number_text(kMaxCpus) + " logical CPUs");
  }
  milli_cpus_ = static_cast<int64_t>(std::llround(n * 1000.0));
  return *this;
}

Compute& Compute::memory_gb(double gib) {
  memory_bytes_ = memory_of(gib, kGiB, "memory_gb", "GiB");
  return *this;
}

Compute& Compute::memory_mb(double mib) {
  memory_bytes_ = memory_of(mib, kMiB, "memory_mb", "MiB");
  return *this;
}

Compute& Compute::memory_bytes(int64_t bytes) {
  if (bytes < 0 || bytes > kMaxMemoryBytes) {
    throw std::invalid_argument("Compute::memory_bytes(" + std::to_string(bytes) +
                                "): must be >= 0 (0 = not given) and at most " +
                                std::to_string(kMaxMemoryBytes) + " (1 PiB)");
  }
  memory_bytes_ = bytes;
  return *this;
}

Compute& Compute::gpus(int n) {
  if (n < 0 || n > kMaxGpus) {
    throw std::invalid_argument("Compute::gpus(" + std::to_string(n) +
                                "): must be >= 0 (0 = none) and at most " +
                                std::to_string(kMaxGpus));
  }
  gpus_ = n;
  return *this;
}

Compute& Compute::accelerator(std::string model) {
  bool ok = model.size() <= kMaxAcceleratorLength;
  for (char c : model) ok = ok && is_accelerator_char(c);
  if (!ok) {
    throw std::invalid_argument(
        "Compute::accelerator(\"" + model.substr(0, kMaxAcceleratorLength) +
        "\"): must be a GPU model name of at most 64 characters from letters, digits, ' ', '-', "
        "'_' and '.' (e.g. \"H100\", \"A100-80GB\"); empty = any model");
  }
  accelerator_ = std::move(model);
  return *this;
}

const std::vector<std::string>& Compute::preset_names() {
  static const std::vector<std::string> names{"cpu-small", "cpu-large", "gpu", "gpu-multi"};
  return names;
}

Compute Compute::preset(std::string_view name) {
  if (name == "cpu-small") return Compute().cpus(1).memory_gb(2);
  if (name == "cpu-large") return Compute().cpus(8).memory_gb(32);
  if (name == "gpu") return Compute().gpus(1).cpus(4).memory_gb(16);
  if (name == "gpu-multi") return Compute().gpus(4).cpus(16).memory_gb(64);
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("Compute::preset(\"" + std::string(name.substr(0, 100)) +
                              "\"): no such preset; known presets: " + known);
}

Json Compute::to_json() const {
  return Json{{"cpus", cpus()},
              {"memory_bytes", memory_bytes_},
              {"gpus", gpus_},
              {"accelerator", accelerator_}};
}

Compute Compute::from_json(const Json& j) {
  if (!j.is_object()) {
    throw std::invalid_argument(
        "Compute::from_json: expected an object like {\"cpus\": 4, "
        "\"memory_bytes\": 0, \"gpus\": 1, \"accelerator\": \"\"}, got " +
        std::string(j.type_name()));
  }
  Compute c;
  for (const auto& [key, value] : j.items()) {
    if (key == "cpus") {
      if (!value.is_number())
        throw std::invalid_argument("Compute::from_json: cpus must be a number");
      c.cpus(value.get<double>());
    } else if (key == "memory_bytes") {
      if (!value.is_number_integer()) {
        throw std::invalid_argument("Compute::from_json: memory_bytes must be an integer");
      }
      if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(kMaxMemoryBytes)) {
        throw std::invalid_argument("Compute::from_json: memory_bytes must be at most " +
                                    std::to_string(kMaxMemoryBytes) + " (1 PiB)");
      }
      c.memory_bytes(value.get<int64_t>());
    } else if (key == "gpus") {
      if (!value.is_number_integer()) {
        throw std::invalid_argument("Compute::from_json: gpus must be an integer");
      }
      const auto n = value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(kMaxGpus)
                         ? int64_t{kMaxGpus} + 1
                         : value.get<int64_t>();
      if (n < 0 || n > kMaxGpus) {
        throw std::invalid_argument("Compute::from_json: gpus " + value.dump() +
                                    ": must be >= 0 (0 = none) and at most " +
                                    std::to_string(kMaxGpus));
      }
      c.gpus(static_cast<int>(n));
    } else if (key == "accelerator") {
      if (!value.is_string()) {
        throw std::invalid_argument("Compute::from_json: accelerator must be a string");
      }
      c.accelerator(value.get<std::string>());
    } else {
      throw std::invalid_argument("Compute::from_json: unknown field '" + key.substr(0, 100) +
                                  "'; known: cpus, memory_bytes, gpus, accelerator");
    }
  }
  return c;
}

std::string format_memory(int64_t bytes) {
  const auto b = static_cast<double>(bytes);
  if (bytes >= int64_t{1} << 30) return number_text(std::round(b / kGiB * 100) / 100) + " GiB";
  if (bytes >= int64_t{1} << 20) return number_text(std::round(b / kMiB * 100) / 100) + " MiB";
  return std::to_string(bytes) + " B";
}

std::string format_cpus(int64_t milli_cpus) {
  return number_text(static_cast<double>(milli_cpus) / 1000.0);
}

std::string Compute::describe() const {
  if (is_empty()) return "nothing";
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (gpus() > 0) {
    add(std::to_string(gpus()) + (gpus() == 1 ? " GPU" : " GPUs") +
        (accelerator_.empty() ? "" : " (" + accelerator_ + ")"));
  }
  if (milli_cpus_ > 0) add(format_cpus(milli_cpus_) + (milli_cpus_ == 1000 ? " CPU" : " CPUs"));
  if (memory_bytes_ > 0) add(format_memory(memory_bytes_));
  return out;
}

}  // namespace lightning
