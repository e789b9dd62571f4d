// The seam's pointwise maps (ResponseMap, backend/ops.h) on the CPU, a run of values of one
// channel at a time so that the choice of map stays outside the loop over values.
#pragma once

#include <cstddef>

#include "backend/kernels/pointwise_maps.h"
#include "backend/ops.h"

namespace bilevel::backend {

// dst[p] = m(z[p]) for `count` values of channel o, the first at `index` of the n x channels x
// plane responses (for the maps with a factor per value).
template <typename T>
void MapRow(const ResponseMap<T>& m, int o, std::size_t index, const T* z, std::size_t count,
            T* dst) {
  switch (m.kind) {
    case ResponseMap<T>::kFoeGradient: {
      const T s = m.foe.scale[o], nu2 = m.foe.nu * m.foe.nu;
      for (std::size_t p = 0; p < count; ++p)
        dst[p] = foe::WeightedPhiPrime(s, z[p], nu2);
      break;
    }
    case ResponseMap<T>::kFoeSecond: {
      const T s = m.foe.scale[o], nu2 = m.foe.nu * m.foe.nu;
      for (std::size_t p = 0; p < count; ++p)
        dst[p] = foe::WeightedPhiSecond(s, z[p], nu2);
      break;
    }
    case ResponseMap<T>::kFoeBound: {
      const T bound = m.foe.scale[o] / m.foe.nu;
      for (std::size_t p = 0; p < count; ++p)
        dst[p] = bound * z[p];
      break;
    }
    case ResponseMap<T>::kSplineValue: {
      const Splines<T>& s = m.splines;
      const T* c = s.values + std::size_t(o) * s.knots;
      for (std::size_t p = 0; p < count; ++p)
        dst[p] = m.lambda * spline::Value(c, s.knots, s.range, s.step, m.mu * z[p]);
      break;
    }
    case ResponseMap<T>::kSplineSlope: {
      const Splines<T>& s = m.splines;
      const T* c = s.values + std::size_t(o) * s.knots;
      for (std::size_t p = 0; p < count; ++p)
        dst[p] = m.lambda * m.mu * spline::Slope(c, s.knots, s.range, s.step, m.mu * z[p]);
      break;
    }
    case ResponseMap<T>::kMultiply: {
      const T* f = m.factor + index;
      for (std::size_t p = 0; p < count; ++p)
        dst[p] = f[p] * z[p];
      break;
    }
    case ResponseMap<T>::kChannelScale: {
      const T s = m.scale[o];
      for (std::size_t p = 0; p < count; ++p)
        dst[p] = s * z[p];
      break;
    }
  }
}

}  // namespace bilevel::backend
