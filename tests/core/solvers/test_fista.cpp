// FISTA on lower-level problems: convergence to the requested gradient norm, iteration and power
// iteration counts that equal the work actually done per image, warm starts, the iteration
// limit, float precision, and the power method on operators with known spectra.
#include <QTest>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "base/batch_ops.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "data/synthetic.h"
#include "problem/lower_level.h"
#include "regularizers/foe.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

// Noisy (blurred, masked) synthetic images and a Field of Experts with J = 3, k = 5, C = 3.
template <typename T>
struct Denoising {
  Shape shape;
  std::unique_ptr<ForwardOperator<T>> op;
  Batch<T> clean, y;
  FieldOfExperts<T> reg;
  double mu0;
  std::unique_ptr<LowerLevelProblem<T>> problem;

  Denoising(int kind, double mu, Shape s = Shape{2, 3, 16, 16})
      : shape(s),
        reg([] {
          FoeConfig c;
          c.channels = 3;
          c.kernels = 3;
          c.kernel_size = 5;
          return c;
        }()),
        mu0(mu) {
    if (kind == 0) op = std::make_unique<IdentityOperator<T>>(shape);
    if (kind == 1) {
      GaussianBlurOptions o;
      o.size = 5;
      o.sigma = 1.0;
      Status st;
      op = GaussianBlurOperator<T>::Create(shape, o, &st);
    }
    if (kind == 2)
      op = std::make_unique<InpaintingOperator<T>>(
          InpaintingOperator<T>::RandomMasks(shape, 0.7, 5));
    clean = SyntheticImages<T>(shape, 1);
    y = Batch<T>(shape);
    ApplyToBatch(*op, clean, y);
    AddGaussianNoise(y, 25.0, 2);
    FoeInitOptions init;
    init.seed = 4;
    reg.setParameters(reg.initialParameters(init));
    problem = std::make_unique<LowerLevelProblem<T>>(*op, y, reg, mu0);
  }
};

template <typename T>
std::vector<double> GradientNorms(LowerLevelProblem<T>& p, const Batch<T>& x) {
  Batch<T> g(x.shape());
  p.gradient(AllImages(x.n()), x, g);
  std::vector<double> norms(std::size_t(x.n()));
  for (int i = 0; i < x.n(); ++i)
    norms[std::size_t(i)] = NormImage(g, i);
  return norms;
}

// lambda_max by many power iterations in double (the reference for the Lipschitz estimate).
double ReferenceLambdaMax(BatchLinearOperator<double>& op, const Shape& shape, int i) {
  Batch<double> v = RandomData<double>(shape, 99), w(shape);
  double lambda = 0.0;
  for (int it = 0; it < 300; ++it) {
    const double nv = NormImage(v, i);
    for (std::size_t k = 0; k < v.imageSize(); ++k)
      v.image(i)[k] /= nv;
    op.apply(std::vector<int>{i}, v, w);
    lambda = DotImage(v, w, i);
    std::swap(v, w);
  }
  return lambda;
}

const char* KindName(int kind) {
  return kind == 0 ? "denoising" : kind == 1 ? "deblurring" : "inpainting";
}

#define CHECK_FISTA_COUNTS(summary, counting, n)                                                \
  do {                                                                                          \
    QCOMPARE(int((summary).images.size()), (n));                                                \
    long iters_ = 0, powers_ = 0;                                                               \
    for (int i_ = 0; i_ < (n); ++i_) {                                                          \
      QVERIFY2((summary).images[i_].iterations == (counting).gradientCounts()[i_],              \
               qPrintable(QStringLiteral("image %1: reported %2 iterations, %3 gradients")      \
                              .arg(i_)                                                          \
                              .arg((summary).images[i_].iterations)                             \
                              .arg((counting).gradientCounts()[i_])));                          \
      QVERIFY2((summary).images[i_].power_iterations == (counting).boundCounts()[i_],           \
               qPrintable(QStringLiteral("image %1: reported %2 power iterations, %3 products") \
                              .arg(i_)                                                          \
                              .arg((summary).images[i_].power_iterations)                       \
                              .arg((counting).boundCounts()[i_])));                             \
      iters_ += (counting).gradientCounts()[i_];                                                \
      powers_ += (counting).boundCounts()[i_];                                                  \
    }                                                                                           \
    QCOMPARE((summary).totalIterations(), iters_);                                              \
    QCOMPARE((summary).totalPowerIterations(), powers_);                                        \
  } while (false)

}  // namespace

class FistaTest : public QObject {
  Q_OBJECT

