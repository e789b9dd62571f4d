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

template <typename T>
cudaError_t LaunchChannelBias(const kernels::ChannelBiasBody<T>& body, int n, cudaStream_t stream) {
  return LaunchBody({int(body.plane), body.channels, n}, body, stream);
}

template <typename T>
cudaError_t LaunchMultiply(const kernels::MultiplyBody<T>& body, int count, cudaStream_t stream) {
  return LaunchBody({count, 1, 1}, body, stream);
}

template <typename T>
cudaError_t LaunchDifferences(const kernels::DifferencesBody<T>& body, int planes,
                              cudaStream_t stream) {
  return LaunchBody({body.w, body.h, planes}, body, stream);
}

template <typename T>
cudaError_t LaunchDifferencesAdjoint(const kernels::DifferencesAdjointBody<T>& body, int planes,
                                     cudaStream_t stream) {
  return LaunchBody({body.w, body.h, planes}, body, stream);
}

template <typename T>
cudaError_t LaunchTvMap(const kernels::TvMapBody<T>& body, int count, cudaStream_t stream) {
  return LaunchBody({count, 1, 1}, body, stream);
}

#define BILEVEL_INSTANTIATE(T)                                                                     \
  template cudaError_t LaunchFoeMap<T>(const kernels::FoeMapBody<T>&, int, cudaStream_t);          \
  template cudaError_t LaunchSoftplus<T>(const kernels::SoftplusBody<T>&, int, cudaStream_t);      \
  template cudaError_t LaunchSpline<T>(const kernels::SplineBody<T>&, int, cudaStream_t);          \
  template cudaError_t LaunchDifferences<T>(const kernels::DifferencesBody<T>&, int,               \
                                            cudaStream_t);                                         \
  template cudaError_t LaunchDifferencesAdjoint<T>(const kernels::DifferencesAdjointBody<T>&, int, \
                                                   cudaStream_t);                                  \
  template cudaError_t LaunchTvMap<T>(const kernels::TvMapBody<T>&, int, cudaStream_t);            \
  template cudaError_t LaunchChannelBias<T>(const kernels::ChannelBiasBody<T>&, int,               \
                                            cudaStream_t);                                         \
  template cudaError_t LaunchMultiply<T>(const kernels::MultiplyBody<T>&, int, cudaStream_t);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::cuda
