#include "bilevel/backend_info.h"

#include <string>

#include "base/field_error.h"
#include "bilevel/backend_options.h"

#include "bilevel/thread_pool.h"

namespace bilevel {

std::string CpuBackendDescription() {
  std::string isa;
#if defined(__AVX512F__)
  isa = "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
  isa = "AVX2+FMA";
#elif defined(__SSE2__)
  isa = "SSE2";
#else
  isa = "scalar";
#endif
  const int threads = ThreadCount();
  return "CPU: " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") + " (" + isa +
         ")";
}

const char* ToString(DevicePreference device) {
  switch (device) {
    case DevicePreference::kAuto:
      return "auto";
    case DevicePreference::kCpu:
      return "cpu";
    case DevicePreference::kCuda:
      return "cuda";
  }
  return "unknown";
}

std::optional<DevicePreference> DevicePreferenceFromString(std::string_view text) {
  if (text == "auto") return DevicePreference::kAuto;
  if (text == "cpu") return DevicePreference::kCpu;
  if (text == "cuda" || text == "gpu") return DevicePreference::kCuda;
  return std::nullopt;
}

Status BackendOptions::validate() const {
  if (!DevicePreferenceFromString(ToString(device)))
    return Status::Error("device is not a known device preference");
  if (threads < 0) return FieldError("", "threads", "must be >= 0", threads);
  return Status::Ok();
}

bool CudaSupportsRegularizer(const std::string& type) {
  return type == "field_of_experts";
}

Status ChooseDevice(DevicePreference preference, bool allow_cpu_fallback,
                    const std::string& regularizer_type, DeviceChoice* choice) {
  *choice = DeviceChoice{};
  choice->backend = CpuBackendDescription();
  if (preference == DevicePreference::kCpu) return Status::Ok();
  // "auto" stays on the CPU until the GPU engine has passed its parity suite on a device
  // (docs/BENCHMARKS.md); "cuda" asks for it by name.
  if (preference != DevicePreference::kCuda) return Status::Ok();
  const CudaDeviceInfo cuda = QueryCudaDevice();
  std::string why;
  if (!cuda.built) {
    why = "this build has no CUDA backend";
  } else if (!cuda.available) {
    why = cuda.message.rfind("no CUDA device", 0) == 0 ? cuda.message
                                                       : "no CUDA device: " + cuda.message;
  } else if (!CudaSupportsRegularizer(regularizer_type)) {
    why = "the GPU engine has no \"" + regularizer_type +
          "\" regularizer (it has \"field_of_experts\")";
  } else {
    choice->gpu = true;
    choice->backend = "GPU: " + cuda.name;
    return Status::Ok();
  }
  if (!allow_cpu_fallback)
    return Status::Error("device \"cuda\" was requested but " + why +
                         " (set allow_cpu_fallback or use device \"cpu\")");
  choice->warnings.push_back("device \"cuda\" was requested but " + why + "; running on the CPU");
  return Status::Ok();
}

#ifndef BILEVEL_HAVE_CUDA
CudaDeviceInfo QueryCudaDevice() {
  CudaDeviceInfo info;
  info.message = "built without the CUDA backend";
  return info;
}

CudaSelfCheck RunCudaSelfCheck() {
  CudaSelfCheck check;
  check.message = "built without the CUDA backend";
  return check;
}
#endif

}  // namespace bilevel
