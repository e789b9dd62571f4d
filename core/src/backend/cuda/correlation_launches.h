// The correlation bodies (backend/kernels/correlation_point.h) launched on a CUDA device, one
// thread per value, for n images. Pointers are device pointers; the calls are asynchronous on
// `stream` and return the launch's error. These are the general kernels any regularizer built
// from correlations runs on; the Field of Experts' tiled kernels are faster for its shapes.
#pragma once

#include <cuda_runtime.h>

#include "backend/kernels/correlation_point.h"

namespace bilevel::cuda {

// z (n x out x h x w) = K x (n x in x h x w).
template <typename T>
cudaError_t CorrelateForward(const kernels::ConvGeometry& g, int n, const T* x, const T* w, T* z,
                             cudaStream_t stream);
// out (n x in x h x w) = K^T z (n x out x h x w).
template <typename T>
cudaError_t CorrelateAdjoint(const kernels::ConvGeometry& g, int n, const T* z, const T* w, T* out,
                             cudaStream_t stream);
// grad (n x out x in x k x k, double) = the weight gradient of <K x_i, z_i> for each image i.
template <typename T>
cudaError_t CorrelateWeightGradients(const kernels::ConvGeometry& g, int n, const T* x, const T* z,
                                     double* grad, cudaStream_t stream);

}  // namespace bilevel::cuda
