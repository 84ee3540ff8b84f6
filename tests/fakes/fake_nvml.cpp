// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// A fake libnvidia-ml.so.1 for node::query_nvml's test (tests/unit/node/
// gpu_detect_test.cpp): the NVML functions the worker calls, with NVML's C
// signatures, over two H100s. FAKE_NVML_FAIL_INIT=1 makes nvmlInit_v2 fail as
// on a machine with the library but no driver; device 1 can be made
// inaccessible with FAKE_NVML_HIDE_1=1.
#include <cstdlib>
#include <cstring>

namespace {
struct FakeDevice {
  const char* name;
  const char* uuid;
  unsigned long long total;  // NOLINT(google-runtime-int): NVML's type
};
FakeDevice g_devices[2] = {
    {"NVIDIA H100 80GB HBM3", "GPU-11111111-2222-3333-4444-555555555555", 85520809984ULL},
    {"NVIDIA H100 80GB HBM3", "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 85520809984ULL},
};
bool g_init = false;
}  // namespace

extern "C" {
struct nvmlMemory_st {
  unsigned long long total, free, used;  // NOLINT(google-runtime-int)
};
int nvmlInit_v2() {
  if (std::getenv("FAKE_NVML_FAIL_INIT") != nullptr) return 9;  // NVML_ERROR_DRIVER_NOT_LOADED
  g_init = true;
  return 0;
}
int nvmlShutdown() {
  g_init = false;
  return 0;
}
const char* nvmlErrorString(int rc) { return rc == 9 ? "Driver Not Loaded" : "Unknown Error"; }
int nvmlDeviceGetCount_v2(unsigned* n) {
  if (!g_init) return 1;  // NVML_ERROR_UNINITIALIZED
  *n = 2;
  return 0;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned i, void** dev) {
  if (!g_init || i > 1) return 2;  // NVML_ERROR_INVALID_ARGUMENT
  if (i == 1 && std::getenv("FAKE_NVML_HIDE_1") != nullptr) return 4;  // NO_PERMISSION
  *dev = &g_devices[i];
  return 0;
}
int nvmlDeviceGetName(void* dev, char* name, unsigned length) {
  std::strncpy(name, static_cast<FakeDevice*>(dev)->name, length);
  return 0;
}
int nvmlDeviceGetUUID(void* dev, char* uuid, unsigned length) {
  std::strncpy(uuid, static_cast<FakeDevice*>(dev)->uuid, length);
  return 0;
}
int nvmlDeviceGetMemoryInfo(void* dev, nvmlMemory_st* mem) {
  mem->total = static_cast<FakeDevice*>(dev)->total;
  mem->free = mem->total;
  mem->used = 0;
  return 0;
}
}
