// Runs a kernel body over a grid on the host: the loop a CUDA launch of one thread per index
// would run, in a fixed order. The CPU tests use it to execute the backend's __host__ __device__
// bodies (backend/kernels/) against the CPU implementation, so that an index error fails here,
// without a device.
#pragma once

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

}  // namespace bilevel
