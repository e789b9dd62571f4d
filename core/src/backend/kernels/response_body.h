// The bodies behind the seam's pointwise operations (backend/ops.h) on filter responses
// (n x J x plane), and the per-plane sums of its reductions: slot s of a launch works on image
// active[s]. backend/body_ops.h launches them, on a CUDA grid or in the host loop.
#pragma once

#include <cstddef>

#include "backend/host_device.h"
#include "backend/kernels/pointwise_maps.h"
#include "backend/kernels/response_kinds.h"
#include "backend/kernels/vector_body.h"

namespace bilevel::kernels {

// out = m(z) for the seam's maps of responses (backend/ops.h ResponseMap): the Field of Experts'
// phi family, the convex ridge regularizer's splines, a factor per value or a scale per channel.
// Grid (plane, channels, slots); out may be z.
template <typename T>
struct ResponseMapBody : ResponseMapKinds {
  Kind kind = kMultiply;
  int channels = 1;
  std::size_t plane = 0;
  T nu = T(1);
  const T* scale = nullptr;  // s_o (FoE kinds) or the channel scale
  int knots = 0;
  T range = T(0), step = T(0), lambda = T(1), mu = T(1);
  const T* values = nullptr;  // the splines, channels x knots
  const T* factor = nullptr;  // kMultiply
  const int* active = nullptr;
  const T* z = nullptr;
  T* out = nullptr;
  BILEVEL_HD void operator()(int p, int o, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * channels + std::size_t(o)) * plane + std::size_t(p);
    const T* c = values ? values + std::size_t(o) * knots : nullptr;
    switch (kind) {
      case kFoeGradient:
        out[k] = foe::WeightedPhiPrime(scale[o], z[k], nu * nu);
        break;
      case kFoeSecond:
        out[k] = foe::WeightedPhiSecond(scale[o], z[k], nu * nu);
        break;
      case kFoeBound:
        out[k] = scale[o] / nu * z[k];
        break;
      case kSplineValue:
        out[k] = lambda * spline::Value(c, knots, range, step, mu * z[k]);
        break;
      case kSplineSlope:
        out[k] = lambda * mu * spline::Slope(c, knots, range, step, mu * z[k]);
        break;
      case kMultiply:
        out[k] = factor[k] * z[k];
        break;
      case kChannelScale:
        out[k] = scale[o] * z[k];
        break;
    }
  }
};

// psi_o(mu z) = int_0^{mu z} sigma_o in double at each response, stored per slot; the knots'
// integrals are summed anew at each value, in the order of regularizers/linear_spline.h. Grid
// (plane, channels, slots).
template <typename T>
struct SplineIntegralBody {
  int channels, knots;
  std::size_t plane;
  T range, step, mu;
  const T* values;
  const int* active;
  const T* z;
  double* out;  // slots x channels x plane
  BILEVEL_HD double FromStart(const T* c, T t) const {
    int m;
    T frac;
    double at = 0.0;  // int_{-T}^{t_m} sigma for the knot m below t
    if (spline::Locate(t, knots, range, step, &m, &frac)) {
      for (int i = 1; i <= m; ++i)
        at += 0.5 * double(step) * double(c[i - 1] + c[i]);
      const double f = double(frac);
      return at + double(step) * (f * double(c[m]) + 0.5 * f * f * double(c[m + 1] - c[m]));
    }
    if (t < T(0)) return double(c[0]) * double(t + range);
    for (int i = 1; i < knots; ++i)
      at += 0.5 * double(step) * double(c[i - 1] + c[i]);
    return at + double(c[knots - 1]) * double(t - range);
  }
  BILEVEL_HD void operator()(int p, int o, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * channels + std::size_t(o)) * plane + std::size_t(p);
    const T* c = values + std::size_t(o) * knots;
    out[(std::size_t(slot) * channels + std::size_t(o)) * plane + std::size_t(p)] =
        FromStart(c, mu * z[k]) - FromStart(c, T(0));
  }
};

// The convex ridge regularizer's mixed derivative at each response z with r the response to the
// direction, t = mu z: g1 = lambda mu sigma'(t) r, g2 = lambda sigma(t), and per slot the terms
// sigma(t) r and sigma'(t) t r in double. Grid (plane, channels, slots).
template <typename T>
struct CrrMixedBody {
  int channels, knots;
  std::size_t plane;
  T range, step, lambda, mu;
  const T* values;
  const int* active;
  const T* z;
  const T* r;
  T* g1;
  T* g2;
  double* first;   // slots x channels x plane
  double* second;  // slots x channels x plane
  BILEVEL_HD void operator()(int p, int o, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * channels + std::size_t(o)) * plane + std::size_t(p);
    const std::size_t s = (std::size_t(slot) * channels + std::size_t(o)) * plane + std::size_t(p);
    const T* c = values + std::size_t(o) * knots;
    const T t = mu * z[k];
    const double sigma = double(spline::Value(c, knots, range, step, t));
    const double slope = double(spline::Slope(c, knots, range, step, t));
    first[s] = sigma * double(r[k]);
    second[s] = slope * double(t) * double(r[k]);
    g1[k] = T(double(lambda) * double(mu) * slope * double(r[k]));
    g2[k] = T(double(lambda) * sigma);
  }
};

