// What the engine runs on: the CPU pool and, when built with CUDA, the device.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

struct CudaDeviceInfo {
  bool built = false;      // compiled with the CUDA backend
  bool available = false;  // a usable device was found
  std::string name;        // device name, when available
  std::string message;     // why no device is usable, or the runtime/driver versions
};

// The start-up self-check of the CUDA backend: a small case of each device operation of the
// backend seam against the same kernel body run on the host. Not passed, with the reason, when
// the build has no CUDA backend, no device is usable, or an operation disagrees or fails.
struct CudaSelfCheck {
  bool passed = false;
  int operations = 0;  // operations checked
  double milliseconds = 0.0;
  std::string message;  // what failed, or a summary
};
CudaSelfCheck RunCudaSelfCheck();

// "CPU: 2 threads (x86-64-v3)".
std::string CpuBackendDescription();
CudaDeviceInfo QueryCudaDevice();

// Where the engine runs: "cuda" asks for the GPU engine; "auto" and "cpu" take the CPU (the GPU
// engine is opt-in until it has passed its parity suite on a device).
enum class DevicePreference { kAuto, kCpu, kCuda };
const char* ToString(DevicePreference device);
std::optional<DevicePreference> DevicePreferenceFromString(std::string_view text);

// Whether the GPU engine implements a regularizer type (the Field of Experts only, for now).
bool CudaSupportsRegularizer(const std::string& type);

struct DeviceChoice {
  bool gpu = false;
  std::string backend;  // "GPU: <name>" or the CPU description
  std::vector<std::string> warnings;
};

// The engine for a preference and a regularizer type: "cuda" takes the GPU when the build has
// the backend, a device is present and the GPU engine has the type; otherwise the CPU with a
// warning when allow_cpu_fallback is set, else an error saying why.
Status ChooseDevice(DevicePreference preference, bool allow_cpu_fallback,
                    const std::string& regularizer_type, DeviceChoice* choice);

}  // namespace bilevel
