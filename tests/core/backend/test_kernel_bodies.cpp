// The backend's __host__ __device__ kernel bodies, run here by the host loop that stands in for a
// CUDA grid (HostLaunch): the correlation's forward, adjoint and weight gradient against the CPU's
// tiled ConvLayer on random inputs under both boundary rules and at kernel sizes up to the image;
// the boundary rule's mirror images against SourceIndex; and the pointwise maps against finite
// differences and independent definitions. An index error in a body fails here, without a GPU.
#include <QTest>

#include <cmath>
#include <vector>

#include "backend/host_launch.h"
#include "backend/kernels/boundary_index.h"
#include "backend/kernels/correlation_point.h"
#include "backend/kernels/pointwise_maps.h"
#include "regularizers/conv_layer.h"
#include "test_support.h"

namespace bilevel {
namespace {

using kernels::ConvGeometry;

struct ConvCase {
  int in, out, h, w, k;
  Boundary boundary;
};

ConvGeometry Geometry(const ConvCase& c) {
  ConvGeometry g;
  g.in_channels = c.in;
  g.out_channels = c.out;
  g.h = c.h;
  g.w = c.w;
  g.k = c.k;
  g.reflect = c.boundary == Boundary::kReflect101;
  return g;
}

// z = K x through the kernel body, one "thread" per output value.
template <typename T>
std::vector<T> LaunchForward(const ConvGeometry& g, const std::vector<T>& x,
                             const std::vector<T>& w) {
  std::vector<T> z(std::size_t(g.out_channels) * g.plane());
  HostLaunch({g.w, g.h, g.out_channels}, [&](int px, int y, int o) {
    z[std::size_t(o) * g.plane() + std::size_t(y) * g.w + px] =
        kernels::CorrelatePoint(g, x.data(), w.data(), o, y, px);
  });
  return z;
}

template <typename T>
std::vector<T> LaunchAdjoint(const ConvGeometry& g, const std::vector<T>& z,
                             const std::vector<T>& w) {
  std::vector<T> out(std::size_t(g.in_channels) * g.plane());
  HostLaunch({g.w, g.h, g.in_channels}, [&](int px, int y, int c) {
    out[std::size_t(c) * g.plane() + std::size_t(y) * g.w + px] =
        kernels::CorrelateAdjointPoint(g, z.data(), w.data(), c, y, px);
  });
  return out;
}

std::vector<double> LaunchWeightGradient(const ConvGeometry& g, const std::vector<double>& x,
                                         const std::vector<double>& z) {
  std::vector<double> grad(std::size_t(g.out_channels) * g.in_channels * g.k * g.k);
  HostLaunch({g.k * g.k, g.in_channels, g.out_channels}, [&](int uv, int c, int o) {
    const int u = uv / g.k, v = uv % g.k;
    grad[g.weightIndex(o, c, u, v)] =
        kernels::WeightGradientPoint(g, x.data(), z.data(), o, c, u, v);
  });
  return grad;
}

// Small and odd sizes, kernels as large as the image allows under reflect-101 (r <= n - 1).
std::vector<ConvCase> Cases() {
  std::vector<ConvCase> cases;
  for (Boundary b : {Boundary::kReflect101, Boundary::kZero}) {
    cases.push_back({1, 1, 1, 1, 1, b});
    cases.push_back({1, 2, 5, 4, 3, b});
    cases.push_back({3, 4, 13, 11, 5, b});
    cases.push_back({2, 3, 8, 9, 7, b});
    cases.push_back({4, 2, 6, 7, 11, b});
  }
  return cases;
}

QString Name(const ConvCase& c) {
  return QString("%1->%2 %3x%4 k%5 %6")
      .arg(c.in)
      .arg(c.out)
      .arg(c.h)
      .arg(c.w)
      .arg(c.k)
      .arg(ToString(c.boundary));
}

}  // namespace

class TestKernelBodies : public QObject {
  Q_OBJECT

