// What the engine runs on: the CPU pool and, when built with CUDA, the device.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

struct CudaDeviceInfo {
  bool built = false;      // compiled with the CUDA backend
  bool available = false;  // a usable device was found
  int count = 0;           // devices on this machine
  int index = 0;           // the device described
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
CudaSelfCheck RunCudaSelfCheck(int device = 0);

// "CPU: 2 threads (x86-64-v3)".
std::string CpuBackendDescription();
// Device `index` (the first by default), or why none is usable.
CudaDeviceInfo QueryCudaDevice(int index = 0);

// Where the engine runs: "cpu" the CPU; "cuda" the GPU (an error without one, unless the CPU is
// allowed); "auto" the GPU when there is one and its start-up self-check passes, else the CPU.
enum class DevicePreference { kAuto, kCpu, kCuda };
const char* ToString(DevicePreference device);
std::optional<DevicePreference> DevicePreferenceFromString(std::string_view text);

struct DeviceChoice {
  bool gpu = false;
  int device = 0;       // the CUDA device, when gpu
  std::string backend;  // "GPU: <name>" or the CPU description
  std::vector<std::string> warnings;
};

// The engine for a preference, from what QueryCudaDevice() and RunCudaSelfCheck() report:
// "cuda" takes the GPU when the build has the backend and a device is present, otherwise the CPU
// with a warning when allow_cpu_fallback is set, else an error saying why; "auto" takes the GPU
// when a device is present and the self-check passes, the CPU otherwise (with a warning saying
// why when the self-check failed).
// A process that is not alone on its machine (under mpirun) gives its rank among the processes
// there: it uses device DeviceIndexForLocalRank(local_rank, devices). self_check (default:
// RunCudaSelfCheck) is what "auto" runs on that device.
Status ChooseDevice(DevicePreference preference, bool allow_cpu_fallback, DeviceChoice* choice,
                    int local_rank = 0,
                    const std::function<CudaSelfCheck(int)>& self_check = RunCudaSelfCheck);
// The same decision for a given device and self-check (run only for "auto" on a device).
Status ChooseDevice(DevicePreference preference, bool allow_cpu_fallback,
                    const CudaDeviceInfo& device,
                    const std::function<CudaSelfCheck(int)>& self_check, DeviceChoice* choice);

// The CUDA device a process uses: its rank among the processes of its machine modulo the devices
// there (0 for a single process).
int DeviceIndexForLocalRank(int local_rank, int devices);

}  // namespace bilevel
