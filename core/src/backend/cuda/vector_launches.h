// The per-image vector bodies (backend/kernels/vector_body.h) launched on a CUDA device for the
// `count` images listed in `active`. Every pointer, the lists and per-image scalars included, is
// a device pointer; the calls are asynchronous on `stream` and return the launch's error.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace bilevel::cuda {

// y_i = alpha[i] x_i + beta[i] y_i for the listed images of `size` values each.
template <typename T>
cudaError_t Axpby(std::size_t size, int count, const int* active, const double* alpha,
                  const double* beta, const T* x, T* y, cudaStream_t stream);
// dst_i = src_i, or 0 when src is null.
template <typename T>
cudaError_t CopyImages(std::size_t size, int count, const int* active, const T* src, T* dst,
                       cudaStream_t stream);
// out[i] = <a_i, b_i> (or its square root with root, for a norm with b = a) in double, through
// partial (count * kernels::Chunks(size) values of scratch).
template <typename T>
cudaError_t DotImages(std::size_t size, int count, const int* active, const T* a, const T* b,
                      bool root, double* partial, double* out, cudaStream_t stream);

}  // namespace bilevel::cuda