 private slots:
  void convergesWithExactCounts_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("mu0");
    QTest::addRow("%s", KindName(0)) << 0 << 0.0;
    QTest::addRow("%s", KindName(1)) << 1 << 1e-3;
    QTest::addRow("%s", KindName(2)) << 2 << 1e-2;
  }
  void convergesWithExactCounts() {
    QFETCH(int, kind);
    QFETCH(double, mu0);
    Denoising<double> d(kind, mu0);
    QVERIFY(d.op);
    CountingObjective<double> counting(*d.problem);
    Batch<double> x = d.y;
    const std::vector<double> h0 = d.problem->value(x);
    FistaOptions options;
    options.tolerance = 1e-5;
    options.max_iterations = 50000;
    const SolveSummary s = SolveFista(options, counting, x);
    QVERIFY2(s.status == SolverStatus::kConverged, (s.message + " " + s.briefReport()).c_str());
    CHECK_FISTA_COUNTS(s, counting, 2);

    const std::vector<double> norms = GradientNorms(*d.problem, x);
    const std::vector<double> h1 = d.problem->value(x);
    for (int i = 0; i < 2; ++i) {
      const ImageSolveReport& r = s.images[i];
      QVERIFY(r.converged);
      QVERIFY(r.iterations > 1);
      QVERIFY(r.power_iterations > 0);
      QVERIFY2(norms[i] <= 1e-5,
               qPrintable(QStringLiteral("image %1: ||grad h|| = %2").arg(i).arg(norms[i])));
      // The reported residual is the gradient norm at the returned point.
      BILEVEL_CHECK_ERROR(std::abs(r.residual - norms[i]), 1e-9 * norms[i] + 1e-15,
                          "reported residual vs recomputed ||grad h||");
      QVERIFY2(h1[i] < h0[i], "the objective did not decrease");
    }
    // The Lipschitz estimate: the power method's lambda_max of the curvature bound times the
    // safety factor, so at most 1.05 lambda_max and not far below it.
    for (int i = 0; i < 2; ++i) {
      const double lambda = ReferenceLambdaMax(d.problem->curvatureBound(), d.shape, i);
      const double lip = s.images[i].lipschitz;
      QVERIFY2(
          lip <= options.lipschitz_safety * lambda * (1 + 1e-9) && lip >= 0.5 * lambda,
          qPrintable(
              QStringLiteral("image %1: Lipschitz %2, lambda_max %3").arg(i).arg(lip).arg(lambda)));
    }
  }

  void warmStartAtTheSolution() {
    Denoising<double> d(0, 0.0);
    CountingObjective<double> counting(*d.problem);
    Batch<double> x = d.y;
    FistaOptions options;
    options.tolerance = 1e-5;
    SolveSummary s = SolveFista(options, counting, x);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());

    // Again from the solution: one gradient per image finds it converged.
    counting.reset();
    const Batch<double> solved = x;
    s = SolveFista(options, counting, x);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_FISTA_COUNTS(s, counting, 2);
    for (int i = 0; i < 2; ++i) {
      QCOMPARE(s.images[i].iterations, 1);
      QVERIFY(s.images[i].converged);
    }
    QVERIFY2(MaxAbsDiff(x.data(), solved.data(), x.size()) == 0.0,
             "a converged warm start was moved");

    // Image 0 at its solution, image 1 from the measurement: image 0 stops costing work.
    counting.reset();
    Batch<double> mixed = solved;
    std::copy(d.y.image(1), d.y.image(1) + d.y.imageSize(), mixed.image(1));
    s = SolveFista(options, counting, mixed);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_FISTA_COUNTS(s, counting, 2);
    QCOMPARE(s.images[0].iterations, 1);
    QVERIFY(s.images[1].iterations > 5);
    QVERIFY(GradientNorms(*d.problem, mixed)[1] <= 1e-5);
  }

  void iterationLimit() {
    Denoising<double> d(0, 0.0);
    CountingObjective<double> counting(*d.problem);
    Batch<double> x = d.y;
    FistaOptions options;
    options.tolerance = 1e-8;
    options.max_iterations = 7;
    const SolveSummary s = SolveFista(options, counting, x);
    QCOMPARE(s.status, SolverStatus::kMaxIterations);
    QVERIFY(s.usable());
    QVERIFY(!s.message.empty());
    CHECK_FISTA_COUNTS(s, counting, 2);
    for (int i = 0; i < 2; ++i) {
      QCOMPARE(s.images[i].iterations, 7);
      QVERIFY(!s.images[i].converged);
      QVERIFY(s.images[i].residual > 1e-8);
    }
    QVERIFY(x.allFinite());
  }

  void deterministic() {
    Denoising<double> d(1, 1e-3);
    Batch<double> x1 = d.y, x2 = d.y;
    FistaOptions options;
    options.tolerance = 1e-4;
    const SolveSummary s1 = SolveFista(options, *d.problem, x1);
    const SolveSummary s2 = SolveFista(options, *d.problem, x2);
    QVERIFY(s1.usable() && s2.usable());
    for (int i = 0; i < 2; ++i)
      QCOMPARE(s1.images[i].iterations, s2.images[i].iterations);
    BILEVEL_CHECK_ERROR(RelativeError(x1, x2), 1e-13, "two identical solves");
  }

  void floatConverges() {
    Denoising<float> f(0, 0.0);
    Denoising<double> d(0, 0.0);
    CountingObjective<float> counting(*f.problem);
    Batch<float> x = f.y;
    FistaOptions options;
    options.tolerance = 1e-3;
    const SolveSummary s = SolveFista(options, counting, x);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_FISTA_COUNTS(s, counting, 2);
    const std::vector<double> norms = GradientNorms(*f.problem, x);
    for (int i = 0; i < 2; ++i)
      QVERIFY2(norms[i] <= 1.001e-3,
               qPrintable(QStringLiteral("float image %1: ||grad h|| = %2").arg(i).arg(norms[i])));
    // Close to the double-precision solution (h is 1-strongly convex: ||x - x*|| <= 1e-3).
    Batch<double> xd = d.y;
    options.tolerance = 1e-8;
    QVERIFY(SolveFista(options, *d.problem, xd).usable());
    const Batch<double> diff = Difference(BatchCast<double>(x), xd);
    for (int i = 0; i < 2; ++i)
      QVERIFY2(NormImage(diff, i) <= 1.5e-3,
               qPrintable(QStringLiteral("float vs double solution: %1").arg(NormImage(diff, i))));
  }

  void powerMethod() {
    const int n = 3, dim = 12;
    std::vector<Eigen::MatrixXd> ms;
    const double top[] = {10.0, 3.5, 250.0};
    for (int i = 0; i < n; ++i) {
      std::vector<double> e(static_cast<std::size_t>(dim));
      for (int k = 0; k < dim; ++k)
        e[std::size_t(k)] = top[i] * (k + 1.0) / dim;
      ms.push_back(RandomSpd(e, 60 + i));
    }
    DenseBatchOperator<double> op(ms);
    CountingOperator<double> counter(op, n);
    const int iterations = 300;
    const std::vector<double> lambda =
        PowerMethod<double>(counter, Shape{n, 1, 1, dim}, iterations, 3);
    QCOMPARE(int(lambda.size()), n);
    for (int i = 0; i < n; ++i) {
      BILEVEL_CHECK_ERROR(RelativeError(lambda[i], top[i]), 1e-8, "power method lambda_max");
      QVERIFY2(counter.counts()[i] >= iterations && counter.counts()[i] <= iterations + 1,
               qPrintable(QStringLiteral("%1 products for %2 iterations")
                              .arg(counter.counts()[i])
                              .arg(iterations)));
    }
  }

  void nonFiniteStartIsReported() {
    Denoising<double> d(0, 0.0);
    CountingObjective<double> counting(*d.problem);
    Batch<double> x = d.y;
    x.at(1, 0, 4, 4) = std::numeric_limits<double>::quiet_NaN();
    FistaOptions options;
    options.tolerance = 1e-5;
    const SolveSummary s = SolveFista(options, counting, x);
    QCOMPARE(s.status, SolverStatus::kNonFinite);
    QVERIFY(!s.usable());
    QVERIFY(!s.message.empty());
    QVERIFY2(counting.gradientCounts()[1] <= 1, "kept iterating on a non-finite image");
  }

  void invalidOptions_data() {
    QTest::addColumn<double>("tolerance");
    QTest::newRow("zero") << 0.0;
    QTest::newRow("negative") << -1.0;
    QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN();
  }
  void invalidOptions() {
    QFETCH(double, tolerance);
    FistaOptions options;
    options.tolerance = tolerance;
    const Status v = options.validate();
    BILEVEL_CHECK_REJECTED(v.ok(), v.message(), "tolerance", "eps");
    Denoising<double> d(0, 0.0);
    CountingObjective<double> counting(*d.problem);
    Batch<double> x = d.y;
    const SolveSummary s = SolveFista(options, counting, x);
    QCOMPARE(s.status, SolverStatus::kInvalidInput);
    QVERIFY(!s.message.empty());
    QCOMPARE(counting.gradientCounts()[0] + counting.gradientCounts()[1], 0);
    QVERIFY(FistaOptions{}.validate().ok());
  }
};

QTEST_GUILESS_MAIN(FistaTest)
#include "test_fista.moc"
