// Helpers of the CUDA parity suites: relative errors in long double that fail on non-finite
// values.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

namespace bilevel::cudatest {

// ||a - b|| / ||b||, or +inf when a holds a non-finite value or the sizes differ.
inline double RelativeError(const float* a, std::size_t na, const float* b, std::size_t nb) {
  if (na != nb) return std::numeric_limits<double>::infinity();
  long double diff = 0.0L, ref = 0.0L;
  for (std::size_t k = 0; k < na; ++k) {
    if (!std::isfinite(a[k])) return std::numeric_limits<double>::infinity();
    const long double d = (long double)a[k] - (long double)b[k];
    diff += d * d;
    ref += (long double)b[k] * (long double)b[k];
  }
  if (ref == 0.0L) return diff == 0.0L ? 0.0 : std::numeric_limits<double>::infinity();
  return double(std::sqrt(diff / ref));
}

}  // namespace bilevel::cudatest
