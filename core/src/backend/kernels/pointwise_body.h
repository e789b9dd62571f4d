// The pointwise maps of backend/kernels/pointwise_maps.h over whole batches, as kernel bodies:
// one call per value, the same on a CUDA grid and in the host loop.
#pragma once

#include <cstddef>

#include "backend/host_device.h"
#include "backend/kernels/pointwise_maps.h"

namespace bilevel::kernels {

// The Field of Experts' maps of filter responses z (n x J x plane), in place or into out:
// s_j phi'(z) (the gradient's) or s_j phi''(z) times v (the Hessian's, with v the responses
// to the direction; v may be out). Grid (plane, J, n).
template <typename T>
struct FoeMapBody {
  enum Kind { kGradient, kHessian };
  Kind kind;
  int kernels;
  std::size_t plane;
  T nu2;
  const T* scale;  // s_j, J values
  const T* z;
  const T* v;  // kHessian only
  T* out;
  BILEVEL_HD void operator()(int p, int j, int n) const {
    const std::size_t k = (std::size_t(n) * kernels + j) * plane + std::size_t(p);
    out[k] = kind == kGradient ? foe::WeightedPhiPrime(scale[j], z[k], nu2)
                               : foe::WeightedPhiSecond(scale[j], z[k], nu2) * v[k];
  }
};

// The softplus of `count` values t: its value (when act is given), slope and curvature.
// Grid (count, 1, 1).
template <typename T>
struct SoftplusBody {
  T beta;
  const T* t;
  T* act;  // may be null
  T* slope;
  T* curvature;
  BILEVEL_HD void operator()(int e, int, int) const {
    softplus::Maps(t[e], beta, act ? act + e : nullptr, slope + e, curvature + e);
  }
};

// A linear spline per channel applied to t (n x channels x plane): its value or, with slope, its
// derivative. values holds each channel's knots in turn. Grid (plane, channels, n).
template <typename T>
struct SplineBody {
  int knots;
  T range;
  T step;
  int channels;
  std::size_t plane;
  const T* values;
  bool slope;
  const T* t;
  T* out;
  BILEVEL_HD void operator()(int p, int c, int n) const {
    const std::size_t k = (std::size_t(n) * channels + c) * plane + std::size_t(p);
    const T* v = values + std::size_t(c) * knots;
    out[k] = slope ? spline::Slope(v, knots, range, step, t[k])
                   : spline::Value(v, knots, range, step, t[k]);
  }
};

// x += b_c on channel c of each image (n x channels x plane), or of image active[n] with an
// active list. Grid (plane, channels, n).
template <typename T>
struct ChannelBiasBody {
  int channels;
  std::size_t plane;
  const T* bias;
  T* x;
  const int* active = nullptr;
  BILEVEL_HD void operator()(int p, int c, int n) const {
    const std::size_t i = std::size_t(active ? active[n] : n);
    x[(i * channels + c) * plane + std::size_t(p)] += bias[c];
  }
};

// The softplus maps of the listed images of `size` values each. Grid (size, 1, active count).
template <typename T>
struct ImageSoftplusBody {
  std::size_t size;
  const int* active;
  T beta;
  const T* t;
  T* act;  // may be null
  T* slope;
  T* curvature;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    softplus::Maps(t[k], beta, act ? act + k : nullptr, slope + k, curvature + k);
  }
};

// out = scale a * b, value by value (out may be a or b). Grid (count, 1, 1).
template <typename T>
struct MultiplyBody {
  T scale;
  const T* a;
  const T* b;
  T* out;
  BILEVEL_HD void operator()(int e, int, int) const { out[e] = scale * a[e] * b[e]; }
};

}  // namespace bilevel::kernels
