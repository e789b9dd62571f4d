// Runs a kernel body over a grid on the host: the loop a CUDA launch of one thread per index
// would run, in a fixed order. The CPU tests use it to execute the backend's __host__ __device__
// bodies (backend/kernels/) against the CPU implementation, so that an index error fails here,
// without a device.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

namespace bilevel {

struct LaunchGrid {
  int x = 1, y = 1, z = 1;
};

// body(ix, iy, iz) for every index of the grid, x fastest.
template <typename Body>
void HostLaunch(const LaunchGrid& grid, Body&& body) {
  for (int iz = 0; iz < grid.z; ++iz)
    for (int iy = 0; iy < grid.y; ++iy)
      for (int ix = 0; ix < grid.x; ++ix)
        body(ix, iy, iz);
}

namespace backend {

// Host memory and the host loop: the Device the CPU tests run BodyOps over.
struct HostLoopDevice {
  bool ok() const { return true; }
  std::string error() const { return {}; }
  void enter() {}
  template <typename U>
  U* allocate(std::size_t count) {
    return new U[count]();
  }
  template <typename U>
  void release(U* data) noexcept {
    delete[] data;
  }
  template <typename U>
  void upload(const U* host, std::size_t count, U* dst) {
    std::copy(host, host + count, dst);
  }
  template <typename U>
  void download(const U* src, std::size_t count, U* host) {
    std::copy(src, src + count, host);
  }
  template <typename U>
  void copy(const U* src, std::size_t count, U* dst) {
    std::copy(src, src + count, dst);
  }
  template <typename Body>
  void launch(const LaunchGrid& grid, const Body& body) {
    HostLaunch(grid, body);
  }
  void synchronize() {}
};

}  // namespace backend

}  // namespace bilevel
