// What the engine runs on: the CPU pool and, when built with CUDA, the device.
#pragma once

#include <string>

namespace bilevel {

struct CudaDeviceInfo {
  bool built = false;      // compiled with the CUDA backend
  bool available = false;  // a usable device was found
  std::string name;        // device name, when available
  std::string message;     // why no device is usable, or the runtime/driver versions
};

// "CPU: 2 threads (x86-64-v3)".
std::string CpuBackendDescription();
CudaDeviceInfo QueryCudaDevice();

}  // namespace bilevel