 private slots:
  void mirrorImagesAreExactlyTheIndicesThatReadASource() {
    for (bool reflect : {true, false})
      for (int n : {1, 2, 3, 5, 9})
        for (int r = 0; r <= n - 1 && r <= 5; ++r)
          for (int s = 0; s < n; ++s) {
            std::vector<int> expected;
            for (int i = -r; i < n + r; ++i)
              if (kernels::SourceIndex(i, n, reflect) == s) expected.push_back(i);
            int got[3];
            const int count = kernels::MirrorImages(s, n, r, reflect, got);
            QCOMPARE(std::vector<int>(got, got + count), expected);
          }
    // Beyond one reflection (a tile's overhang) reads zero.
    QCOMPARE(kernels::SourceIndex(-5, 5, true), -1);
    QCOMPARE(kernels::SourceIndex(9, 5, true), -1);
    QCOMPARE(kernels::SourceIndex(-1, 5, false), -1);
  }

  void forwardMatchesTheCpuConvLayer() {
    for (const ConvCase& c : Cases()) {
      const ConvGeometry g = Geometry(c);
      const auto x = test::RandomValues<double>(std::size_t(c.in) * g.plane(), 1);
      const auto w = test::RandomValues<double>(std::size_t(c.out) * c.in * c.k * c.k, 2);
      ConvLayer<double> layer(c.in, c.out, c.k, c.boundary);
      layer.setWeights(w.data());
      std::vector<double> expected(std::size_t(c.out) * g.plane());
      layer.forward(x.data(), c.h, c.w, expected.data());
      const double err = test::RelativeError(LaunchForward(g, x, w), expected);
      QVERIFY2(err < 1e-14, qPrintable(Name(c) + QString(": %1").arg(err)));
    }
  }

  void adjointMatchesTheCpuConvLayer() {
    for (const ConvCase& c : Cases()) {
      const ConvGeometry g = Geometry(c);
      const auto z = test::RandomValues<double>(std::size_t(c.out) * g.plane(), 3);
      const auto w = test::RandomValues<double>(std::size_t(c.out) * c.in * c.k * c.k, 4);
      ConvLayer<double> layer(c.in, c.out, c.k, c.boundary);
      layer.setWeights(w.data());
      std::vector<double> expected(std::size_t(c.in) * g.plane());
      layer.adjoint(z.data(), c.h, c.w, expected.data());
      const double err = test::RelativeError(LaunchAdjoint(g, z, w), expected);
      QVERIFY2(err < 1e-14, qPrintable(Name(c) + QString(": %1").arg(err)));
    }
  }

  // <K x, z> = <x, K^T z> for the bodies alone, in float and double.
  void forwardAndAdjointBodiesAreAnAdjointPair() {
    for (const ConvCase& c : Cases()) {
      const ConvGeometry g = Geometry(c);
      const auto x = test::RandomValues<float>(std::size_t(c.in) * g.plane(), 5);
      const auto z = test::RandomValues<float>(std::size_t(c.out) * g.plane(), 6);
      const auto w = test::RandomValues<float>(std::size_t(c.out) * c.in * c.k * c.k, 7);
      const auto kx = LaunchForward(g, x, w);
      const auto ktz = LaunchAdjoint(g, z, w);
      const double lhs = test::DotRange(kx.data(), z.data(), kx.size());
      const double rhs = test::DotRange(x.data(), ktz.data(), x.size());
      const double scale =
          test::NormRange(kx.data(), kx.size()) * test::NormRange(z.data(), z.size());
      QVERIFY2(test::AdjointMismatch(lhs, rhs, scale) < 1e-5, qPrintable(Name(c)));
    }
  }

  void weightGradientMatchesTheCpuConvLayer() {
    for (const ConvCase& c : Cases()) {
      const ConvGeometry g = Geometry(c);
      const auto x = test::RandomValues<double>(std::size_t(c.in) * g.plane(), 8);
      const auto z = test::RandomValues<double>(std::size_t(c.out) * g.plane(), 9);
      ConvLayer<double> layer(c.in, c.out, c.k, c.boundary);
      std::vector<double> expected(std::size_t(layer.weightCount()), 0.0);
      layer.addWeightGradient(z.data(), x.data(), c.h, c.w, expected.data());
      const double err = test::RelativeError(LaunchWeightGradient(g, x, z), expected);
      QVERIFY2(err < 1e-13, qPrintable(Name(c) + QString(": %1").arg(err)));
    }
  }

