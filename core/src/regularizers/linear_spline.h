// A learnable activation of the convex ridge regularizer (DESIGN.md section 2): the linear spline
// sigma with K knots t_m = -T + 2T m / (K - 1) and values c_m = sigma(t_m), linear between knots
// and constant outside [-T, T], and its integral psi(t) = int_0^t sigma. At a knot the slope is
// the one to its right (0 at and beyond T).
#pragma once

#include <algorithm>
#include <vector>

#include "backend/kernels/pointwise_maps.h"

namespace bilevel {

template <typename T>
class LinearSpline {
 public:
  LinearSpline(int knots, double range)
      : knots_(knots),
        range_(T(range)),
        step_(T(2.0 * range / (knots - 1))),
        values_(knots, T(0)),
        integral_(knots, 0.0) {}

  int knots() const { return knots_; }
  double knot(int m) const { return -double(range_) + double(step_) * m; }
  const std::vector<T>& values() const { return values_; }

  void setValues(const T* c) {
    std::copy(c, c + knots_, values_.begin());
    integral_[0] = 0.0;
    for (int m = 1; m < knots_; ++m)
      integral_[m] = integral_[m - 1] + 0.5 * double(step_) * double(values_[m - 1] + values_[m]);
    zero_ = Integral(T(0));
  }

  T value(T t) const { return spline::Value(values_.data(), knots_, range_, step_, t); }
  T slope(T t) const { return spline::Slope(values_.data(), knots_, range_, step_, t); }
  // psi(t) = int_0^t sigma.
  double integral(T t) const { return Integral(t) - zero_; }
  // grad[m] += w * d sigma(t) / d c_m (at most two knots).
  void addValueGradient(T t, double w, double* grad) const {
    int m;
    T frac;
    if (!Locate(t, &m, &frac)) {
      grad[t < T(0) ? 0 : knots_ - 1] += w;
      return;
    }
    grad[m] += w * double(T(1) - frac);
    grad[m + 1] += w * double(frac);
  }
  T maxSlope() const {
    T best = T(0);
    for (int m = 0; m + 1 < knots_; ++m)
      best = std::max(best, (values_[m + 1] - values_[m]) / step_);
    return best;
  }

 private:
  bool Locate(T t, int* m, T* frac) const {
    return spline::Locate(t, knots_, range_, step_, m, frac);
  }
  // int_{-T}^t sigma.
  double Integral(T t) const {
    return spline::IntegralFromStart(values_.data(), integral_.data(), knots_, range_, step_, t);
  }

  int knots_;
  T range_, step_;
  std::vector<T> values_;
  std::vector<double> integral_;  // int_{-T}^{t_m} sigma
  double zero_ = 0.0;             // int_{-T}^0 sigma
};

}  // namespace bilevel
