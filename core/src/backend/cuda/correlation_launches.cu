#include "backend/cuda/correlation_launches.h"

#include "backend/cuda/launch.cuh"

namespace bilevel::cuda {

template <typename T>
cudaError_t CorrelateForward(const kernels::ConvGeometry& g, int n, const T* x, const T* w, T* z,
                             cudaStream_t stream) {
  return LaunchBody({g.w, g.h, n * g.out_channels}, kernels::CorrelateForwardBody<T>{g, x, w, z},
                    stream);
}

template <typename T>
cudaError_t CorrelateAdjoint(const kernels::ConvGeometry& g, int n, const T* z, const T* w, T* out,
                             cudaStream_t stream) {
  return LaunchBody({g.w, g.h, n * g.in_channels}, kernels::CorrelateAdjointBody<T>{g, z, w, out},
                    stream);
}

template <typename T>
cudaError_t CorrelateWeightGradients(const kernels::ConvGeometry& g, int n, const T* x, const T* z,
                                     double* grad, cudaStream_t stream) {
  return LaunchBody({g.k * g.k, g.in_channels, n * g.out_channels},
                    kernels::WeightGradientBody<T>{g, x, z, grad}, stream);
}

#define BILEVEL_INSTANTIATE(T)                                                                    \
  template cudaError_t CorrelateForward<T>(const kernels::ConvGeometry&, int, const T*, const T*, \
                                           T*, cudaStream_t);                                     \
  template cudaError_t CorrelateAdjoint<T>(const kernels::ConvGeometry&, int, const T*, const T*, \
                                           T*, cudaStream_t);                                     \
  template cudaError_t CorrelateWeightGradients<T>(const kernels::ConvGeometry&, int, const T*,   \
                                                   const T*, double*, cudaStream_t);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::cuda
