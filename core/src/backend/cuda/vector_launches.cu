#include "backend/cuda/vector_launches.h"

#include "backend/cuda/launch.cuh"
#include "backend/kernels/vector_body.h"

namespace bilevel::cuda {

template <typename T>
cudaError_t Axpby(std::size_t size, int count, const int* active, const double* alpha,
                  const double* beta, const T* x, T* y, cudaStream_t stream) {
  return LaunchBody({int(size), 1, count}, kernels::AxpbyBody<T>{size, active, alpha, beta, x, y},
                    stream);
}

template <typename T>
cudaError_t CopyImages(std::size_t size, int count, const int* active, const T* src, T* dst,
                       cudaStream_t stream) {
  return LaunchBody({int(size), 1, count}, kernels::CopyBody<T>{size, active, src, dst}, stream);
}

template <typename T>
cudaError_t DotImages(std::size_t size, int count, const int* active, const T* a, const T* b,
                      bool root, double* partial, double* out, cudaStream_t stream) {
  const int chunks = kernels::Chunks(size);
  if (cudaError_t err = LaunchBody({chunks, 1, count},
                                   kernels::DotPartialBody<T>{size, active, a, b, partial}, stream);
      err != cudaSuccess)
    return err;
  return LaunchBody({1, 1, count}, kernels::ReduceBody{chunks, active, partial, root, out}, stream);
}

#define BILEVEL_INSTANTIATE(T)                                                                  \
  template cudaError_t Axpby<T>(std::size_t, int, const int*, const double*, const double*,     \
                                const T*, T*, cudaStream_t);                                    \
  template cudaError_t CopyImages<T>(std::size_t, int, const int*, const T*, T*, cudaStream_t); \
  template cudaError_t DotImages<T>(std::size_t, int, const int*, const T*, const T*, bool,     \
                                    double*, double*, cudaStream_t);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::cuda
