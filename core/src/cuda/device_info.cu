// Device discovery for the CUDA backend: which GPU the engine would run on, or why none.
#include <cuda_runtime.h>

#include <string>

#include "bilevel/backend_info.h"

namespace bilevel {

CudaDeviceInfo QueryCudaDevice() {
  CudaDeviceInfo info;
  info.built = true;
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    info.message = err != cudaSuccess ? std::string("no CUDA device: ") + cudaGetErrorString(err)
                                      : std::string("no CUDA device found");
    cudaGetLastError();  // clear the sticky error state
    return info;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    info.message = "could not read the properties of CUDA device 0";
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
