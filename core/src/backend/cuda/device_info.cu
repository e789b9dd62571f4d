// Device discovery for the CUDA backend: which GPU the engine would run on, or why none.
#include <cuda_runtime.h>

#include <string>

#include "bilevel/backend_info.h"

namespace bilevel {

CudaDeviceInfo QueryCudaDevice(int index) {
  CudaDeviceInfo info;
  info.built = true;
  info.index = index;
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  info.count = err == cudaSuccess ? count : 0;
  if (err != cudaSuccess || count == 0 || index < 0 || index >= count) {
    info.message = err != cudaSuccess ? std::string("no CUDA device: ") + cudaGetErrorString(err)
                   : count == 0       ? std::string("no CUDA device found")
                                      : "no CUDA device " + std::to_string(index);
    cudaGetLastError();  // clear the sticky error state
    return info;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
    info.message = "could not read the properties of CUDA device " + std::to_string(index);
    cudaGetLastError();
    return info;
  }
  info.available = true;
  info.name = prop.name;
  info.message = "CUDA runtime " + std::to_string(runtime / 1000) + "." +
                 std::to_string(runtime % 1000 / 10) + ", driver " + std::to_string(driver / 1000) +
                 "." + std::to_string(driver % 1000 / 10) + ", compute capability " +
                 std::to_string(prop.major) + "." + std::to_string(prop.minor) + ", " +
                 std::to_string(prop.totalGlobalMem >> 20) + " MiB";
  return info;
}

}  // namespace bilevel