  // d/dt <K(w + t dw) x, z> at t = 0 against the weight gradient: a check that does not lean on
  // the CPU implementation.
  void weightGradientIsTheDerivativeOfTheForward() {
    const ConvCase c{2, 3, 7, 6, 5, Boundary::kReflect101};
    const ConvGeometry g = Geometry(c);
    const auto x = test::RandomValues<double>(std::size_t(c.in) * g.plane(), 10);
    const auto z = test::RandomValues<double>(std::size_t(c.out) * g.plane(), 11);
    const auto w = test::RandomValues<double>(std::size_t(c.out) * c.in * c.k * c.k, 12);
    const auto dw = test::RandomValues<double>(w.size(), 13);
    const auto f = [&](double t) {
      std::vector<double> wt(w.size());
      for (std::size_t k = 0; k < w.size(); ++k)
        wt[k] = w[k] + t * dw[k];
      const auto kx = LaunchForward(g, x, wt);
      return test::DotRange(kx.data(), z.data(), kx.size());
    };
    const auto grad = LaunchWeightGradient(g, x, z);
    const double predicted = test::DotRange(grad.data(), dw.data(), grad.size());
    QVERIFY(test::RelativeError(test::CentralDifference(f, 1e-3), predicted) < 1e-9);
  }

  void fieldOfExpertsMapsAreTheDerivativesOfPhi() {
    const double nu = 0.3, nu2 = nu * nu, s = 1.7;
    for (double z : {-2.0, -0.31, 0.0, 0.05, 1.2, 40.0}) {
      const auto phi = [&](double t) { return foe::Phi(z + t, nu); };
      QVERIFY(test::RelativeError(foe::WeightedPhiPrime(s, z, nu2),
                                  s * test::CentralDifference(phi, 1e-5), 1e-8) < 1e-7);
      const auto prime = [&](double t) { return foe::WeightedPhiPrime(1.0, z + t, nu2); };
      // Far out phi'' is tiny beside the rounding of phi' differences: an absolute floor.
      QVERIFY(test::RelativeError(foe::WeightedPhiSecond(s, z, nu2),
                                  s * test::CentralDifference(prime, 1e-5), 1e-3) < 1e-6);
      double phi1, phi2;
      foe::PhiDerivatives(z, nu2, &phi1, &phi2);
      QCOMPARE(phi1, foe::WeightedPhiPrime(1.0, z, nu2));
      QCOMPARE(phi2, foe::WeightedPhiSecond(1.0, z, nu2));
    }
  }

  void totalVariationMapsAreTheDerivativesOfItsValue() {
    const double nu = 0.05, gh = 0.3, gv = -0.2, qh = 0.7, qv = 0.4;
    // Gradient map: d/dt Value(g + t q) = (gradient map of g) . q.
    double uh = gh, uv = gv;
    tv::GradientMap(nu, &uh, &uv);
    const auto value = [&](double t) { return tv::Value(gh + t * qh, gv + t * qv, nu); };
    QVERIFY(test::RelativeError(uh * qh + uv * qv, test::CentralDifference(value, 1e-6)) < 1e-8);
    // Hessian map: d/dt (gradient map of g + t q) = Hessian map of q.
    double hh = qh, hv = qv;
    tv::HessianMap(gh, gv, nu, &hh, &hv);
    const auto map_h = [&](double t) {
      double a = gh + t * qh, b = gv + t * qv;
      tv::GradientMap(nu, &a, &b);
      return a;
    };
    QVERIFY(test::RelativeError(hh, test::CentralDifference(map_h, 1e-6)) < 1e-7);
    // Mixed terms: (g . q) / r, and nu d/dnu of it (the derivative in log nu).
    double first = 0.0, smooth = 0.0;
    tv::MixedTerms(gh, gv, qh, qv, nu * nu, &first, &smooth);
    QVERIFY(test::RelativeError(first, uh * qh + uv * qv) < 1e-14);
    const auto along_q = [&](double t) {
      const double n = nu * std::exp(t);
      double a = gh, b = gv;
      tv::GradientMap(n, &a, &b);
      return a * qh + b * qv;
    };
    QVERIFY(test::RelativeError(smooth, test::CentralDifference(along_q, 1e-6)) < 1e-7);
  }

