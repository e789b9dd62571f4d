// Regularizers composed from the backend's kernel bodies equal the CPU regularizers: the Field of
// Experts' gradient K^T (s phi'(K x)) and Hessian-vector product K^T (s phi''(K x) K v), built
// from the correlation, FoE-map and adjoint bodies in the host loop, against FieldOfExperts on
// random images and parameters under both boundary rules; the convex ridge regularizer's gradient
// through its two layers and splines against ConvexRidge; smoothed TV's gradient and
// Hessian-vector product from the difference bodies against TotalVariation. This is the path the
// GPU takes; here it runs without one. The softplus and spline bodies index their values as the
// maps define.
#include <QTest>

#include <cmath>
#include <memory>
#include <vector>

#include "backend/host_launch.h"
#include "backend/kernels/correlation_point.h"
#include "backend/kernels/difference_body.h"
#include "backend/kernels/pointwise_body.h"
#include "backend/kernels/vector_body.h"
#include "bilevel/regularizer_registry.h"
#include "regularizers/convex_ridge.h"
#include "regularizers/foe.h"
#include "test_support.h"

namespace bilevel {
namespace {

// The FoE of `config` at random parameters: the CPU regularizer and the pieces the bodies need.
struct FoeCase {
  FoeConfig config;
  std::unique_ptr<Regularizer<double>> cpu;
  kernels::ConvGeometry geometry;
  std::vector<double> weights, scale;
  double nu2 = 0.0;
};

FoeCase MakeFoe(Boundary boundary, int h, int w) {
  FoeCase f;
  f.config = FoeConfig{2, 4, 5, boundary};
  if (Status s = CreateRegularizer(FoeSettings(f.config), &f.cpu); !s.ok())
    qFatal("%s", s.message().c_str());
  const FoeLayout layout(f.config);
  Vector<double> theta = f.cpu->initialParameters();
  const Vector<double> noise = test::RandomVec<double>(int(theta.size()), 7, -0.3, 0.3);
  theta += noise;
  f.cpu->setParameters(theta);
  f.geometry.in_channels = f.config.channels;
  f.geometry.out_channels = f.config.kernels;
  f.geometry.h = h;
  f.geometry.w = w;
  f.geometry.k = f.config.kernel_size;
  f.geometry.reflect = boundary == Boundary::kReflect101;
  f.weights.assign(theta.data() + layout.kernel(0), theta.data() + layout.size());
  const double a = std::exp(theta[layout.theta0()]);
  for (int j = 0; j < f.config.kernels; ++j)
    f.scale.push_back(a * std::exp(theta[layout.expertWeight(j)]));
  const double nu = std::exp(theta[layout.smoothing()]);
  f.nu2 = nu * nu;
  return f;
}

// K^T (map(K x)) over a batch, from the bodies.
std::vector<double> Compose(const FoeCase& f, int n, const std::vector<double>& x,
                            const std::vector<double>* v) {
  const kernels::ConvGeometry& g = f.geometry;
  std::vector<double> z(std::size_t(n) * g.out_channels * g.plane()), kv(z.size()),
      mapped(z.size());
  std::vector<double> out(x.size());
  HostLaunch({g.w, g.h, n * g.out_channels},
             kernels::CorrelateForwardBody<double>{g, x.data(), f.weights.data(), z.data()});
  using Map = kernels::FoeMapBody<double>;
  if (v) {
    HostLaunch({g.w, g.h, n * g.out_channels},
               kernels::CorrelateForwardBody<double>{g, v->data(), f.weights.data(), kv.data()});
    HostLaunch({int(g.plane()), g.out_channels, n},
               Map{Map::kHessian, g.out_channels, g.plane(), f.nu2, f.scale.data(), z.data(),
                   kv.data(), mapped.data()});
  } else {
    HostLaunch({int(g.plane()), g.out_channels, n},
               Map{Map::kGradient, g.out_channels, g.plane(), f.nu2, f.scale.data(), z.data(),
                   nullptr, mapped.data()});
  }
  HostLaunch({g.w, g.h, n * g.in_channels},
             kernels::CorrelateAdjointBody<double>{g, mapped.data(), f.weights.data(), out.data()});
  return out;
}

// y = alpha x (alpha the same for every image), through the axpby body on a zeroed y.
std::vector<double> Scaled(double alpha, const std::vector<double>& x, int n) {
  const std::size_t size = x.size() / std::size_t(n);
  std::vector<int> active(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    active[std::size_t(i)] = i;
  const std::vector<double> a(std::size_t(n), alpha), b(std::size_t(n), 0.0);
  std::vector<double> y(x.size(), 0.0);
  HostLaunch({int(size), 1, n}, kernels::AxpbyBody<double>{size, active.data(), a.data(), b.data(),
                                                           x.data(), y.data()});
  return y;
}

}  // namespace

class TestComposedBodies : public QObject {
  Q_OBJECT

