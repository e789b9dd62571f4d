// Forward differences of image planes and their adjoint, as kernel bodies (smoothed total
// variation's D, DESIGN.md section 2): D_h x(y, x) = x(y, x + 1) - x(y, x) and
// D_v x(y, x) = x(y + 1, x) - x(y, x), zero in the last column and row. The adjoint gathers what
// the CPU's scatter adds, with a weight per channel. Planes are n x channels of h x w.
#pragma once

#include <cstddef>

#include "backend/host_device.h"
#include "backend/kernels/pointwise_maps.h"

namespace bilevel::kernels {

// (gh, gv) = D x. Grid (w, h, planes).
template <typename T>
struct DifferencesBody {
  int h, w;
  const T* x;
  T* gh;
  T* gv;
  BILEVEL_HD void operator()(int px, int y, int plane) const {
    const std::size_t k = std::size_t(plane) * h * w + std::size_t(y) * w + px;
    gh[k] = px + 1 < w ? x[k + 1] - x[k] : T(0);
    gv[k] = y + 1 < h ? x[k + std::size_t(w)] - x[k] : T(0);
  }
};

// out = weight_c D^T (uh, uv), channel c of each plane. Grid (w, h, planes).
template <typename T>
struct DifferencesAdjointBody {
  int h, w, channels;
  const T* weights;  // per channel
  const T* uh;
  const T* uv;
  T* out;
  BILEVEL_HD void operator()(int px, int y, int plane) const {
    const std::size_t k = std::size_t(plane) * h * w + std::size_t(y) * w + px;
    T sum = T(0);
    if (px >= 1) sum += uh[k - 1];
    if (px + 1 < w) sum -= uh[k];
    if (y >= 1) sum += uv[k - std::size_t(w)];
    if (y + 1 < h) sum -= uv[k];
    out[k] = weights[plane % channels] * sum;
  }
};

// Smoothed TV's maps at each pixel, in place on (uh, uv): the gradient's g / r (with g given in
// (uh, uv)), or the Hessian's u / r - g (g . u) / r^3 at the differences (gh, gv). Grid (count).
template <typename T>
struct TvMapBody {
  bool hessian;
  T nu;
  const T* gh;  // hessian only
  const T* gv;
  T* uh;
  T* uv;
  BILEVEL_HD void operator()(int e, int, int) const {
    if (hessian)
      tv::HessianMap(gh[e], gv[e], nu, uh + e, uv + e);
    else
      tv::GradientMap(nu, uh + e, uv + e);
  }
};

}  // namespace bilevel::kernels
