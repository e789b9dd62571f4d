// Functions that run on the host and on a CUDA device alike. The backend's kernel bodies and the
// solvers' per-image decisions are written once with BILEVEL_HD: nvcc compiles them for the
// device inside a kernel, and the C++ compiler for the host, where the CPU backend and the tests
// call them (a host loop over the same indices a CUDA grid would cover, backend/host_launch.h).
// Only what needs shared memory, warp intrinsics or a CUDA library stays device-only.
#pragma once

#include <cmath>
#include <type_traits>

#if defined(__CUDACC__)
#define BILEVEL_HD __host__ __device__
#else
#define BILEVEL_HD
#endif

namespace bilevel::hd {

// The math of the kernel bodies: the CUDA function of the matching precision on the device, the
// standard library's on the host.
template <typename T>
BILEVEL_HD inline T Sqrt(T v) {
#ifdef __CUDA_ARCH__
  if constexpr (std::is_same_v<T, float>)
    return sqrtf(v);
  else
    return sqrt(v);
#else
  return std::sqrt(v);
#endif
}

template <typename T>
BILEVEL_HD inline T Exp(T v) {
#ifdef __CUDA_ARCH__
  if constexpr (std::is_same_v<T, float>)
    return expf(v);
  else
    return exp(v);
#else
  return std::exp(v);
#endif
}

template <typename T>
BILEVEL_HD inline T Log1p(T v) {
#ifdef __CUDA_ARCH__
  if constexpr (std::is_same_v<T, float>)
    return log1pf(v);
  else
    return log1p(v);
#else
  return std::log1p(v);
#endif
}

template <typename T>
BILEVEL_HD inline T Abs(T v) {
  return v < T(0) ? -v : v;
}

template <typename T>
BILEVEL_HD inline bool Finite(T v) {
#ifdef __CUDA_ARCH__
  return isfinite(v);
#else
  return std::isfinite(v);
#endif
}

}  // namespace bilevel::hd