 private slots:
  void fieldOfExpertsFromTheBodiesIsTheCpuFieldOfExperts_data() {
    QTest::addColumn<int>("boundary");
    QTest::newRow("reflect101") << int(Boundary::kReflect101);
    QTest::newRow("zero") << int(Boundary::kZero);
  }

  void fieldOfExpertsFromTheBodiesIsTheCpuFieldOfExperts() {
    QFETCH(int, boundary);
    const Shape shape{3, 2, 17, 12};
    FoeCase f = MakeFoe(Boundary(boundary), shape.h, shape.w);
    const auto x = test::RandomData<double>(shape, 11);
    const auto v = test::RandomData<double>(shape, 12);
    const std::vector<int> all = {0, 1, 2};

    Batch<double> grad(shape), hv(shape);
    f.cpu->gradient(all, x, grad);
    f.cpu->prepareHessian(x);
    f.cpu->hessianVector(all, v, hv);

    const double g_err =
        test::RelativeError(Compose(f, shape.n, x.values(), nullptr), grad.values());
    const double h_err =
        test::RelativeError(Compose(f, shape.n, x.values(), &v.values()), hv.values());
    QVERIFY2(g_err < 1e-13, qPrintable(QString::number(g_err)));
    QVERIFY2(h_err < 1e-13, qPrintable(QString::number(h_err)));
  }

  // The convex ridge regularizer's gradient lambda W^T sigma(mu W x), W = W_2 W_1, from the
  // correlation, axpby and spline bodies, against ConvexRidge at its default sizes.
  void convexRidgeFromTheBodiesIsTheCpuConvexRidge() {
    RegularizerSettings settings = DefaultRegularizerSettings("convex_ridge");
    settings.set("regularizer.channels", 1LL);
    std::unique_ptr<Regularizer<double>> cpu;
    QVERIFY(CreateRegularizer(settings, &cpu).ok());
    const CrrConfig config = CrrConfigFrom(settings);
    const CrrLayout layout(config);
    Vector<double> theta = cpu->initialParameters();
    theta += test::RandomVec<double>(int(theta.size()), 8, -0.02, 0.02);
    cpu->setParameters(theta);

    const Shape shape{2, 1, 16, 13};
    const auto x = test::RandomData<double>(shape, 9);
    Batch<double> grad(shape);
    cpu->gradient({0, 1}, x, grad);

    const int n = shape.n, layers = int(config.layers.size());
    std::vector<kernels::ConvGeometry> g(static_cast<std::size_t>(layers));
    std::vector<std::vector<double>> z(std::size_t(layers) + 1);
    z[0] = x.values();
    for (int l = 0; l < layers; ++l) {
      kernels::ConvGeometry& gl = g[std::size_t(l)];
      gl.in_channels = config.inChannels(l);
      gl.out_channels = config.layers[std::size_t(l)];
      gl.h = shape.h;
      gl.w = shape.w;
      gl.k = config.kernel_sizes[std::size_t(l)];
      gl.reflect = config.boundary == Boundary::kReflect101;
      z[std::size_t(l) + 1].resize(std::size_t(n) * gl.out_channels * gl.plane());
      HostLaunch(
          {gl.w, gl.h, n * gl.out_channels},
          kernels::CorrelateForwardBody<double>{gl, z[std::size_t(l)].data(),
                                                theta.data() + layout.weight_offset[std::size_t(l)],
                                                z[std::size_t(l) + 1].data()});
    }
    const double lambda = std::exp(theta[0]), mu = std::exp(theta[1]);
    const std::vector<double> t = Scaled(mu, z.back(), n);
    std::vector<double> sigma(t.size());
    const double range = config.range, step = 2.0 * range / (config.knots - 1);
    HostLaunch(
        {int(g.back().plane()), config.outputs(), n},
        kernels::SplineBody<double>{config.knots, range, step, config.outputs(), g.back().plane(),
                                    theta.data() + layout.splines, false, t.data(), sigma.data()});
    std::vector<double> a = Scaled(lambda, sigma, n);
    for (int l = layers - 1; l >= 0; --l) {
      const kernels::ConvGeometry& gl = g[std::size_t(l)];
      std::vector<double> below(std::size_t(n) * gl.in_channels * gl.plane());
      HostLaunch(
          {gl.w, gl.h, n * gl.in_channels},
          kernels::CorrelateAdjointBody<double>{
              gl, a.data(), theta.data() + layout.weight_offset[std::size_t(l)], below.data()});
      a = std::move(below);
    }
    const double err = test::RelativeError(a, grad.values());
    QVERIFY2(err < 1e-12, qPrintable(QString::number(err)));
  }

