// Conjugate gradients on small dense SPD batches with known answers: exact iteration counts,
// per-image stopping, warm starts, the iteration limit, and that the reported counts are the
// Hessian-vector products actually made on each image.
#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include "bilevel/cg.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

Eigen::MatrixXd Diagonal(const std::vector<double>& d) {
  Eigen::VectorXd v(int(d.size()));
  for (int k = 0; k < int(d.size()); ++k)
    v(k) = d[std::size_t(k)];
  return v.asDiagonal();
}

// Eigenvalues 1, 2 and 4, each repeated: CG converges in exactly 3 steps from zero.
std::vector<double> ThreeValues(int d) {
  std::vector<double> e(std::size_t(d), 0.0);
  for (int k = 0; k < d; ++k)
    e[std::size_t(k)] = std::ldexp(1.0, k % 3);
  return e;
}

template <typename T>
Batch<T> RightHandSides(int n, int d, unsigned seed) {
  return RandomData<T>(Shape{n, 1, 1, d}, seed);
}

// ||b_i - H_i q_i|| recomputed in double.
template <typename T>
double TrueResidual(const DenseBatchOperator<T>& h, const Batch<T>& b, const Batch<T>& q, int i) {
  const Eigen::MatrixXd& m = h.matrix(i);
  const int d = int(m.rows());
  Eigen::VectorXd qi(d), bi(d);
  for (int k = 0; k < d; ++k) {
    qi(k) = double(q.image(i)[k]);
    bi(k) = double(b.image(i)[k]);
  }
  return (bi - m * qi).norm();
}

// Checks the summary's per-image counts against the counting wrapper.
#define CHECK_COUNTS(summary, counter, n)                                                      \
  do {                                                                                         \
    QCOMPARE(int((summary).images.size()), (n));                                               \
    QCOMPARE((counter).outOfRange(), 0);                                                       \
    long total_ = 0;                                                                           \
    for (int i_ = 0; i_ < (n); ++i_) {                                                         \
      QVERIFY2((summary).images[i_].iterations == (counter).counts()[i_],                      \
               qPrintable(QStringLiteral("image %1: reported %2 iterations, %3 products made") \
                              .arg(i_)                                                         \
                              .arg((summary).images[i_].iterations)                            \
                              .arg((counter).counts()[i_])));                                  \
      total_ += (counter).counts()[i_];                                                        \
    }                                                                                          \
    QCOMPARE((summary).totalIterations(), total_);                                             \
  } while (false)

}  // namespace

class CgTest : public QObject {
  Q_OBJECT

 private slots:
  void threeDistinctEigenvaluesTakeThreeIterations_data() {
    QTest::addColumn<bool>("rotated");
    QTest::newRow("diagonal") << false;
    QTest::newRow("rotated") << true;
  }
  void threeDistinctEigenvaluesTakeThreeIterations() {
    QFETCH(bool, rotated);
    const int n = 3, d = 12;
    std::vector<Eigen::MatrixXd> ms;
    for (int i = 0; i < n; ++i)
      ms.push_back(rotated ? RandomSpd(ThreeValues(d), 10 + i) : Diagonal(ThreeValues(d)));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    const Batch<double> b = RightHandSides<double>(n, d, 1);
    Batch<double> q(b.shape());
    CgOptions options;
    options.tolerance = 1e-10;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_COUNTS(s, counter, n);
    for (int i = 0; i < n; ++i) {
      QCOMPARE(s.images[i].iterations, 3);
      QVERIFY(s.images[i].converged);
      QVERIFY(s.images[i].residual <= 1e-10);
      BILEVEL_CHECK_ERROR(TrueResidual(h, b, q, i), 1e-10, "true residual");
      const Eigen::VectorXd exact =
          h.matrix(i).ldlt().solve(Eigen::Map<const Eigen::VectorXd>(b.image(i), d));
      BILEVEL_CHECK_ERROR(RelativeErrorRange(q.image(i), exact.data(), std::size_t(d)), 1e-10,
                          "solution");
    }
  }

  void denseSystemsWithKnownSolutions() {
    const int n = 3, d = 20;
    std::vector<Eigen::MatrixXd> ms;
    const double conds[] = {2.0, 30.0, 300.0};
    for (int i = 0; i < n; ++i) {
      std::vector<double> e(static_cast<std::size_t>(d));
      for (int k = 0; k < d; ++k)
        e[std::size_t(k)] = std::pow(conds[i], double(k) / (d - 1));
      ms.push_back(RandomSpd(e, 20 + i));
    }
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    // Right-hand sides from known solutions.
    const Batch<double> qstar = RightHandSides<double>(n, d, 2);
    Batch<double> b(qstar.shape());
    h.apply(AllImagesOf(n), qstar, b);
    Batch<double> q(b.shape());
    CgOptions options;
    options.tolerance = 1e-10;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_COUNTS(s, counter, n);
    for (int i = 0; i < n; ++i) {
      QVERIFY(s.images[i].converged);
      QVERIFY(s.images[i].residual <= 1e-10);
      QVERIFY(s.images[i].iterations >= 2);
      QVERIFY2(
          s.images[i].iterations <= 2 * d,
          qPrintable(
              QStringLiteral("image %1 took %2 iterations").arg(i).arg(s.images[i].iterations)));
      BILEVEL_CHECK_ERROR(TrueResidual(h, b, q, i), 1.1e-10, "true residual");
      BILEVEL_CHECK_ERROR(RelativeErrorRange(q.image(i), qstar.image(i), std::size_t(d)), 1e-9,
                          "solution vs known answer");
    }
    // The better conditioned system needs fewer products.
    QVERIFY(s.images[0].iterations < s.images[2].iterations);
  }

