// The hypergradient of f(theta) = (1/m) sum_i ||x_i(theta) - x*_i||^2 against central differences
// of the loss, with both inner solves run to 1e-11, for denoising (colour and grey), deblurring
// and inpainting; plus the loss, PSNR and cost bookkeeping of the result and its warm starts.
#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "base/batch_ops.h"
#include "bilevel/forward_operator.h"
#include "bilevel/hypergradient.h"
#include "bilevel/metrics.h"
#include "data/synthetic.h"
#include "problem/lower_level.h"
#include "regularizers/foe.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

struct Problem {
  Shape shape;
  std::unique_ptr<ForwardOperator<double>> op;
  Batch<double> clean, y;
  FieldOfExperts<double> reg;
  Vector<double> theta;
  HypergradientOptions options;

  Problem(int kind, int channels, double mu0)
      : shape{2, channels, 16, 16}, reg([channels] {
          FoeConfig c;
          c.channels = channels;
          c.kernels = 3;
          c.kernel_size = 5;
          return c;
        }()) {
    if (kind == 0) op = std::make_unique<IdentityOperator<double>>(shape);
    if (kind == 1) {
      GaussianBlurOptions o;
      o.size = 5;
      o.sigma = 1.0;
      Status st;
      op = GaussianBlurOperator<double>::Create(shape, o, &st);
    }
    if (kind == 2)
      op = std::make_unique<InpaintingOperator<double>>(
          InpaintingOperator<double>::RandomMasks(shape, 0.7, 3));
    clean = SyntheticImages<double>(shape, 8);
    y = Batch<double>(shape);
    if (op) ApplyToBatch(*op, clean, y);
    AddGaussianNoise(y, 25.0, 9);
    theta = DerivativeCheckParameters(reg, 5);
    options.lower.tolerance = 1e-11;
    options.lower.max_iterations = 50000;
    options.linear.tolerance = 1e-11;
    options.linear.max_iterations = 20000;
    options.mu0 = mu0;
  }
  BatchData<double> data() const {
    BatchData<double> d;
    d.op = op.get();
    d.clean = &clean;
    d.measured = &y;
    return d;
  }
};

const char* KindName(int kind) {
  return kind == 0 ? "denoising" : kind == 1 ? "deblurring" : "inpainting";
}

}  // namespace

class HypergradientTest : public QObject {
  Q_OBJECT

