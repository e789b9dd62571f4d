// The Field of Experts regularizer: parameter layout and initialisation, the filter responses and
// their adjoint, and every derivative against finite differences (double precision).
#include <QTest>

#include <cmath>
#include <vector>

#include "backend/kernels/boundary_index.h"
#include "base/batch_ops.h"
#include "bilevel/thread_pool.h"
#include "regularizers/foe.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

Q_DECLARE_METATYPE(bilevel::Boundary)

namespace {

struct Fixture {
  FoeConfig config;
  Shape shape;
  FieldOfExperts<double> reg;
  Vector<double> theta;

  Fixture(FoeConfig c, Shape s, unsigned seed = 3)
      : config(c), shape(s), reg(c), theta(DerivativeCheckParameters(reg, seed)) {
    reg.setParameters(theta);
  }
  int J() const { return config.kernels; }
  int k() const { return config.kernel_size; }
};

// K_j x_i computed naively from theta through SourceIndex.
Batch<double> NaiveResponses(const FoeConfig& config, const Vector<double>& theta,
                             const Batch<double>& x) {
  const FoeLayout layout(config);
  const int J = config.kernels, k = config.kernel_size, r = k / 2;
  const int C = x.c(), h = x.h(), w = x.w();
  Batch<double> out(x.n(), J, h, w);
  for (int i = 0; i < x.n(); ++i)
    for (int j = 0; j < J; ++j)
      for (int y = 0; y < h; ++y)
        for (int xx = 0; xx < w; ++xx) {
          double s = 0.0;
          for (int c = 0; c < C; ++c)
            for (int u = 0; u < k; ++u)
              for (int v = 0; v < k; ++v) {
                const int sy = kernels::SourceIndex(y + u - r, h, config.boundary);
                const int sx = kernels::SourceIndex(xx + v - r, w, config.boundary);
                if (sy < 0 || sx < 0) continue;
                s += theta(layout.kernel(j) + (c * k + u) * k + v) * x.at(i, c, sy, sx);
              }
          out.at(i, j, y, xx) = s;
        }
  return out;
}

double A(const Fixture& f) {
  return std::exp(f.theta(0));
}
double B(const Fixture& f, int j) {
  return std::exp(f.theta(f.reg.layout().expertWeight(j)));
}
double Nu(const Fixture& f) {
  return std::exp(f.theta(f.reg.layout().smoothing()));
}

// (a / nu) sum_j b_j K_j^T K_j v through the public response maps.
Batch<double> BoundThroughResponses(Fixture& f, const Batch<double>& v) {
  Batch<double> z;
  f.reg.filterResponses(v, z);
  for (int i = 0; i < z.n(); ++i)
    for (int j = 0; j < f.J(); ++j) {
      const double s = A(f) * B(f, j) / Nu(f);
      double* p = z.channel(i, j);
      for (int k = 0; k < z.h() * z.w(); ++k)
        p[k] *= s;
    }
  Batch<double> out;
  f.reg.filterResponsesAdjoint(z, out);
  return out;
}

std::vector<double> Values(FieldOfExperts<double>& reg, const Batch<double>& x) {
  std::vector<double> v;
  reg.value(AllImages(x.n()), x, v);
  return v;
}

double TotalValue(FieldOfExperts<double>& reg, const Batch<double>& x) {
  double s = 0.0;
  for (double v : Values(reg, x))
    s += v;
  return s;
}

Batch<double> Gradient(FieldOfExperts<double>& reg, const Batch<double>& x) {
  Batch<double> g(x.shape());
  reg.gradient(AllImages(x.n()), x, g);
  return g;
}

// G(theta) = sum_i <grad_x R_theta(x_i), q_i>.
double MixedObjective(FieldOfExperts<double>& reg, const Vector<double>& theta,
                      const Batch<double>& x, const Batch<double>& q) {
  reg.setParameters(theta);
  return DotAll(Gradient(reg, x), q);
}

void AddFoeRows() {
  QTest::addColumn<Boundary>("boundary");
  QTest::addColumn<int>("kernels");
  QTest::addColumn<int>("ksize");
  QTest::addColumn<int>("channels");
  QTest::addColumn<int>("h");
  QTest::addColumn<int>("w");
  struct Case {
    int J, k, c, h, w;
  };
  for (Boundary b : {Boundary::kReflect101, Boundary::kZero})
    for (Case cs : {Case{3, 5, 3, 16, 16}, Case{3, 5, 3, 13, 17}, Case{3, 5, 1, 12, 12},
                    Case{2, 7, 2, 9, 11}, Case{4, 3, 3, 8, 10}})
      QTest::addRow("%s J%d k%d C%d %dx%d", ToString(b), cs.J, cs.k, cs.c, cs.h, cs.w)
          << b << cs.J << cs.k << cs.c << cs.h << cs.w;
}

#define FETCH_FIXTURE(name)                                          \
  QFETCH(Boundary, boundary);                                        \
  QFETCH(int, kernels);                                              \
  QFETCH(int, ksize);                                                \
  QFETCH(int, channels);                                             \
  QFETCH(int, h);                                                    \
  QFETCH(int, w);                                                    \
  FoeConfig name##_config;                                           \
  name##_config.channels = channels;                                 \
  name##_config.kernels = kernels;                                   \
  name##_config.kernel_size = ksize;                                 \
  name##_config.boundary = boundary;                                 \
  QVERIFY2(name##_config.validate().ok(), "fixture config invalid"); \
  Fixture name(name##_config, Shape{2, channels, h, w})

}  // namespace

class FoeDerivativesTest : public QObject {
  Q_OBJECT

 private slots:
  void layoutOfThePaper() {
    FoeConfig config;
    config.channels = 3;
    config.kernels = 10;
    config.kernel_size = 7;
    const FoeLayout layout(config);
    QCOMPARE(layout.size(), 1482);
    QCOMPARE(layout.kernels, 10);
    QCOMPARE(layout.kernel_values, 147);
    QCOMPARE(layout.theta0(), 0);
    QCOMPARE(layout.expertWeight(0), 1);
    QCOMPARE(layout.expertWeight(9), 10);
    QCOMPARE(layout.smoothing(), 11);
    QCOMPARE(layout.kernel(0), 12);
    QCOMPARE(layout.kernel(9), 12 + 9 * 147);
    const std::vector<ParameterBlock> blocks = layout.blocks();
    QCOMPARE(int(blocks.size()), 4);
    const char* names[] = {"theta0", "expert_weights", "smoothing", "kernels"};
    const int offsets[] = {0, 1, 11, 12};
    const int sizes[] = {1, 10, 1, 1470};
    int covered = 0;
    for (int b = 0; b < 4; ++b) {
      QCOMPARE(QString::fromStdString(blocks[b].name), QString::fromLatin1(names[b]));
      QCOMPARE(blocks[b].offset, offsets[b]);
      QCOMPARE(blocks[b].size, sizes[b]);
      QCOMPARE(blocks[b].offset, covered);
      covered += blocks[b].size;
    }
    QCOMPARE(covered, layout.size());
    FieldOfExperts<double> reg(config);
    QCOMPARE(reg.parameterCount(), 1482);
    QCOMPARE(int(reg.initialParameters().size()), 1482);

    FoeConfig grey;
    grey.channels = 1;
    grey.kernels = 3;
    grey.kernel_size = 5;
    QCOMPARE(FoeLayout(grey).size(), 2 + 3 + 3 * 25);
    QVERIFY(config.validate().ok());
    QVERIFY(FoeConfig{}.validate().ok());
  }

  void initialParameters() {
    FoeConfig config;
    config.channels = 3;
    config.kernels = 4;
    config.kernel_size = 5;
    FieldOfExperts<double> reg(config);
    const FoeLayout& layout = reg.layout();
    FoeInitOptions init;
    init.theta0 = -1.25;
    init.expert_weight = 0.3;
    init.smoothing = -2.5;
    init.seed = 17;
    const Vector<double> a = reg.initialParameters(init);
    const Vector<double> b = reg.initialParameters(init);
    QCOMPARE(int(a.size()), layout.size());
    QVERIFY2(a == b, "initialParameters is not deterministic for a fixed seed");
    QVERIFY(a.allFinite());
    QCOMPARE(a(0), -1.25);
    for (int j = 0; j < 4; ++j)
      QCOMPARE(a(layout.expertWeight(j)), 0.3);
    QCOMPARE(a(layout.smoothing()), -2.5);
    const int kk = 25;
    for (int j = 0; j < 4; ++j) {
      double norm2 = 0.0;
      for (int c = 0; c < 3; ++c) {
        double mean = 0.0;
        for (int t = 0; t < kk; ++t)
          mean += a(layout.kernel(j) + c * kk + t);
        mean /= kk;
        QVERIFY2(
            std::abs(mean) < 1e-14,
            qPrintable(QStringLiteral("kernel %1 channel %2 mean %3").arg(j).arg(c).arg(mean)));
      }
      for (int t = 0; t < layout.kernel_values; ++t)
        norm2 += a(layout.kernel(j) + t) * a(layout.kernel(j) + t);
      BILEVEL_CHECK_ERROR(std::abs(std::sqrt(norm2) - 1.0), 1e-12, "kernel Frobenius norm - 1");
    }
    // Kernels differ from one another and across seeds.
    QVERIFY(a.segment(layout.kernel(0), layout.kernel_values) !=
            a.segment(layout.kernel(1), layout.kernel_values));
    init.seed = 18;
    QVERIFY(reg.initialParameters(init) != a);

    // Without the projection the kernel channels are not all zero-mean.
    init.zero_mean = false;
    const Vector<double> raw = reg.initialParameters(init);
    double largest_mean = 0.0;
    for (int j = 0; j < 4; ++j)
      for (int c = 0; c < 3; ++c) {
        double mean = 0.0;
        for (int t = 0; t < kk; ++t)
          mean += raw(layout.kernel(j) + c * kk + t);
        largest_mean = std::max(largest_mean, std::abs(mean / kk));
      }
    QVERIFY2(largest_mean > 1e-6, "zero_mean = false still gave zero-mean kernels");

    // The float instantiation draws the same kernels.
    FieldOfExperts<float> regf(config);
    init.zero_mean = true;
    init.seed = 17;
    const Vector<float> af = regf.initialParameters(init);
    BILEVEL_CHECK_ERROR(RelativeError(Vector<double>(af.cast<double>()), a), 1e-6,
                        "float initial parameters");
  }

  void projectZeroMean() {
    FoeConfig config;
    config.channels = 3;
    config.kernels = 3;
    config.kernel_size = 5;
    FieldOfExperts<double> reg(config);
    const FoeLayout& layout = reg.layout();
    const Vector<double> before = RandomVec<double>(layout.size(), 5, -1.0, 2.0);
    Vector<double> theta = before;
    reg.projectZeroMean(theta);
    // Scalars untouched.
    for (int k = 0; k < layout.kernel(0); ++k)
      QCOMPARE(theta(k), before(k));
    const int kk = 25;
    for (int j = 0; j < 3; ++j)
      for (int c = 0; c < 3; ++c) {
        const int o = layout.kernel(j) + c * kk;
        double mean = 0.0, old_mean = 0.0;
        for (int t = 0; t < kk; ++t) {
          mean += theta(o + t);
          old_mean += before(o + t);
        }
        mean /= kk;
        old_mean /= kk;
        QVERIFY2(std::abs(mean) < 1e-14, "channel mean not removed");
        // Only the mean was removed.
        for (int t = 0; t < kk; ++t)
          QVERIFY(std::abs(theta(o + t) - (before(o + t) - old_mean)) < 1e-14);
      }
    // Idempotent.
    Vector<double> twice = theta;
    reg.projectZeroMean(twice);
    QVERIFY((twice - theta).cwiseAbs().maxCoeff() < 1e-15);
  }

  void filterResponsesMatchNaive_data() { AddFoeRows(); }
  void filterResponsesMatchNaive() {
    FETCH_FIXTURE(f);
    const Batch<double> x = RandomData<double>(f.shape, 11);
    Batch<double> z;
    f.reg.filterResponses(x, z);
    QCOMPARE(z.shape(), (Shape{2, kernels, h, w}));
    const Batch<double> expected = NaiveResponses(f.config, f.theta, x);
    BILEVEL_CHECK_ERROR(RelativeError(z, expected), 1e-13, "K x vs naive correlation");
  }

  void filterResponsesAdjoint_data() { AddFoeRows(); }
  void filterResponsesAdjoint() {
    FETCH_FIXTURE(f);
    for (unsigned seed : {1u, 2u, 3u}) {
      const Batch<double> x = RandomData<double>(f.shape, 20 + seed);
      const Batch<double> r = RandomData<double>(Shape{2, kernels, h, w}, 30 + seed);
      Batch<double> kx, ktr;
      f.reg.filterResponses(x, kx);
      f.reg.filterResponsesAdjoint(r, ktr);
      QCOMPARE(ktr.shape(), f.shape);
      const double lhs = DotAll(kx, r);
      const double rhs = DotAll(x, ktr);
      BILEVEL_CHECK_ERROR(AdjointMismatch(lhs, rhs, NormAll(kx) * NormAll(r)), 1e-12,
                          "<Kx, r> vs <x, K^T r>");
      // Per image as well (images do not mix).
      for (int i = 0; i < 2; ++i) {
        const double li = DotRange(kx.image(i), r.image(i), kx.imageSize());
        const double ri = DotImage(x, ktr, i);
        BILEVEL_CHECK_ERROR(AdjointMismatch(li, ri, NormImage(kx, i) * NormImage(r, i)), 1e-12,
                            "per-image adjoint");
      }
    }
  }

  void valueMatchesFormula_data() { AddFoeRows(); }
  void valueMatchesFormula() {
    FETCH_FIXTURE(f);
    const Batch<double> x = RandomData<double>(f.shape, 12);
    const Batch<double> z = NaiveResponses(f.config, f.theta, x);
    const double nu = Nu(f);
    std::vector<double> values(2, -1.0);
    f.reg.value(AllImages(2), x, values);
    QCOMPARE(int(values.size()), 2);
    for (int i = 0; i < 2; ++i) {
      double expected = 0.0;
      for (int j = 0; j < kernels; ++j) {
        double s = 0.0;
        for (int p = 0; p < h * w; ++p) {
          const double zz = z.channel(i, j)[p];
          s += std::sqrt(zz * zz + nu * nu) - nu;
        }
        expected += A(f) * B(f, j) * s;
      }
      BILEVEL_CHECK_ERROR(RelativeError(values[i], expected), 1e-12, "R(x) vs formula");
    }
  }

  void gradientFiniteDifferences_data() { AddFoeRows(); }
  void gradientFiniteDifferences() {
    FETCH_FIXTURE(f);
    const Batch<double> x = RandomData<double>(f.shape, 13);
    const Batch<double> g = Gradient(f.reg, x);
    QVERIFY(g.allFinite());
    const double step = 1e-5;
    // Random directions.
    for (unsigned seed : {1u, 2u, 3u}) {
      const Batch<double> v = RandomData<double>(f.shape, 40 + seed);
      const double fd =
          CentralDifference([&](double t) { return TotalValue(f.reg, Shifted(x, t, v)); }, step);
      BILEVEL_CHECK_ERROR(RelativeError(DotAll(g, v), fd), 1e-6,
                          "directional derivative vs central difference");
    }
    // Single coordinates (corners, edges and interior), against the gradient's scale.
    double gmax = 0.0;
    for (double v : g.values())
      gmax = std::max(gmax, std::abs(v));
    const int coords[][4] = {
        {0, 0, 0, 0},     {1, channels - 1, h - 1, w - 1}, {0, 0, h / 2, w / 2},
        {1, 0, 0, w - 2}, {0, channels - 1, 1, 0},         {1, 0, h - 2, 1}};
    for (const auto& c : coords) {
      Batch<double> e(f.shape);
      e.at(c[0], c[1], c[2], c[3]) = 1.0;
      const double fd =
          CentralDifference([&](double t) { return TotalValue(f.reg, Shifted(x, t, e)); }, step);
      const double an = g.at(c[0], c[1], c[2], c[3]);
      BILEVEL_CHECK_ERROR(std::abs(an - fd) / std::max(std::abs(fd), 1e-2 * gmax), 1e-6,
                          "partial derivative vs central difference");
    }
  }

  void hessianVectorFiniteDifferences_data() { AddFoeRows(); }
  void hessianVectorFiniteDifferences() {
    FETCH_FIXTURE(f);
    const Batch<double> x = RandomData<double>(f.shape, 14);
    for (unsigned seed : {1u, 2u}) {
      const Batch<double> v = RandomData<double>(f.shape, 50 + seed);
      f.reg.prepareHessian(x);
      Batch<double> hv(f.shape);
      f.reg.hessianVector(AllImages(2), v, hv);
      const Batch<double> fd = CentralDifferenceBatch<double>(
          [&](double t) { return Gradient(f.reg, Shifted(x, t, v)); }, 1e-5);
      BILEVEL_CHECK_ERROR(RelativeError(hv, fd), 1e-6, "Hv vs central difference of gradient");
    }
    // Hessian symmetric.
    const Batch<double> u = RandomData<double>(f.shape, 60);
    const Batch<double> v = RandomData<double>(f.shape, 61);
    f.reg.prepareHessian(x);
    Batch<double> hu(f.shape), hv(f.shape);
    f.reg.hessianVector(AllImages(2), u, hu);
    f.reg.hessianVector(AllImages(2), v, hv);
    BILEVEL_CHECK_ERROR(AdjointMismatch(DotAll(v, hu), DotAll(u, hv), NormAll(v) * NormAll(hu)),
                        1e-12, "<v, Hu> vs <u, Hv>");
  }

  void hessianBoundMajorizes_data() { AddFoeRows(); }
  void hessianBoundMajorizes() {
    FETCH_FIXTURE(f);
    for (unsigned xs : {1u, 2u}) {
      // Images on two scales: small responses (phi'' near its bound) and large ones.
      const Batch<double> x = RandomData<double>(f.shape, 70 + xs, -0.05 * xs * xs, 0.05 * xs * xs);
      f.reg.prepareHessian(x);
      for (unsigned vs : {1u, 2u, 3u}) {
        const Batch<double> v = RandomData<double>(f.shape, 80 + vs);
        Batch<double> hv(f.shape), bv(f.shape);
        f.reg.hessianVector(AllImages(2), v, hv);
        f.reg.hessianBound(AllImages(2), v, bv);
        for (int i = 0; i < 2; ++i) {
          const double vhv = DotImage(v, hv, i);
          const double vbv = DotImage(v, bv, i);
          QVERIFY2(vhv >= -1e-12 * std::abs(vbv), "Hessian not positive semi-definite");
          QVERIFY2(vhv <= vbv * (1 + 1e-12),
                   qPrintable(QStringLiteral("<v,Hv> = %1 > <v,Bv> = %2").arg(vhv).arg(vbv)));
        }
        // B v = (a / nu) sum_j b_j K_j^T K_j v.
        BILEVEL_CHECK_ERROR(RelativeError(bv, BoundThroughResponses(f, v)), 1e-12,
                            "bound vs (a/nu) sum b_j K_j^T K_j v");
      }
    }
    // B symmetric.
    const Batch<double> u = RandomData<double>(f.shape, 90);
    const Batch<double> v = RandomData<double>(f.shape, 91);
    Batch<double> bu(f.shape), bv(f.shape);
    f.reg.hessianBound(AllImages(2), u, bu);
    f.reg.hessianBound(AllImages(2), v, bv);
    BILEVEL_CHECK_ERROR(AdjointMismatch(DotAll(v, bu), DotAll(u, bv), NormAll(v) * NormAll(bu)),
                        1e-12, "<v, Bu> vs <u, Bv>");
    // At x = 0 every response is 0, phi'' = 1/nu, and the bound is the Hessian.
    f.reg.prepareHessian(Batch<double>(f.shape));
    Batch<double> hv(f.shape);
    f.reg.hessianVector(AllImages(2), v, hv);
    BILEVEL_CHECK_ERROR(RelativeError(hv, bv), 1e-13, "Hessian at x = 0 vs bound");
  }

  void activeSubsets() {
    FoeConfig config;
    config.channels = 3;
    config.kernels = 3;
    config.kernel_size = 5;
    Fixture f(config, Shape{3, 3, 12, 14});
    const Batch<double> x = RandomData<double>(f.shape, 1);
    const Batch<double> v = RandomData<double>(f.shape, 2);
    const Batch<double> q = RandomData<double>(f.shape, 3);
    const std::vector<int> all = AllImages(3), some = {0, 2};
    const double sentinel = 4242.0;

    Batch<double> full(f.shape), part(f.shape, sentinel);
    f.reg.gradient(all, x, full);
    f.reg.gradient(some, x, part);
    for (int i : some)
      QVERIFY(std::equal(part.image(i), part.image(i) + part.imageSize(), full.image(i)));
    for (std::size_t k = 0; k < part.imageSize(); ++k)
      QCOMPARE(part.image(1)[k], sentinel);

    f.reg.prepareHessian(x);
    Batch<double> hfull(f.shape), hpart(f.shape, sentinel);
    f.reg.hessianVector(all, v, hfull);
    f.reg.hessianVector(std::vector<int>{1}, v, hpart);
    QVERIFY(std::equal(hpart.image(1), hpart.image(1) + hpart.imageSize(), hfull.image(1)));
    for (std::size_t k = 0; k < hpart.imageSize(); ++k) {
      QCOMPARE(hpart.image(0)[k], sentinel);
      QCOMPARE(hpart.image(2)[k], sentinel);
    }

    Batch<double> bfull(f.shape), bpart(f.shape, sentinel);
    f.reg.hessianBound(all, v, bfull);
    f.reg.hessianBound(std::vector<int>{2}, v, bpart);
    QVERIFY(std::equal(bpart.image(2), bpart.image(2) + bpart.imageSize(), bfull.image(2)));
    for (std::size_t k = 0; k < bpart.imageSize(); ++k)
      QCOMPARE(bpart.image(0)[k], sentinel);

    std::vector<double> vfull, vpart(3, sentinel);
    f.reg.value(all, x, vfull);
    f.reg.value(std::vector<int>{1}, x, vpart);
    QCOMPARE(int(vpart.size()), 3);
    QCOMPARE(vpart[1], vfull[1]);
    QCOMPARE(vpart[0], sentinel);
    QCOMPARE(vpart[2], sentinel);

    // The mixed derivative sums over the active images.
    Vector<double> m_all, m0, m12;
    f.reg.mixedDerivative(all, x, q, m_all);
    f.reg.mixedDerivative(std::vector<int>{0}, x, q, m0);
    f.reg.mixedDerivative(std::vector<int>{1, 2}, x, q, m12);
    QCOMPARE(int(m_all.size()), f.reg.parameterCount());
    BILEVEL_CHECK_ERROR(RelativeError(Vector<double>(m0 + m12), m_all), 1e-12,
                        "mixed derivative additive over images");
    // Overwrites, does not accumulate.
    Vector<double> again = Vector<double>::Constant(f.reg.parameterCount(), 1e6);
    f.reg.mixedDerivative(all, x, q, again);
    BILEVEL_CHECK_ERROR(RelativeError(again, m_all), 1e-14, "mixed derivative overwrites");
  }

  void mixedDerivativeFiniteDifferences_data() { AddFoeRows(); }
  void mixedDerivativeFiniteDifferences() {
    FETCH_FIXTURE(f);
    const Batch<double> x = RandomData<double>(f.shape, 15);
    const Batch<double> q = RandomData<double>(f.shape, 16);
    Vector<double> m;
    f.reg.mixedDerivative(AllImages(2), x, q, m);
    QCOMPARE(int(m.size()), f.reg.parameterCount());
    const FoeLayout& layout = f.reg.layout();
    const double step = 1e-5;
    Vector<double> fd(m.size());
    for (int k = 0; k < m.size(); ++k) {
      fd(k) = CentralDifference(
          [&](double t) {
            Vector<double> th = f.theta;
            th(k) += t;
            return MixedObjective(f.reg, th, x, q);
          },
          step);
    }
    f.reg.setParameters(f.theta);
    // theta0: dG/dtheta0 = G.
    BILEVEL_CHECK_ERROR(RelativeError(m(0), fd(0)), 1e-6, "theta0 block");
    BILEVEL_CHECK_ERROR(RelativeError(m(0), MixedObjective(f.reg, f.theta, x, q)), 1e-12,
                        "dG/dtheta0 = G");
    for (int j = 0; j < kernels; ++j)
      BILEVEL_CHECK_ERROR(RelativeError(m(layout.expertWeight(j)), fd(layout.expertWeight(j))),
                          1e-6, qPrintable(QStringLiteral("expert weight %1").arg(j)));
    BILEVEL_CHECK_ERROR(RelativeError(m(layout.smoothing()), fd(layout.smoothing())), 1e-6,
                        "smoothing block");
    for (int j = 0; j < kernels; ++j) {
      const Vector<double> a = m.segment(layout.kernel(j), layout.kernel_values);
      const Vector<double> b = fd.segment(layout.kernel(j), layout.kernel_values);
      BILEVEL_CHECK_ERROR(RelativeError(a, b), 1e-6,
                          qPrintable(QStringLiteral("kernel %1").arg(j)));
    }
    BILEVEL_CHECK_ERROR(RelativeError(m, fd), 1e-6, "whole mixed derivative");
  }

  void floatMatchesDouble() {
    FoeConfig config;
    config.channels = 3;
    config.kernels = 3;
    config.kernel_size = 5;
    Fixture f(config, Shape{2, 3, 16, 16});
    FieldOfExperts<float> regf(config);
    regf.setParameters(f.theta.cast<float>());
    const Batch<double> x = RandomData<double>(f.shape, 3, 0.0, 1.0);
    const Batch<double> v = RandomData<double>(f.shape, 4);
    const Batch<float> xf = BatchCast<float>(x), vf = BatchCast<float>(v);
    const std::vector<int> all = AllImages(2);

    Batch<double> z;
    Batch<float> zf;
    f.reg.filterResponses(x, z);
    regf.filterResponses(xf, zf);
    BILEVEL_CHECK_ERROR(RelativeError(zf, z), 1e-5, "float responses");

    std::vector<double> val, valf;
    f.reg.value(all, x, val);
    regf.value(all, xf, valf);
    BILEVEL_CHECK_ERROR(RelativeError(valf, val), 1e-4, "float value");

    Batch<double> g(f.shape);
    Batch<float> gf(f.shape);
    f.reg.gradient(all, x, g);
    regf.gradient(all, xf, gf);
    BILEVEL_CHECK_ERROR(RelativeError(gf, g), 1e-4, "float gradient");

    Batch<double> hv(f.shape);
    Batch<float> hvf(f.shape);
    f.reg.prepareHessian(x);
    regf.prepareHessian(xf);
    f.reg.hessianVector(all, v, hv);
    regf.hessianVector(all, vf, hvf);
    BILEVEL_CHECK_ERROR(RelativeError(hvf, hv), 1e-4, "float Hessian-vector product");

    f.reg.hessianBound(all, v, hv);
    regf.hessianBound(all, vf, hvf);
    BILEVEL_CHECK_ERROR(RelativeError(hvf, hv), 1e-4, "float Hessian bound");

    Vector<double> m;
    Vector<float> mf;
    f.reg.mixedDerivative(all, x, v, m);
    regf.mixedDerivative(all, xf, vf, mf);
    BILEVEL_CHECK_ERROR(RelativeError(Vector<double>(mf.cast<double>()), m), 1e-4,
                        "float mixed derivative");
  }

  void resultsIndependentOfThreadCount() {
    FoeConfig config;
    config.channels = 3;
    config.kernels = 3;
    config.kernel_size = 5;
    Fixture f(config, Shape{3, 3, 40, 33});
    const Batch<double> x = RandomData<double>(f.shape, 5);
    const Batch<double> q = RandomData<double>(f.shape, 6);
    const int saved = ThreadCount();
    SetThreadCount(1);
    const Batch<double> g1 = Gradient(f.reg, x);
    Vector<double> m1;
    f.reg.mixedDerivative(AllImages(3), x, q, m1);
    SetThreadCount(4);
    const Batch<double> g4 = Gradient(f.reg, x);
    Vector<double> m4;
    f.reg.mixedDerivative(AllImages(3), x, q, m4);
    SetThreadCount(saved);
    BILEVEL_CHECK_ERROR(RelativeError(g4, g1), 1e-13, "gradient, 4 threads vs 1");
    BILEVEL_CHECK_ERROR(RelativeError(m4, m1), 1e-12, "mixed derivative, 4 threads vs 1");
  }
};

QTEST_GUILESS_MAIN(FoeDerivativesTest)
#include "test_foe_derivatives.moc"