  void zeroRightHandSideCostsNothing() {
    const int n = 3, d = 10;
    std::vector<Eigen::MatrixXd> ms;
    for (int i = 0; i < n; ++i)
      ms.push_back(RandomSpd(ThreeValues(d), 30 + i));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    Batch<double> b = RightHandSides<double>(n, d, 3);
    std::fill(b.image(1), b.image(1) + d, 0.0);
    Batch<double> q(b.shape());
    CgOptions options;
    options.tolerance = 1e-10;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_COUNTS(s, counter, n);
    QCOMPARE(s.images[1].iterations, 0);
    QCOMPARE(counter.counts()[1], 0);
    QVERIFY(s.images[1].converged);
    QCOMPARE(s.images[1].residual, 0.0);
    for (int k = 0; k < d; ++k)
      QCOMPARE(q.image(1)[k], 0.0);
    QCOMPARE(s.images[0].iterations, 3);
    QCOMPARE(s.images[2].iterations, 3);
  }

  void warmStartAtTheSolutionCostsOne() {
    const int n = 2, d = 9;
    // Diagonal entries and solutions that are powers of two: b = H q* is exact.
    std::vector<Eigen::MatrixXd> ms(n, Diagonal(ThreeValues(d)));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    Batch<double> qstar(Shape{n, 1, 1, d});
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < d; ++k)
        qstar.image(i)[k] = std::ldexp(1.0, (k + i) % 4 - 2);
    Batch<double> b(qstar.shape());
    h.apply(AllImagesOf(n), qstar, b);
    Batch<double> q = qstar;
    CgOptions options;
    options.tolerance = 1e-12;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_COUNTS(s, counter, n);
    for (int i = 0; i < n; ++i) {
      QCOMPARE(s.images[i].iterations, 1);
      QVERIFY(s.images[i].converged);
    }
    QVERIFY2(q.values() == qstar.values(), "a converged warm start was changed");