  // Smoothed TV's gradient w_c D^T (D x / r) and Hessian-vector product from the difference,
  // map and adjoint bodies, against TotalVariation on three colour images.
  void totalVariationFromTheBodiesIsTheCpuTotalVariation() {
    RegularizerSettings settings = DefaultRegularizerSettings("total_variation");
    settings.set("regularizer.channels", 3LL);
    std::unique_ptr<Regularizer<double>> cpu;
    QVERIFY(CreateRegularizer(settings, &cpu).ok());
    const Vector<double> theta = test::RandomVec<double>(cpu->parameterCount(), 15, -1.0, 0.5);
    cpu->setParameters(theta);
    const Shape shape{3, 3, 11, 14};
    const auto x = test::RandomData<double>(shape, 16);
    const auto v = test::RandomData<double>(shape, 17);
    Batch<double> grad(shape), hv(shape);
    cpu->gradient({0, 1, 2}, x, grad);
    cpu->prepareHessian(x);
    cpu->hessianVector({0, 1, 2}, v, hv);

    std::vector<double> weights(3);
    for (int c = 0; c < 3; ++c)
      weights[std::size_t(c)] = std::exp(theta[c]);
    const double nu = std::exp(theta[3]);
    const int planes = shape.n * shape.c, h = shape.h, w = shape.w, count = int(shape.size());
    using Diff = kernels::DifferencesBody<double>;
    using Adjoint = kernels::DifferencesAdjointBody<double>;
    using Map = kernels::TvMapBody<double>;
    std::vector<double> gh(shape.size()), gv(shape.size()), uh(shape.size()), uv(shape.size());
    std::vector<double> got(shape.size());
    HostLaunch({w, h, planes}, Diff{h, w, x.data(), uh.data(), uv.data()});
    HostLaunch({count, 1, 1}, Map{false, nu, nullptr, nullptr, uh.data(), uv.data()});
    HostLaunch({w, h, planes}, Adjoint{h, w, 3, weights.data(), uh.data(), uv.data(), got.data()});
    const double g_err = test::RelativeError(got, grad.values());
    QVERIFY2(g_err < 1e-14, qPrintable(QString::number(g_err)));

    HostLaunch({w, h, planes}, Diff{h, w, x.data(), gh.data(), gv.data()});
    HostLaunch({w, h, planes}, Diff{h, w, v.data(), uh.data(), uv.data()});
    HostLaunch({count, 1, 1}, Map{true, nu, gh.data(), gv.data(), uh.data(), uv.data()});
    HostLaunch({w, h, planes}, Adjoint{h, w, 3, weights.data(), uh.data(), uv.data(), got.data()});
    const double h_err = test::RelativeError(got, hv.values());
    QVERIFY2(h_err < 1e-14, qPrintable(QString::number(h_err)));
  }

  void softplusAndSplineBodiesIndexTheirValues() {
    const auto t = test::RandomValues<double>(2 * 3 * 20, 13, -2.0, 2.0);
    std::vector<double> act(t.size()), slope(t.size()), curvature(t.size());
    HostLaunch(
        {int(t.size()), 1, 1},
        kernels::SoftplusBody<double>{7.0, t.data(), act.data(), slope.data(), curvature.data()});
    for (std::size_t e = 0; e < t.size(); ++e) {
      double a, s, c;
      softplus::Maps(t[e], 7.0, &a, &s, &c);
      QCOMPARE(act[e], a);
      QCOMPARE(slope[e], s);
      QCOMPARE(curvature[e], c);
    }

    // Three channels, each with its own 5 knots on [-1.5, 1.5]; 2 images of 20 values.
    const int knots = 5, channels = 3;
    const double range = 1.5, step = 2 * range / (knots - 1);
    const auto values = test::RandomValues<double>(std::size_t(channels) * knots, 14);
    std::vector<double> value(t.size()), derivative(t.size());
    using Spline = kernels::SplineBody<double>;
    HostLaunch({20, channels, 2}, Spline{knots, range, step, channels, 20, values.data(), false,
                                         t.data(), value.data()});
    HostLaunch({20, channels, 2}, Spline{knots, range, step, channels, 20, values.data(), true,
                                         t.data(), derivative.data()});
    for (int n = 0; n < 2; ++n)
      for (int c = 0; c < channels; ++c)
        for (int p = 0; p < 20; ++p) {
          const std::size_t k = std::size_t((n * channels + c) * 20 + p);
          const double* vc = values.data() + c * knots;
          QCOMPARE(value[k], spline::Value(vc, knots, range, step, t[k]));
          QCOMPARE(derivative[k], spline::Slope(vc, knots, range, step, t[k]));
        }
  }
};

}  // namespace bilevel

QTEST_APPLESS_MAIN(bilevel::TestComposedBodies)
#include "test_composed_bodies.moc"
