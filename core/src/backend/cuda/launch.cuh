// Runs a kernel body (a struct with a __host__ __device__ operator()(ix, iy, iz)) over a grid on
// the device: one thread per x index, blocks over y, and z folded into the grid's third dimension
// (loops past 65535). The same body runs on the host through HostLaunch (backend/host_launch.h),
// which is how the CPU tests execute it.
#pragma once

#include <cuda_runtime.h>

#include "backend/host_launch.h"

namespace bilevel::cuda {

constexpr int kBodyThreads = 128;
constexpr int kMaxGridZ = 65535;

template <typename Body>
__global__ void RunBody(LaunchGrid grid, Body body) {
  const int ix = int(blockIdx.x) * kBodyThreads + int(threadIdx.x);
  if (ix >= grid.x) return;
  for (int iz = int(blockIdx.z); iz < grid.z; iz += int(gridDim.z))
    body(ix, int(blockIdx.y), iz);
}

// Launches body over grid on stream; the launch's error, if any (the grid's y must be at most
// 65535).
template <typename Body>
cudaError_t LaunchBody(const LaunchGrid& grid, const Body& body, cudaStream_t stream) {
  if (grid.x <= 0 || grid.y <= 0 || grid.z <= 0) return cudaSuccess;
  if (grid.y > kMaxGridZ) return cudaErrorInvalidConfiguration;
  const dim3 blocks(unsigned((grid.x + kBodyThreads - 1) / kBodyThreads), unsigned(grid.y),
                    unsigned(grid.z < kMaxGridZ ? grid.z : kMaxGridZ));
  RunBody<<<blocks, kBodyThreads, 0, stream>>>(grid, body);
  return cudaGetLastError();
}

}  // namespace bilevel::cuda