 private slots:
  void matchesFiniteDifferences_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("channels");
    QTest::addColumn<double>("mu0");
    QTest::addRow("%s colour", KindName(0)) << 0 << 3 << 0.0;
    QTest::addRow("%s grey", KindName(0)) << 0 << 1 << 0.0;
    QTest::addRow("%s colour", KindName(1)) << 1 << 3 << 1e-3;
    QTest::addRow("%s colour", KindName(2)) << 2 << 3 << 1e-2;
  }
  void matchesFiniteDifferences() {
    QFETCH(int, kind);
    QFETCH(int, channels);
    QFETCH(double, mu0);
    QElapsedTimer timer;
    timer.start();
    Problem p(kind, channels, mu0);
    QVERIFY(p.op);
    QVERIFY2(p.options.validate().ok(), p.options.validate().message().c_str());
    const BatchData<double> data = p.data();
    Batch<double> x, q;
    const HypergradientResult<double> r =
        ComputeHypergradient(p.options, p.reg, p.theta, data, x, q);
    QVERIFY2(
        r.status == SolverStatus::kConverged,
        (r.message + " | lower: " + r.lower.briefReport() + " | linear: " + r.linear.briefReport())
            .c_str());
    QVERIFY(r.usable());
    const int d = p.reg.parameterCount();
    QCOMPARE(int(r.gradient.size()), d);
    QVERIFY(r.gradient.allFinite());
    QCOMPARE(x.shape(), p.shape);
    QCOMPARE(q.shape(), p.shape);

    const FoeLayout& layout = p.reg.layout();
    // Directions: every scalar parameter, a random subset of kernel entries, random directions.
    std::vector<Vector<double>> directions;
    std::vector<int> group;  // 0 scalars, 1 kernel entries, 2 random directions
    for (int k = 0; k < layout.kernel(0); ++k) {
      directions.push_back(UnitVector<double>(d, k));
      group.push_back(0);
    }
    std::vector<int> entries(std::size_t(layout.kernels * layout.kernel_values));
    std::iota(entries.begin(), entries.end(), layout.kernel(0));
    std::shuffle(entries.begin(), entries.end(), std::mt19937(77));
    for (int n = 0; n < 10; ++n) {
      directions.push_back(UnitVector<double>(d, entries[std::size_t(n)]));
      group.push_back(1);
    }
    for (unsigned seed : {1u, 2u, 3u}) {
      Vector<double> v = RandomVec<double>(d, 200 + seed);
      directions.push_back(v / v.norm());
      group.push_back(2);
    }

    const double step = 1e-4;
    std::vector<double> analytic[3], numeric[3];
    for (std::size_t k = 0; k < directions.size(); ++k) {
      const Vector<double>& e = directions[k];
      auto loss = [&](double t) {
        Batch<double> warm = x;
        const Vector<double> th = p.theta + t * e;
        const HypergradientResult<double> lr = EvaluateLoss(p.options, p.reg, th, data, warm);
        if (lr.status != SolverStatus::kConverged)
          qWarning("EvaluateLoss: %s %s", lr.message.c_str(), lr.lower.briefReport().c_str());
        return lr.loss;
      };
      const double fd = CentralDifference(loss, step);
      analytic[group[k]].push_back(r.gradient.dot(e));
      numeric[group[k]].push_back(fd);
    }
    const char* names[] = {"scalar parameters", "kernel entries", "random directions"};
    for (int g = 0; g < 3; ++g) {
      for (std::size_t k = 0; k < analytic[g].size(); ++k)
        qDebug("%s %zu: hypergradient %.10g, finite difference %.10g", names[g], k, analytic[g][k],
               numeric[g][k]);
      BILEVEL_CHECK_ERROR(RelativeError(analytic[g], numeric[g]), 1e-3, names[g]);
    }
    qInfo("%s: %d directions in %.2f s, %ld computations for the hypergradient",
          QTest::currentDataTag(), int(directions.size()), timer.elapsed() / 1000.0,
          r.computations());
  }

  void resultBookkeeping_data() { matchesFiniteDifferences_data(); }
  void resultBookkeeping() {
    QFETCH(int, kind);
    QFETCH(int, channels);
    QFETCH(double, mu0);
    Problem p(kind, channels, mu0);
    QVERIFY(p.op);
    const BatchData<double> data = p.data();
    Batch<double> x, q;
    const HypergradientResult<double> r =
        ComputeHypergradient(p.options, p.reg, p.theta, data, x, q);
    QVERIFY2(r.status == SolverStatus::kConverged, r.message.c_str());

    // Computations: lower-level plus CG iterations over the images.
    QCOMPARE(int(r.lower.images.size()), 2);
    QCOMPARE(int(r.linear.images.size()), 2);
    long lower = 0, linear = 0;
    for (int i = 0; i < 2; ++i) {
      QVERIFY(r.lower.images[i].iterations > 0);
      QVERIFY(r.linear.images[i].iterations > 0);
      QVERIFY(r.lower.images[i].converged && r.linear.images[i].converged);
      QVERIFY(r.lower.images[i].residual <= 1e-11);
      QVERIFY(r.linear.images[i].residual <= 1e-11);
      lower += r.lower.images[i].iterations;
      linear += r.linear.images[i].iterations;
    }
    QCOMPARE(r.lower.totalIterations(), lower);
    QCOMPARE(r.linear.totalIterations(), linear);
    QCOMPARE(r.computations(), lower + linear);

    // The loss and PSNR are those of the returned solutions.
    QCOMPARE(int(r.losses.size()), 2);
    QCOMPARE(int(r.psnr.size()), 2);
    double mean = 0.0, mean_psnr = 0.0;
    for (int i = 0; i < 2; ++i) {
      const double se = SquaredError(x, p.clean, i);
      BILEVEL_CHECK_ERROR(RelativeError(r.losses[i], se), 1e-12, "per-image loss");
      BILEVEL_CHECK_ERROR(std::abs(r.psnr[i] - Psnr(x, p.clean, i)), 1e-9, "per-image PSNR");
      mean += se / 2;
      mean_psnr += r.psnr[i] / 2;
    }
    BILEVEL_CHECK_ERROR(RelativeError(r.loss, mean), 1e-12, "loss = mean squared error");
    BILEVEL_CHECK_ERROR(std::abs(r.meanPsnr() - mean_psnr), 1e-12, "mean PSNR");

    // x solves the lower level; q solves H q = grad g(x) = 2 (x - x*).
    p.reg.setParameters(p.theta);
    LowerLevelProblem<double> problem(*p.op, p.y, p.reg, mu0);
    Batch<double> g(p.shape), hq(p.shape);
    problem.gradient(AllImages(2), x, g);
    problem.hessianAt(x).apply(AllImages(2), q, hq);
    for (int i = 0; i < 2; ++i) {
      BILEVEL_CHECK_ERROR(NormImage(g, i), 1e-11, "||grad h(x)|| at the returned x");
      double res2 = 0.0;
      for (std::size_t k = 0; k < x.imageSize(); ++k) {
        const double rk = 2.0 * (x.image(i)[k] - p.clean.image(i)[k]) - hq.image(i)[k];
        res2 += rk * rk;
      }
      BILEVEL_CHECK_ERROR(std::sqrt(res2), 1e-9, "||H q - 2 (x - x*)|| at the returned q");
    }

    // The hypergradient is the mean of -(d/dtheta grad_x h_i)^T q_i.
    Vector<double> mixed;
    p.reg.mixedDerivative(AllImages(2), x, q, mixed);
    BILEVEL_CHECK_ERROR(RelativeError(r.gradient, Vector<double>(-0.5 * mixed)), 1e-12,
                        "gradient = -mean of mixed derivative times q");

    // EvaluateLoss: the same loss, no CG, no gradient.
    Batch<double> x2;
    const HypergradientResult<double> l = EvaluateLoss(p.options, p.reg, p.theta, data, x2);
    QVERIFY2(l.status == SolverStatus::kConverged, l.message.c_str());
    QCOMPARE(l.linear.totalIterations(), 0L);
    QCOMPARE(int(l.gradient.size()), 0);
    QCOMPARE(l.computations(), l.lower.totalIterations());
    BILEVEL_CHECK_ERROR(RelativeError(l.loss, r.loss), 1e-9, "EvaluateLoss vs hypergradient loss");
  }

  void warmStartsComeBack() {
    Problem p(0, 3, 0.0);
    p.options.lower.tolerance = 1e-6;
    p.options.linear.tolerance = 1e-6;
    const BatchData<double> data = p.data();
    Batch<double> x, q;
    const HypergradientResult<double> first =
        ComputeHypergradient(p.options, p.reg, p.theta, data, x, q);
    QVERIFY2(first.status == SolverStatus::kConverged, first.message.c_str());
    const Batch<double> x1 = x, q1 = q;
    const HypergradientResult<double> second =
        ComputeHypergradient(p.options, p.reg, p.theta, data, x, q);
    QVERIFY2(second.status == SolverStatus::kConverged, second.message.c_str());
    for (int i = 0; i < 2; ++i) {
      QCOMPARE(second.lower.images[i].iterations, 1);
      QCOMPARE(second.linear.images[i].iterations, 1);
    }
    QCOMPARE(second.computations(), 4L);
    QVERIFY(x.values() == x1.values());
    QVERIFY(q.values() == q1.values());
    BILEVEL_CHECK_ERROR(RelativeError(second.gradient, first.gradient), 1e-14,
                        "hypergradient from converged warm starts");

    // Warm starts of the wrong shape: the header promises they are replaced (resized and
    // zeroed); rejecting them with a message naming the shape is tolerated, anything else is not.
    Batch<double> bad_x(Shape{1, 3, 5, 5}, 1.0), bad_q(Shape{3, 3, 16, 16}, 1.0);
    const HypergradientResult<double> third =
        ComputeHypergradient(p.options, p.reg, p.theta, data, bad_x, bad_q);
    if (third.status == SolverStatus::kInvalidInput) {
      QVERIFY2(MentionsAny(third.message, {"shape"}), third.message.c_str());
      qWarning(
          "a warm start of the wrong shape was rejected (\"%s\"), not replaced as "
          "hypergradient.h says",
          third.message.c_str());
    } else {
      QVERIFY2(third.status == SolverStatus::kConverged, third.message.c_str());
      QCOMPARE(bad_x.shape(), p.shape);
      QCOMPARE(bad_q.shape(), p.shape);
      BILEVEL_CHECK_ERROR(RelativeError(third.gradient, first.gradient), 1e-3,
                          "hypergradient from replaced warm starts");
    }
  }
};

QTEST_GUILESS_MAIN(HypergradientTest)
#include "test_hypergradient.moc"