    // A warm start near the solution: one product for the residual, then the CG steps.
    counter.reset();
    Batch<double> near = Shifted(qstar, 1e-3, RandomData<double>(qstar.shape(), 4));
    const SolveSummary s2 = SolveCg(options, counter, b, near);
    QVERIFY2(s2.status == SolverStatus::kConverged, s2.message.c_str());
    CHECK_COUNTS(s2, counter, n);
    for (int i = 0; i < n; ++i)
      QCOMPARE(s2.images[i].iterations, 4);
    BILEVEL_CHECK_ERROR(RelativeError(near, qstar), 1e-11, "solution from a nearby warm start");
  }

  void iterationLimit() {
    const int n = 2, d = 12;
    std::vector<Eigen::MatrixXd> ms(n, Diagonal(ThreeValues(d)));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    const Batch<double> b = RightHandSides<double>(n, d, 5);
    Batch<double> q(b.shape());
    CgOptions options;
    options.tolerance = 1e-10;
    options.max_iterations = 2;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QCOMPARE(s.status, SolverStatus::kMaxIterations);
    QVERIFY(s.usable());
    QVERIFY(!s.message.empty());
    CHECK_COUNTS(s, counter, n);
    for (int i = 0; i < n; ++i) {
      QCOMPARE(s.images[i].iterations, 2);
      QVERIFY(!s.images[i].converged);
      QVERIFY(s.images[i].residual > 1e-10);
      // The reported residual is the residual of the returned iterate.
      BILEVEL_CHECK_ERROR(RelativeError(s.images[i].residual, TrueResidual(h, b, q, i)), 1e-8,
                          "reported vs true residual");
      // Two CG steps reduce the residual.
      QVERIFY(TrueResidual(h, b, q, i) < NormImage(b, i));
    }
  }

  void floatSolve() {
    const int n = 2, d = 16;
    std::vector<Eigen::MatrixXd> ms;
    for (int i = 0; i < n; ++i) {
      std::vector<double> e(static_cast<std::size_t>(d));
      for (int k = 0; k < d; ++k)
        e[std::size_t(k)] = 1.0 + 9.0 * k / (d - 1);
      ms.push_back(RandomSpd(e, 40 + i));
    }
    DenseBatchOperator<float> h(ms);
    CountingOperator<float> counter(h, n);
    const Batch<float> b = RightHandSides<float>(n, d, 6);
    Batch<float> q(b.shape());
    CgOptions options;
    options.tolerance = 1e-4;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QVERIFY2(s.status == SolverStatus::kConverged, s.message.c_str());
    CHECK_COUNTS(s, counter, n);
    for (int i = 0; i < n; ++i)
      BILEVEL_CHECK_ERROR(TrueResidual(h, b, q, i), 1.05e-4, "residual");
  }

  void invalidOptions_data() {
    QTest::addColumn<double>("tolerance");
    QTest::newRow("zero") << 0.0;
    QTest::newRow("negative") << -1e-3;
    QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN();
  }
  void invalidOptions() {
    QFETCH(double, tolerance);
    CgOptions options;
    options.tolerance = tolerance;
    const Status v = options.validate();
    BILEVEL_CHECK_REJECTED(v.ok(), v.message(), "tolerance", "delta");

    std::vector<Eigen::MatrixXd> ms(2, Diagonal(ThreeValues(6)));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, 2);
    const Batch<double> b = RightHandSides<double>(2, 6, 7);
    Batch<double> q(b.shape());
    const SolveSummary s = SolveCg(options, counter, b, q);
    QCOMPARE(s.status, SolverStatus::kInvalidInput);
    QVERIFY(!s.message.empty());
    QVERIFY(!s.usable());
    QCOMPARE(counter.calls(), 0);
    QVERIFY(CgOptions{}.validate().ok());
  }

  void nonFiniteOperatorIsReported() {
    const int n = 2, d = 6;
    std::vector<Eigen::MatrixXd> ms(n, Diagonal(ThreeValues(d)));
    ms[1](2, 2) = std::numeric_limits<double>::quiet_NaN();
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    const Batch<double> b = RightHandSides<double>(n, d, 8);
    Batch<double> q(b.shape());
    CgOptions options;
    options.tolerance = 1e-10;
    options.max_iterations = 50;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QCOMPARE(s.status, SolverStatus::kNonFinite);
    QVERIFY(!s.usable());
    QVERIFY(!s.message.empty());
    QVERIFY2(counter.counts()[1] <= 2, "kept iterating on a non-finite image");
  }

  // A NaN in the warm start must not come back as a converged solution.
  void nonFiniteWarmStartIsReported() {
    const int n = 2, d = 6;
    std::vector<Eigen::MatrixXd> ms(n, Diagonal(ThreeValues(d)));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    const Batch<double> b = RightHandSides<double>(n, d, 9);
    Batch<double> q(b.shape());
    q.image(1)[3] = std::numeric_limits<double>::quiet_NaN();
    CgOptions options;
    options.tolerance = 1e-10;
    options.max_iterations = 50;
    const SolveSummary s = SolveCg(options, counter, b, q);
    if (s.usable()) {
      QVERIFY2(q.allFinite(), qPrintable(QStringLiteral("status %1 with a non-finite solution")
                                             .arg(QString::fromLatin1(ToString(s.status)))));
    } else {
      QVERIFY(!s.message.empty());
    }
  }

  void nonFiniteRightHandSideIsReported() {
    const int n = 2, d = 6;
    std::vector<Eigen::MatrixXd> ms(n, Diagonal(ThreeValues(d)));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, n);
    Batch<double> b = RightHandSides<double>(n, d, 10);
    b.image(0)[1] = std::numeric_limits<double>::infinity();
    Batch<double> q(b.shape());
    CgOptions options;
    options.max_iterations = 50;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QVERIFY(!s.usable());
    QVERIFY(!s.message.empty());
    QVERIFY(counter.counts()[0] <= 1);
  }

  // An indefinite or zero operator: CG must stop with an unusable result, not loop or claim
  // convergence.
  void indefiniteOperatorIsReported_data() {
    QTest::addColumn<double>("second_eigenvalue");
    QTest::newRow("indefinite") << -1.0;
    QTest::newRow("singular") << 0.0;
  }
  void indefiniteOperatorIsReported() {
    QFETCH(double, second_eigenvalue);
    std::vector<Eigen::MatrixXd> ms(
        1, Diagonal({second_eigenvalue == 0.0 ? 0.0 : 1.0, second_eigenvalue}));
    DenseBatchOperator<double> h(ms);
    CountingOperator<double> counter(h, 1);
    Batch<double> b(Shape{1, 1, 1, 2}, 1.0);
    Batch<double> q(b.shape());
    CgOptions options;
    options.tolerance = 1e-10;
    options.max_iterations = 100;
    const SolveSummary s = SolveCg(options, counter, b, q);
    QVERIFY2(s.status != SolverStatus::kConverged,
             "CG claimed convergence on a system without an SPD solution");
    QVERIFY(!s.message.empty());
    QVERIFY2(counter.counts()[0] <= 2, "kept iterating after p^T H p <= 0");
  }

 private:
  static std::vector<int> AllImagesOf(int n) {
    std::vector<int> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      v[std::size_t(i)] = i;
    return v;
  }
};

QTEST_GUILESS_MAIN(CgTest)
#include "test_cg.moc"
