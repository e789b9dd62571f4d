// The pointwise and difference bodies (backend/kernels/pointwise_body.h, difference_body.h)
// launched on a CUDA device. Each takes
// the body itself, filled with device pointers; the calls are asynchronous on `stream` and return
// the launch's error.
#pragma once

#include <cuda_runtime.h>

#include "backend/kernels/difference_body.h"
#include "backend/kernels/pointwise_body.h"

namespace bilevel::cuda {

// Over n images of J x plane responses.
template <typename T>
cudaError_t LaunchFoeMap(const kernels::FoeMapBody<T>& body, int n, cudaStream_t stream);
// Over `count` values.
template <typename T>
cudaError_t LaunchSoftplus(const kernels::SoftplusBody<T>& body, int count, cudaStream_t stream);
// Over n images of channels x plane values.
template <typename T>
cudaError_t LaunchSpline(const kernels::SplineBody<T>& body, int n, cudaStream_t stream);

// Over n images of channels x plane values.
template <typename T>
cudaError_t LaunchChannelBias(const kernels::ChannelBiasBody<T>& body, int n, cudaStream_t stream);
// Over `count` values.
template <typename T>
cudaError_t LaunchMultiply(const kernels::MultiplyBody<T>& body, int count, cudaStream_t stream);
// Over `planes` image planes (n x channels).
template <typename T>
cudaError_t LaunchDifferences(const kernels::DifferencesBody<T>& body, int planes,
                              cudaStream_t stream);
template <typename T>
cudaError_t LaunchDifferencesAdjoint(const kernels::DifferencesAdjointBody<T>& body, int planes,
                                     cudaStream_t stream);
// Over `count` pixels.
template <typename T>
cudaError_t LaunchTvMap(const kernels::TvMapBody<T>& body, int count, cudaStream_t stream);

}  // namespace bilevel::cuda
