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

Status ChooseDevice(DevicePreference preference, bool allow_cpu_fallback, DeviceChoice* choice,
                    int local_rank, const std::function<CudaSelfCheck(int)>& self_check) {
  if (preference == DevicePreference::kCpu) {
    *choice = DeviceChoice{};
    choice->backend = CpuBackendDescription();
    return Status::Ok();
  }
  const CudaDeviceInfo first = QueryCudaDevice();
  const int index = DeviceIndexForLocalRank(local_rank, first.count);
  return ChooseDevice(preference, allow_cpu_fallback, index == 0 ? first : QueryCudaDevice(index),
                      self_check, choice);
}

Status ChooseDevice(DevicePreference preference, bool allow_cpu_fallback,
                    const CudaDeviceInfo& cuda, const std::function<CudaSelfCheck(int)>& self_check,
                    DeviceChoice* choice) {
  *choice = DeviceChoice{};
  choice->backend = CpuBackendDescription();
  if (preference == DevicePreference::kCpu) return Status::Ok();
  const bool usable = cuda.built && cuda.available;
  if (preference == DevicePreference::kAuto) {
    if (!usable) return Status::Ok();  // no GPU: the CPU, without a word
    const CudaSelfCheck check = self_check(cuda.index);
    if (!check.passed) {
      choice->warnings.push_back("the GPU " + cuda.name + " failed its start-up self-check (" +
                                 check.message + "); running on the CPU");
      return Status::Ok();
    }
    choice->gpu = true;
    choice->device = cuda.index;
    choice->backend = "GPU: " + cuda.name;
    return Status::Ok();
  }
  if (usable) {
    choice->gpu = true;
    choice->device = cuda.index;
    choice->backend = "GPU: " + cuda.name;
    return Status::Ok();
  }
  const std::string why = !cuda.built ? "this build has no CUDA backend"
                          : cuda.message.rfind("no CUDA device", 0) == 0
                              ? cuda.message
                              : "no CUDA device: " + cuda.message;
  if (!allow_cpu_fallback)
    return Status::Error("device \"cuda\" was requested but " + why +
                         " (set allow_cpu_fallback or use device \"cpu\")");
  choice->warnings.push_back("device \"cuda\" was requested but " + why + "; running on the CPU");
  return Status::Ok();
}

int DeviceIndexForLocalRank(int local_rank, int devices) {
  return devices > 0 && local_rank > 0 ? local_rank % devices : 0;
}

#ifndef BILEVEL_HAVE_CUDA
CudaDeviceInfo QueryCudaDevice(int) {
  CudaDeviceInfo info;
  info.message = "built without the CUDA backend";
  return info;
}

CudaSelfCheck RunCudaSelfCheck(int) {
  CudaSelfCheck check;
  check.message = "built without the CUDA backend";
  return check;
}
#endif

}  // namespace bilevel
