// Forward differences of image planes and their adjoint, as kernel bodies (smoothed total
// variation's D, DESIGN.md section 2): D_h x(y, x) = x(y, x + 1) - x(y, x) and
// D_v x(y, x) = x(y + 1, x) - x(y, x), zero in the last column and row. The adjoint gathers what
// the CPU's scatter adds, with a weight per channel. Planes are n x channels of h x w.
#pragma once

#include <cstddef>

#include "backend/host_device.h"
#include "backend/kernels/pointwise_maps.h"

namespace bilevel::kernels {

// The plane of the images that slot plane q stands for: plane q itself, or with an active list
// (slots of `channels` planes each) channel q % channels of image active[q / channels].
BILEVEL_HD inline std::size_t PlaneOfSlot(const int* active, int channels, int q) {
  return active ? std::size_t(active[q / channels]) * channels + std::size_t(q % channels)
                : std::size_t(q);
}

// (gh, gv) = D x, stored by slot plane. Grid (w, h, planes).
template <typename T>
struct DifferencesBody {
  int h, w;
  const T* x;
  T* gh;
  T* gv;
  const int* active = nullptr;
  int channels = 1;
  BILEVEL_HD void operator()(int px, int y, int plane) const {
    const std::size_t at = std::size_t(y) * w + px;
    const std::size_t k = std::size_t(plane) * h * w + at;
    const std::size_t s = PlaneOfSlot(active, channels, plane) * h * w + at;
    gh[k] = px + 1 < w ? x[s + 1] - x[s] : T(0);
    gv[k] = y + 1 < h ? x[s + std::size_t(w)] - x[s] : T(0);
  }
};

// out = weight_c D^T (uh, uv), channel c of each plane; (uh, uv) by slot plane, out by image
// plane. Grid (w, h, planes).
template <typename T>
struct DifferencesAdjointBody {
  int h, w, channels;
  const T* weights;  // per channel
  const T* uh;
  const T* uv;
  T* out;
  const int* active = nullptr;
  BILEVEL_HD void operator()(int px, int y, int plane) const {
    const std::size_t at = std::size_t(y) * w + px;
    const std::size_t k = std::size_t(plane) * h * w + at;
    T sum = T(0);
    if (px >= 1) sum += uh[k - 1];
    if (px + 1 < w) sum -= uh[k];
    if (y >= 1) sum += uv[k - std::size_t(w)];
    if (y + 1 < h) sum -= uv[k];
    out[PlaneOfSlot(active, channels, plane) * h * w + at] = weights[plane % channels] * sum;
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

// Smoothed TV's value r - nu at each pixel of the differences, in double. Grid (count).
template <typename T>
struct TvValueBody {
  T nu;
  const T* gh;
  const T* gv;
  double* out;
  BILEVEL_HD void operator()(int e, int, int) const {
    out[e] = double(tv::Value(gh[e], gv[e], nu));
  }
};

// The mixed derivative's two terms at each pixel, in double: g . u / r and -(g . u) nu^2 / r^3
// with g = (gh, gv), u = (uh, uv). Grid (count).
template <typename T>
struct TvMixedBody {
  double nu2;
  const T* gh;
  const T* gv;
  const T* uh;
  const T* uv;
  double* first;
  double* smooth;
  BILEVEL_HD void operator()(int e, int, int) const {
    double f = 0.0, s = 0.0;
    tv::MixedTerms(gh[e], gv[e], uh[e], uv[e], nu2, &f, &s);
    first[e] = f;
    smooth[e] = s;
  }
};

}  // namespace bilevel::kernels
