// The lower-level objective h_i(x) = 1/2 ||A x - y_i||^2 + R(x) + mu0/2 ||x||^2: value, gradient,
// Hessian and curvature majorant, for each forward operator.
#include <QTest>

#include <cmath>
#include <memory>
#include <vector>

#include "base/batch_ops.h"
#include "bilevel/forward_operator.h"
#include "data/synthetic.h"
#include "problem/lower_level.h"
#include "regularizers/foe.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

struct Setup {
  Shape shape{2, 3, 14, 15};
  std::unique_ptr<ForwardOperator<double>> op;
  Batch<double> clean, y;
  FieldOfExperts<double> reg;
  Vector<double> theta;
  double mu0;

  Setup(int kind, double mu)
      : reg([] {
          FoeConfig c;
          c.channels = 3;
          c.kernels = 3;
          c.kernel_size = 5;
          return c;
        }()),
        mu0(mu) {
    if (kind == 0) op = std::make_unique<IdentityOperator<double>>(shape);
    if (kind == 1) {
      GaussianBlurOptions o;
      o.size = 5;
      o.sigma = 1.0;
      Status s;
      op = GaussianBlurOperator<double>::Create(shape, o, &s);
    }
    if (kind == 2)
      op = std::make_unique<InpaintingOperator<double>>(
          InpaintingOperator<double>::RandomMasks(shape, 0.6, 4));
    clean = SyntheticImages<double>(shape, 2);
    y = Batch<double>(shape);
    if (op) ApplyToBatch(*op, clean, y);
    AddGaussianNoise(y, 20.0, 3);
    theta = DerivativeCheckParameters(reg);
    reg.setParameters(theta);
  }
};

const char* KindName(int kind) {
  return kind == 0 ? "denoising" : kind == 1 ? "deblurring" : "inpainting";
}

void AddRows() {
  QTest::addColumn<int>("kind");
  QTest::addColumn<double>("mu0");
  for (int kind : {0, 1, 2})
    for (double mu0 : {0.0, 0.1})
      QTest::addRow("%s mu0 %.1f", KindName(kind), mu0) << kind << mu0;
}

}  // namespace

class LowerLevelTest : public QObject {
  Q_OBJECT

 private slots:
  void valueAndGradientMatchTheirParts_data() { AddRows(); }
  void valueAndGradientMatchTheirParts() {
    QFETCH(int, kind);
    QFETCH(double, mu0);
    Setup s(kind, mu0);
    QVERIFY(s.op);
    LowerLevelProblem<double> p(*s.op, s.y, s.reg, mu0);
    QCOMPARE(p.shape(), s.shape);
    QCOMPARE(p.mu0(), mu0);
    const Batch<double> x = RandomData<double>(s.shape, 5, 0.0, 1.0);

    Batch<double> ax(s.shape), residual(s.shape), atr(s.shape), rgrad(s.shape);
    ApplyToBatch(*s.op, x, ax);
    residual = Difference(ax, s.y);
    ApplyToBatch(*s.op, residual, atr, true);
    s.reg.gradient(AllImages(2), x, rgrad);
    std::vector<double> rval;
    s.reg.value(AllImages(2), x, rval);

    const std::vector<double> values = p.value(x);
    QCOMPARE(int(values.size()), 2);
    Batch<double> grad(s.shape);
    p.gradient(AllImages(2), x, grad);
    for (int i = 0; i < 2; ++i) {
      const double expected =
          0.5 * DotImage(residual, residual, i) + rval[i] + 0.5 * mu0 * DotImage(x, x, i);
      BILEVEL_CHECK_ERROR(RelativeError(values[i], expected), 1e-12, "h(x) vs its parts");
      std::vector<double> g(x.imageSize());
      for (std::size_t k = 0; k < g.size(); ++k)
        g[k] = atr.image(i)[k] + rgrad.image(i)[k] + mu0 * x.image(i)[k];
      BILEVEL_CHECK_ERROR(RelativeErrorRange(grad.image(i), g.data(), g.size()), 1e-12,
                          "grad h vs its parts");
    }
  }

  void gradientFiniteDifferences_data() { AddRows(); }
  void gradientFiniteDifferences() {
    QFETCH(int, kind);
    QFETCH(double, mu0);
    Setup s(kind, mu0);
    QVERIFY(s.op);
    LowerLevelProblem<double> p(*s.op, s.y, s.reg, mu0);
    const Batch<double> x = RandomData<double>(s.shape, 6, 0.0, 1.0);
    Batch<double> grad(s.shape);
    p.gradient(AllImages(2), x, grad);
    for (unsigned seed : {1u, 2u, 3u}) {
      const Batch<double> v = RandomData<double>(s.shape, 10 + seed);
      for (int i = 0; i < 2; ++i) {
        const double fd = CentralDifference(
            [&](double t) { return p.value(Shifted(x, t, v))[std::size_t(i)]; }, 1e-5);
        BILEVEL_CHECK_ERROR(RelativeError(DotImage(grad, v, i), fd), 1e-6,
                            "<grad h_i, v> vs central difference");
      }
    }
  }