  void softplusMapsAgreeWithItsDefinition() {
    const double beta = 10.0;
    for (double t : {-50.0, -1.0, -0.07, 0.0, 0.02, 0.5, 3.0, 80.0}) {
      double act, slope, curvature;
      softplus::Maps(t, beta, &act, &slope, &curvature);
      const long double e = std::exp((long double)beta * t);
      const double expected = double(std::log1p(e) / beta);
      QVERIFY2(test::RelativeError(act, expected, 1e-300) < 1e-14, qPrintable(QString::number(t)));
      QVERIFY(test::RelativeError(slope, double(e / (1.0L + e))) < 1e-14);
      QVERIFY(test::RelativeError(curvature, double(beta * e / ((1.0L + e) * (1.0L + e))), 1e-300) <
              1e-13);
      // Without the value, the derivatives are the same.
      double slope2, curvature2;
      softplus::Maps(t, beta, static_cast<double*>(nullptr), &slope2, &curvature2);
      QCOMPARE(slope2, slope);
      QCOMPARE(curvature2, curvature);
    }
  }

  // The spline against linear interpolation written out knot by knot, and its integral against
  // the trapezoid rule on a fine grid (exact for a piecewise linear function on the knots).
  void linearSplineAgreesWithInterpolationAndItsIntegral() {
    const int knots = 7;
    const double range = 1.5, step = 2.0 * range / (knots - 1);
    const auto values = test::RandomValues<double>(knots, 14);
    std::vector<double> integral(knots, 0.0);
    for (int m = 1; m < knots; ++m)
      integral[m] = integral[m - 1] + 0.5 * step * (values[m - 1] + values[m]);
    const auto reference = [&](double t) {
      if (t <= -range) return values.front();
      if (t >= range) return values.back();
      for (int m = 0; m + 1 < knots; ++m) {
        const double a = -range + m * step, b = a + step;
        if (t >= a && t < b) return values[m] + (t - a) / step * (values[m + 1] - values[m]);
      }
      return values.back();
    };
    for (double t = -2.3; t <= 2.3; t += 0.0371) {
      QVERIFY(std::abs(spline::Value(values.data(), knots, range, step, t) - reference(t)) < 1e-12);
      const double slope = spline::Slope(values.data(), knots, range, step, t);
      const double fd = (reference(t + 1e-7) - reference(t - 1e-7)) / 2e-7;
      QVERIFY2(std::abs(slope - fd) < 1e-5, qPrintable(QString::number(t)));
      // int_{-T}^t sigma by the trapezoid rule on points that include every knot below t.
      double area = 0.0, a = -range;
      if (t < -range) area = -values.front() * (-range - t);
      for (int m = 0; m + 1 < knots && t > a; ++m) {
        const double b = std::min(a + step, t);
        area += 0.5 * (b - a) * (reference(a) + reference(b));
        a = -range + (m + 1) * step;
      }
      if (t > range) area += values.back() * (t - range);
      const double got =
          spline::IntegralFromStart(values.data(), integral.data(), knots, range, step, t);
      QVERIFY2(std::abs(got - area) < 1e-12,
               qPrintable(QString("%1: %2 against %3").arg(t).arg(got).arg(area)));
    }
  }
};

}  // namespace bilevel

QTEST_APPLESS_MAIN(bilevel::TestKernelBodies)
#include "test_kernel_bodies.moc"
