#include "backend/cuda/pointwise_launches.h"

#include "backend/cuda/launch.cuh"

namespace bilevel::cuda {

template <typename T>
cudaError_t LaunchFoeMap(const kernels::FoeMapBody<T>& body, int n, cudaStream_t stream) {
  return LaunchBody({int(body.plane), body.kernels, n}, body, stream);
}

template <typename T>
cudaError_t LaunchSoftplus(const kernels::SoftplusBody<T>& body, int count, cudaStream_t stream) {
  return LaunchBody({count, 1, 1}, body, stream);
}

template <typename T>
cudaError_t LaunchSpline(const kernels::SplineBody<T>& body, int n, cudaStream_t stream) {
  return LaunchBody({int(body.plane), body.channels, n}, body, stream);
}

#define BILEVEL_INSTANTIATE(T)                                                                \
  template cudaError_t LaunchFoeMap<T>(const kernels::FoeMapBody<T>&, int, cudaStream_t);     \
  template cudaError_t LaunchSoftplus<T>(const kernels::SoftplusBody<T>&, int, cudaStream_t); \
  template cudaError_t LaunchSpline<T>(const kernels::SplineBody<T>&, int, cudaStream_t);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::cuda
