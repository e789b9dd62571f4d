// The Field of Experts' pointwise maps of the filter responses z (DESIGN.md section 2), written
// once for the CPU regularizer (foe.cpp) and the CUDA kernels (cuda/foe_*_kernels.cu):
//
//   phi(z) = sqrt(z^2 + nu^2) - nu,   phi'(z) = z / r,   phi''(z) = nu^2 / r^3,   r = sqrt(z^2 +
//   nu^2)
//
// Each keeps the exact order of operations both backends have always used, so that the CPU
// numbers stay bit for bit (test_golden_runs) and the GPU agrees with them to float rounding.
#pragma once

#include <cmath>
#include <type_traits>

#include "solvers/solver_steps.h"  // BILEVEL_HOST_DEVICE

namespace bilevel::foe {

template <typename T>
BILEVEL_HOST_DEVICE inline T Sqrt(T v) {
#ifdef __CUDA_ARCH__
  if constexpr (std::is_same_v<T, float>)
    return sqrtf(v);
  else
    return sqrt(v);
#else
  return std::sqrt(v);
#endif
}

// phi(z), in the precision of T (the value is summed in double).
template <typename T>
BILEVEL_HOST_DEVICE inline T Phi(T z, T nu) {
  return Sqrt(z * z + nu * nu) - nu;
}

// s phi'(z) = s z / sqrt(z^2 + nu^2): the gradient's map with the expert's weight s.
template <typename T>
BILEVEL_HOST_DEVICE inline T WeightedPhiPrime(T s, T z, T nu2) {
  return s * z / Sqrt(z * z + nu2);
}

// s phi''(z) = s nu^2 / r^3: the Hessian's diagonal with the expert's weight s.
template <typename T>
BILEVEL_HOST_DEVICE inline T WeightedPhiSecond(T s, T z, T nu2) {
  const T r2 = z * z + nu2;
  return s * nu2 / (r2 * Sqrt(r2));
}

// phi'(z) and phi''(z) together, for the mixed derivative.
template <typename T>
BILEVEL_HOST_DEVICE inline void PhiDerivatives(T z, T nu2, T* phi1, T* phi2) {
  const T r2 = z * z + nu2, r = Sqrt(r2);
  *phi1 = z / r;
  *phi2 = nu2 / (r2 * r);
}

}  // namespace bilevel::foe