  void hessianFiniteDifferences_data() { AddRows(); }
  void hessianFiniteDifferences() {
    QFETCH(int, kind);
    QFETCH(double, mu0);
    Setup s(kind, mu0);
    QVERIFY(s.op);
    LowerLevelProblem<double> p(*s.op, s.y, s.reg, mu0);
    const Batch<double> x = RandomData<double>(s.shape, 7, 0.0, 1.0);
    const Batch<double> v = RandomData<double>(s.shape, 8);
    Batch<double> hv(s.shape);
    p.hessianAt(x).apply(AllImages(2), v, hv);
    const Batch<double> fd = CentralDifferenceBatch<double>(
        [&](double t) {
          Batch<double> g(s.shape);
          p.gradient(AllImages(2), Shifted(x, t, v), g);
          return g;
        },
        1e-5);
    BILEVEL_CHECK_ERROR(RelativeError(hv, fd), 1e-6, "Hv vs central difference of grad h");

    // The operator returned by hessianAt() keeps acting at that x (gradients in between are
    // evaluated elsewhere).
    BatchLinearOperator<double>& h = p.hessianAt(x);
    Batch<double> g(s.shape), again(s.shape);
    p.gradient(AllImages(2), RandomData<double>(s.shape, 9), g);
    h.apply(AllImages(2), v, again);
    BILEVEL_CHECK_ERROR(RelativeError(again, hv), 1e-14, "Hv after an unrelated gradient");
  }

  void curvatureBoundMajorizesHessian_data() { AddRows(); }
  void curvatureBoundMajorizesHessian() {
    QFETCH(int, kind);
    QFETCH(double, mu0);
    Setup s(kind, mu0);
    QVERIFY(s.op);
    LowerLevelProblem<double> p(*s.op, s.y, s.reg, mu0);
    const Batch<double> x = RandomData<double>(s.shape, 11, 0.0, 1.0);
    for (unsigned seed : {1u, 2u, 3u}) {
      const Batch<double> v = RandomData<double>(s.shape, 20 + seed);
      Batch<double> hv(s.shape), mv(s.shape);
      p.hessianAt(x).apply(AllImages(2), v, hv);
      p.curvatureBound().apply(AllImages(2), v, mv);
      for (int i = 0; i < 2; ++i) {
        const double vhv = DotImage(v, hv, i), vmv = DotImage(v, mv, i);
        QVERIFY2(vhv > 0.0, "Hessian of h not positive on a random vector");
        QVERIFY2(vhv <= vmv * (1 + 1e-12),
                 qPrintable(QStringLiteral("<v,Hv> %1 > <v,Mv> %2").arg(vhv).arg(vmv)));
      }
      // M v = A^T A v + mu0 v + (a/nu) sum_j b_j K_j^T K_j v.
      Batch<double> av(s.shape), atav(s.shape), bv(s.shape);
      ApplyToBatch(*s.op, v, av);
      ApplyToBatch(*s.op, av, atav, true);
      s.reg.hessianBound(AllImages(2), v, bv);
      Batch<double> expected(s.shape);
      for (std::size_t k = 0; k < v.size(); ++k)
        expected.data()[k] = atav.data()[k] + mu0 * v.data()[k] + bv.data()[k];
      BILEVEL_CHECK_ERROR(RelativeError(mv, expected), 1e-12, "curvature bound vs its parts");
    }
  }

  void strongConvexity_data() { AddRows(); }
  void strongConvexity() {
    QFETCH(int, kind);
    QFETCH(double, mu0);
    Setup s(kind, mu0);
    QVERIFY(s.op);
    LowerLevelProblem<double> p(*s.op, s.y, s.reg, mu0);
    for (int i = 0; i < 2; ++i) {
      const double m = p.strongConvexity(i);
      QVERIFY2(m >= mu0 - 1e-15 && m <= mu0 + s.op->normalLowerBound() + 1e-12,
               qPrintable(QStringLiteral("strong convexity %1 with mu0 %2").arg(m).arg(mu0)));
    }
    if (kind == 0)
      QVERIFY2(p.strongConvexity(0) >= 1.0 + mu0 - 1e-12,
               "denoising: the identity's 1 is not used in the strong convexity bound");
  }
};

QTEST_GUILESS_MAIN(LowerLevelTest)
#include "test_lower_level.moc"