// dc[slot][o][m] = lambda sum_p r(p) d sigma_o(mu z(p)) / d c_m, in double, gathered per knot.
// Grid (knots, channels, slots).
template <typename T>
struct SplineGradientBody {
  int channels, knots;
  std::size_t plane;
  T range, step, lambda, mu;
  const int* active;
  const T* z;
  const T* r;
  double* dc;
  BILEVEL_HD void operator()(int knot, int o, int slot) const {
    const std::size_t base = (std::size_t(active[slot]) * channels + std::size_t(o)) * plane;
    double sum = 0.0;
    for (std::size_t p = 0; p < plane; ++p) {
      const T t = mu * z[base + p];
      const double weight = double(lambda) * double(r[base + p]);
      int m;
      T frac;
      if (!spline::Locate(t, knots, range, step, &m, &frac)) {
        if (knot == (t < T(0) ? 0 : knots - 1)) sum += weight;
      } else if (knot == m) {
        sum += weight * double(T(1) - frac);
      } else if (knot == m + 1) {
        sum += weight * double(frac);
      }
    }
    dc[(std::size_t(slot) * channels + std::size_t(o)) * knots + std::size_t(knot)] = sum;
  }
};

// The Field of Experts' mixed derivative at each response z with kq the response to the
// direction: a = s_j phi''(z) kq, b = s_j phi'(z), and the terms phi'(z) kq and -z phi''(z) kq
// that are summed per plane. Grid (plane, J, slots); the terms are stored per slot.
template <typename T>
struct FoeMixedBody {
  int kernels;
  std::size_t plane;
  T nu;
  const T* scale;
  const int* active;
  const T* z;
  const T* kq;
  T* a;
  T* b;
  T* first;   // slots x J x plane
  T* smooth;  // slots x J x plane
  BILEVEL_HD void operator()(int p, int j, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * kernels + std::size_t(j)) * plane + std::size_t(p);
    const std::size_t t = (std::size_t(slot) * kernels + std::size_t(j)) * plane + std::size_t(p);
    T phi1, phi2;
    foe::PhiDerivatives(z[k], nu * nu, &phi1, &phi2);
    first[t] = phi1 * kq[k];
    smooth[t] = -(z[k] * phi2 * kq[k]);
    a[k] = scale[j] * phi2 * kq[k];
    b[k] = scale[j] * phi1;
  }
};

// phi(z) in double, stored per slot. Grid (plane, J, slots).
template <typename T>
struct FoePhiBody {
  int kernels;
  std::size_t plane;
  double nu;
  const int* active;
  const T* z;
  double* phi;  // slots x J x plane
  BILEVEL_HD void operator()(int p, int j, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * kernels + std::size_t(j)) * plane + std::size_t(p);
    phi[(std::size_t(slot) * kernels + std::size_t(j)) * plane + std::size_t(p)] =
        foe::Phi(double(z[k]), nu);
  }
};

// First pass of the sums of `planes` planes of `plane` values: partial[q * chunks +
// c] = the sum of chunk c of plane q, in double. Grid (Chunks(plane), planes, 1).
template <typename U>
struct PlaneSumPartialBody {
  std::size_t plane;
  const U* values;
  double* partial;
  // With an active list, plane q is channel q % channels of image active[q / channels].
  const int* active = nullptr;
  int channels = 1;
  BILEVEL_HD void operator()(int c, int q, int) const {
    const std::size_t source =
        active ? std::size_t(active[q / channels]) * channels + std::size_t(q % channels)
               : std::size_t(q);
    const U* v = values + source * plane;
    const std::size_t begin = std::size_t(c) * kChunk;
    const std::size_t end = begin + kChunk < plane ? begin + kChunk : plane;
    double sum = 0.0;
    for (std::size_t k = begin; k < end; ++k)
      sum += double(v[k]);
    partial[std::size_t(q) * std::size_t(Chunks(plane)) + std::size_t(c)] = sum;
  }
};

// Second pass: out[q * stride] = the partial sums of plane q in order. Grid (planes, 1, 1).
struct PlaneSumBody {
  int chunks;
  int stride;
  const double* partial;
  double* out;
  BILEVEL_HD void operator()(int q, int, int) const {
    double sum = 0.0;
    for (int c = 0; c < chunks; ++c)
      sum += partial[std::size_t(q) * std::size_t(chunks) + std::size_t(c)];
    out[std::size_t(q) * std::size_t(stride)] = sum;
  }
};

// out_i = a_i * b_i, value by value, for images of `size` values. Grid (size, 1, slots).
template <typename T>
struct ProductBody {
  std::size_t size;
  const int* active;
  const T* a;
  const T* b;
  T* out;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    out[k] = a[k] * b[k];
  }
};

}  // namespace bilevel::kernels
