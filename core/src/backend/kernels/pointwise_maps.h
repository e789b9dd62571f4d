// The pointwise maps of the built-in regularizers (DESIGN.md section 2), written once for the CPU
// and the CUDA backends: the Field of Experts' phi family, smoothed total variation's norm, the
// softplus of the input-convex network, and the convex ridge regularizer's linear spline with its
// integral. Each keeps the order of operations the CPU regularizers have always used, so that
// their numbers stay bit for bit (test_golden_runs), and a device agrees with them to rounding.
#pragma once

#include "backend/host_device.h"

namespace bilevel {

// --- Field of Experts --------------------------------------------------------------------------
//   phi(z) = sqrt(z^2 + nu^2) - nu,   phi'(z) = z / r,   phi''(z) = nu^2 / r^3,
//   r = sqrt(z^2 + nu^2)
namespace foe {

// phi(z), in the precision of T (the value is summed in double).
template <typename T>
BILEVEL_HD inline T Phi(T z, T nu) {
  return hd::Sqrt(z * z + nu * nu) - nu;
}

// s phi'(z) = s z / sqrt(z^2 + nu^2): the gradient's map with the expert's weight s.
template <typename T>
BILEVEL_HD inline T WeightedPhiPrime(T s, T z, T nu2) {
  return s * z / hd::Sqrt(z * z + nu2);
}

// s phi''(z) = s nu^2 / r^3: the Hessian's diagonal with the expert's weight s.
template <typename T>
BILEVEL_HD inline T WeightedPhiSecond(T s, T z, T nu2) {
  const T r2 = z * z + nu2;
  return s * nu2 / (r2 * hd::Sqrt(r2));
}

// phi'(z) and phi''(z) together, for the mixed derivative.
template <typename T>
BILEVEL_HD inline void PhiDerivatives(T z, T nu2, T* phi1, T* phi2) {
  const T r2 = z * z + nu2, r = hd::Sqrt(r2);
  *phi1 = z / r;
  *phi2 = nu2 / (r2 * r);
}

}  // namespace foe

// --- Smoothed total variation ------------------------------------------------------------------
// With g = (g_h, g_v) the forward differences at a pixel and r = sqrt(|g|^2 + nu^2):
//   value sqrt(|g|^2 + nu^2) - nu,  gradient map g / r,
//   Hessian map u -> u / r - g (g . u) / r^3.
namespace tv {

template <typename T>
BILEVEL_HD inline T Value(T gh, T gv, T nu) {
  return hd::Sqrt(gh * gh + gv * gv + nu * nu) - nu;
}

// (uh, uv) = g / r, with g given in (uh, uv).
template <typename T>
BILEVEL_HD inline void GradientMap(T nu, T* uh, T* uv) {
  const T r = hd::Sqrt(*uh * *uh + *uv * *uv + nu * nu);
  *uh /= r;
  *uv /= r;
}

// (uh, uv) = u / r - g (g . u) / r^3 at the differences g = (gh, gv).
template <typename T>
BILEVEL_HD inline void HessianMap(T gh, T gv, T nu, T* uh, T* uv) {
  const T r = hd::Sqrt(gh * gh + gv * gv + nu * nu);
  const T dot = (gh * *uh + gv * *uv) / (r * r * r);
  *uh = *uh / r - gh * dot;
  *uv = *uv / r - gv * dot;
}

// The mixed derivative's two terms at one pixel, in double: (g . q) / r towards the channel's
// weight and -(g . q) nu^2 / r^3 towards the smoothing.
template <typename T>
BILEVEL_HD inline void MixedTerms(T gh, T gv, T qh, T qv, double nu2, double* first,
                                  double* smooth) {
  const double r = hd::Sqrt(double(gh) * gh + double(gv) * gv + nu2);
  const double dot = double(gh) * qh + double(gv) * qv;
  *first += dot / r;
  *smooth -= dot * nu2 / (r * r * r);
}

}  // namespace tv

// --- Softplus ------------------------------------------------------------------------------------
// act(t) = log(1 + exp(beta t)) / beta, overflow-safe with e = exp(-beta |t|):
//   act(t) = (max(beta t, 0) + log1p(e)) / beta,  act'(t) = logistic(beta t),
//   act''(t) = beta e / (1 + e)^2.
// The CPU backend evaluates the same formulas with vectorised exp and log1p, which round
// differently from the scalar functions by an ulp or so.
namespace softplus {

template <typename T>
BILEVEL_HD inline void Maps(T t, T beta, T* act, T* slope, T* curvature) {
  const T e = hd::Exp(-beta * hd::Abs(t));
  const T c = T(1) / (T(1) + e);
  *slope = t >= T(0) ? c : e * c;
  if (act) *act = ((beta * t > T(0) ? beta * t : T(0)) + hd::Log1p(e)) / beta;
  *curvature = beta * e * (c * c);
}

}  // namespace softplus

// --- Linear spline -------------------------------------------------------------------------------
// sigma with K knots t_m = -T + step m (step = 2T / (K - 1)) and values c_m, linear between the
// knots and constant outside [-T, T]; at a knot the slope is the one to its right (0 at and beyond
// T). `integral` holds int_{-T}^{t_m} sigma for each knot.
namespace spline {

// The segment [t_m, t_m+1) holding t and the position in it; false outside [-T, T).
template <typename T>
BILEVEL_HD inline bool Locate(T t, int knots, T range, T step, int* m, T* frac) {
  const T s = (t + range) / step;
  if (!(s >= T(0)) || s >= T(knots - 1)) return false;
  const int i = int(s);
  *m = i < knots - 2 ? i : knots - 2;
  *frac = s - T(*m);
  return true;
}

template <typename T>
BILEVEL_HD inline T Value(const T* values, int knots, T range, T step, T t) {
  int m;
  T frac;
  if (!Locate(t, knots, range, step, &m, &frac)) return t < T(0) ? values[0] : values[knots - 1];
  return values[m] + frac * (values[m + 1] - values[m]);
}

template <typename T>
BILEVEL_HD inline T Slope(const T* values, int knots, T range, T step, T t) {
  int m;
  T frac;
  if (!Locate(t, knots, range, step, &m, &frac)) return T(0);
  return (values[m + 1] - values[m]) / step;
}

// int_{-T}^t sigma, in double.
template <typename T>
BILEVEL_HD inline double IntegralFromStart(const T* values, const double* integral, int knots,
                                           T range, T step, T t) {
  int m;
  T frac;
  if (Locate(t, knots, range, step, &m, &frac)) {
    const double f = double(frac);
    return integral[m] +
           double(step) * (f * double(values[m]) + 0.5 * f * f * double(values[m + 1] - values[m]));
  }
  if (t < T(0)) return double(values[0]) * double(t + range);
  return integral[knots - 1] + double(values[knots - 1]) * double(t - range);
}

}  // namespace spline

}  // namespace bilevel
