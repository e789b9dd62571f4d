// Inner solves that converge for every regularizer: FISTA's safeguard raises a Lipschitz
// estimate that is too low (a quadratic whose "bound" is a quarter of its curvature, and the grey
// input-convex network, whose estimate is taken at the measurement), the hypergradient of those
// solves against central differences of the upper loss on both boundaries, and the convex ridge
// regularizer's channel-by-channel curvature bound, and the exact projection of the parameters.
#include <QTest>

#include <cmath>
#include <memory>

#include "backend/kernels/solver_steps.h"
#include "base/batch_ops.h"
#include "bilevel/config_json.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "bilevel/hypergradient.h"
#include "bilevel/prepared_run.h"
#include "bilevel/regularizer_registry.h"
#include "data/synthetic.h"
#include "problem/lower_level.h"
#include "regularizers/foe.h"
#include "test_support.h"
#include "tiny_config.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

// h_i(x) = 1/2 x^T A_i x - b_i^T x, whose curvature "bound" is A_i / 4: power iterations on it
// give a quarter of the Lipschitz constant, and a fixed step 1/L diverges.
class LowBoundQuadratic final : public BatchObjective<double> {
 public:
  LowBoundQuadratic(int n, int d) : shape_{n, 1, 1, d}, b_(RandomData<double>(shape_, 41)) {
    std::vector<Eigen::MatrixXd> a, quarter;
    for (int i = 0; i < n; ++i) {
      std::vector<double> eig(static_cast<std::size_t>(d));
      for (int k = 0; k < d; ++k)
        eig[std::size_t(k)] = 1.0 + 49.0 * k / (d - 1);  // spectrum [1, 50]
      a.push_back(RandomSpd(eig, 50 + unsigned(i)));
      quarter.push_back(0.25 * a.back());
    }
    a_ = std::make_unique<DenseBatchOperator<double>>(a);
    bound_ = std::make_unique<DenseBatchOperator<double>>(quarter);
  }
  Shape shape() const override { return shape_; }
  void gradient(const std::vector<int>& active, const Batch<double>& x,
                Batch<double>& grad) override {
    a_->apply(active, x, grad);
    for (int i : active)
      for (std::size_t k = 0; k < x.imageSize(); ++k)
        grad.image(i)[k] -= b_.image(i)[k];
  }
  BatchLinearOperator<double>& curvatureBound() override { return *bound_; }
  double strongConvexity(int) const override { return 0.0; }
  // The solution A_i^{-1} b_i.
  Eigen::VectorXd solution(int i) const {
    const Eigen::Map<const Eigen::VectorXd> b(b_.image(i), Eigen::Index(b_.imageSize()));
    return a_->matrix(i).ldlt().solve(b);
  }

 private:
  Shape shape_;
  Batch<double> b_;
  std::unique_ptr<DenseBatchOperator<double>> a_, bound_;
};

std::unique_ptr<Regularizer<double>> GreyInputConvex(const std::string& boundary) {
  RegularizerSettings s = DefaultRegularizerSettings("input_convex");
  s.set("regularizer.channels", 1LL);
  s.set("regularizer.hidden", 4LL);
  s.set("regularizer.depth", 3LL);
  s.set("regularizer.kernel_size", 3LL);
  s.set("regularizer.boundary", boundary);
  std::unique_ptr<Regularizer<double>> reg;
  if (Status st = CreateRegularizer(s, &reg); !st.ok()) qFatal("%s", st.message().c_str());
  return reg;
}

// Random feasible parameters far from the initial network: larger weights give the network more
// curvature at the solution than at the measurement.
Vector<double> RandomTheta(const Regularizer<double>& reg, unsigned seed) {
  Vector<double> t = reg.initialParameters() + 0.5 * RandomVec<double>(reg.parameterCount(), seed);
  t[0] = 0.0;  // the overall weight exp(theta_0) = 1
  reg.project(t);
  return t;
}

// A float or double lower-level problem: a Field of Experts denoising noisy synthetic images.
template <typename T>
struct FoeDenoising {
  Shape shape;
  IdentityOperator<T> op;
  Batch<T> y;
  FieldOfExperts<T> reg;
  LowerLevelProblem<T> problem;
  explicit FoeDenoising(Shape s)
      : shape(s), op(s), y(Noisy(s)), reg(Config()), problem(op, y, Init(reg), 0.0) {}
  static Batch<T> Noisy(Shape s) {
    Batch<T> y = SyntheticImages<T>(s, 3);
    AddGaussianNoise(y, 25.0, 4);
    return y;
  }
  static FoeConfig Config() {
    FoeConfig c;
    c.channels = 1;
    c.kernels = 4;
    c.kernel_size = 5;
    return c;
  }
  static FieldOfExperts<T>& Init(FieldOfExperts<T>& reg) {
    FoeInitOptions init;
    init.seed = 2;
    reg.setParameters(reg.initialParameters(init));
    return reg;
  }
};

}  // namespace

class InnerConvergenceTest : public QObject {
  Q_OBJECT

 private slots:
  // A fixed step from the low estimate diverges; the safeguard raises L until FISTA converges.
  void lowEstimateIsRaised() {
    LowBoundQuadratic problem(3, 12);
    FistaOptions o;
    o.tolerance = 1e-10;
    o.max_iterations = 20000;
    Batch<double> x(problem.shape());
    const SolveSummary s = SolveFista(o, problem, x);
    QVERIFY2(s.status == SolverStatus::kConverged, s.briefReport().c_str());
    for (int i = 0; i < 3; ++i) {
      const ImageSolveReport& r = s.images[std::size_t(i)];
      QVERIFY2(r.lipschitz_increases > 0, "the low estimate was never raised");
      // The estimate began near 50 / 4 and must end at the curvature the path needs: above the
      // largest eigenvalue's half (below it the top mode diverges) and not far above 50.
      QVERIFY2(r.lipschitz > 25.0 && r.lipschitz < 200.0, qPrintable(QString::number(r.lipschitz)));
      const Eigen::Map<const Eigen::VectorXd> xi(x.image(i), Eigen::Index(x.imageSize()));
      BILEVEL_CHECK_ERROR((xi - problem.solution(i)).norm(), 1e-10, "solution");
    }
  }

  // A bound that holds is never raised: the solve is the one without the safeguard.
  void validBoundIsKept() {
    LowBoundQuadratic low(2, 10);
    FistaOptions o;
    o.tolerance = 1e-9;
    o.lipschitz_safety = 4.4;  // turns the quarter back into a bound (50 * 1.1 / 50)
    Batch<double> x(low.shape());
    const SolveSummary s = SolveFista(o, low, x);
    QVERIFY2(s.status == SolverStatus::kConverged, s.briefReport().c_str());
    for (const ImageSolveReport& r : s.images)
      QCOMPARE(r.lipschitz_increases, 0);
  }

  // The grey input-convex network on an 8 x 9 image, random parameters, both boundaries: every
  // solve reaches 1e-10 and the hypergradient matches central differences of the upper loss.
  void greyInputConvexHypergradient_data() {
    QTest::addColumn<QString>("boundary");
    QTest::newRow("zero") << QStringLiteral("zero");
    QTest::newRow("mirror") << QStringLiteral("reflect101");
  }
  void greyInputConvexHypergradient() {
    QFETCH(QString, boundary);
    auto reg = GreyInputConvex(boundary.toStdString());
    const Shape shape{1, 1, 8, 9};
    const Vector<double> theta = RandomTheta(*reg, 17);
    QVERIFY(reg->checkParameters(theta).ok());
    IdentityOperator<double> op(shape);
    const Batch<double> clean = RandomData<double>(shape, 5, 0.0, 1.0);
    Batch<double> y = clean;
    AddGaussianNoise(y, 25.0, 6);
    HypergradientOptions options;
    options.lower.tolerance = 1e-10;
    options.linear.tolerance = 1e-10;
    options.lower.max_iterations = 20000;
    options.linear.max_iterations = 20000;
    const BatchData<double> data{&op, &clean, &y};
    Batch<double> x, q;
    const HypergradientResult<double> r = ComputeHypergradient(options, *reg, theta, data, x, q);
    QVERIFY2(r.status == SolverStatus::kConverged, r.message.c_str());
    QVERIFY2(r.lower.images[0].residual <= 1e-10, "FISTA stopped short of 1e-10");
    qDebug("L %g after %d increases, %d FISTA iterations", r.lower.images[0].lipschitz,
           r.lower.images[0].lipschitz_increases, r.lower.images[0].iterations);
    Vector<double> numeric(theta.size());
    for (int k = 0; k < int(theta.size()); ++k)
      numeric[k] = CentralDifference(
          [&](double t) {
            Batch<double> warm = x;
            const Vector<double> th = theta + t * UnitVector<double>(int(theta.size()), k);
            const HypergradientResult<double> e = EvaluateLoss(options, *reg, th, data, warm);
            if (e.status != SolverStatus::kConverged) qWarning("%s", e.message.c_str());
            return e.loss;
          },
          1e-5);
    BILEVEL_CHECK_ERROR(RelativeError(r.gradient, numeric), 1e-5, "hypergradient");
  }

  // eps stated for images of reference_size values: an image of N values stops at
  // eps * sqrt(N / reference_size), the same root mean square per value.
  void toleranceScalesWithTheImage() {
    QCOMPARE(steps::ScaledTolerance(1e-3, 4 * 9216.0, 9216.0), 2e-3);
    QCOMPARE(steps::ScaledTolerance(1e-3, 4 * 9216.0, 0.0), 1e-3);
    FoeDenoising<double> d(Shape{1, 1, 32, 48});
    FistaOptions o;
    o.tolerance = 1e-4;
    Batch<double> absolute = d.y, scaled = d.y;
    const SolveSummary a = SolveFista(o, d.problem, absolute);
    o.reference_size = 16 * 16;  // a 32 x 48 image is 6 such images: the rule is sqrt(6) looser
    const SolveSummary s = SolveFista(o, d.problem, scaled);
    QVERIFY(a.status == SolverStatus::kConverged && s.status == SolverStatus::kConverged);
    QVERIFY(a.images[0].residual <= 1e-4);
    QVERIFY(s.images[0].residual <= 1e-4 * std::sqrt(6.0));
    QVERIFY2(s.images[0].residual > 1e-4 && s.images[0].iterations < a.images[0].iterations,
             qPrintable(QStringLiteral("scaled: %1 after %2, absolute: %3 after %4")
                            .arg(s.images[0].residual)
                            .arg(s.images[0].iterations)
                            .arg(a.images[0].residual)
                            .arg(a.images[0].iterations)));
  }

  // A tolerance below what single precision can reach: the solve stops at the precision floor
  // long before its iteration limit, and says so; in double the same solve reaches it.
  void stallAtThePrecisionFloorIsDetected() {
    FoeDenoising<float> f(Shape{2, 1, 40, 40});
    FistaOptions o;
    o.tolerance = 1e-9;
    o.max_iterations = 20000;
    Batch<float> x = f.y;
    const SolveSummary s = SolveFista(o, f.problem, x);
    QVERIFY2(s.status == SolverStatus::kConverged, s.briefReport().c_str());
    for (const ImageSolveReport& r : s.images) {
      QVERIFY(r.stalled && r.converged);
      QVERIFY(r.residual > 1e-9);
      QVERIFY2(r.iterations < 2000, qPrintable(QString::number(r.iterations)));
    }
    QVERIFY2(s.message.find("precision floor") != std::string::npos, s.message.c_str());

    FoeDenoising<double> d(Shape{2, 1, 40, 40});
    Batch<double> xd = d.y;
    const SolveSummary sd = SolveFista(o, d.problem, xd);
    QVERIFY2(sd.status == SolverStatus::kConverged, sd.briefReport().c_str());
    for (const ImageSolveReport& r : sd.images) {
      QVERIFY(!r.stalled);
      QVERIFY(r.residual <= 1e-9);
    }
  }

  // The oracle projects theta in double: an input-convex network's B blocks end at exactly 0
  // (a float correction added to the double parameters left them at about -1e-11).
  void projectionIsExact() {
    TrainingConfig c = TinyConfig("input_convex");
    c.trainer.budget.iterations = 1;
    PrepareOptions options;
    options.measure_initial_test = false;
    PreparedRun prepared;
    const Status status = PrepareRun(c, options, &prepared);
    QVERIFY2(status.ok(), status.message().c_str());
    Eigen::VectorXd theta = prepared.oracle->initialParameters();
    // Negative B entries with digits below float precision.
    const Vector<double> noise = RandomVec<double>(int(theta.size()), 23);
    for (Eigen::Index k = 0; k < theta.size(); ++k)
      theta[k] = -1e-3 * (1.0 + noise[k]) + 1e-13 * double(k);
    prepared.oracle->project(theta);
    std::unique_ptr<Regularizer<double>> reg;
    QVERIFY(CreateRegularizer(c.regularizer, &reg).ok());
    int checked = 0;
    for (const ParameterBlock& b : reg->blocks()) {
      if (b.name.front() != 'B') continue;
      for (int k = 0; k < b.size; ++k, ++checked)
        QVERIFY2(theta[b.offset + k] >= 0.0, qPrintable(QStringLiteral("%1[%2] = %3")
                                                            .arg(QString::fromStdString(b.name))
                                                            .arg(k)
                                                            .arg(theta[b.offset + k], 0, 'g', 17)));
    }
    QVERIFY(checked > 0);
    // Entries the projection does not touch keep their double value.
    QCOMPARE(theta[0], -1e-3 * (1.0 + noise[0]));
  }

  // The bound uses each output channel's own largest spline slope: it still majorizes the
  // Hessian, and where two of three channels are gentle it lies well below the bound of the same
  // network with every channel as steep as the steepest (what one slope for all would give).
  void convexRidgeBoundPerChannel() {
    RegularizerSettings s = DefaultRegularizerSettings("convex_ridge");
    s.set("regularizer.channels", 1LL);
    s.set("regularizer.layers", std::string("2, 3"));
    s.set("regularizer.kernel_sizes", std::string("3, 3"));
    s.set("regularizer.knots", 5LL);
    std::unique_ptr<Regularizer<double>> reg;
    QVERIFY(CreateRegularizer(s, &reg).ok());
    Vector<double> mixed = reg->initialParameters();
    mixed += 0.3 * RandomVec<double>(int(mixed.size()), 8);
    Vector<double> steep = mixed;
    const int splines = int(mixed.size()) - 15;  // c: 3 channels x 5 knots, last
    for (int o = 0; o < 3; ++o)
      for (int m = 0; m < 5; ++m) {
        mixed[splines + o * 5 + m] = (o == 0 ? 2.0 : 0.1) * (m - 2);
        steep[splines + o * 5 + m] = 2.0 * (m - 2);
      }
    reg->project(mixed);
    reg->project(steep);
    const Shape shape{1, 1, 9, 10};
    const Batch<double> x = RandomData<double>(shape, 3, 0.0, 1.0);
    const std::vector<int> all{0};
    for (unsigned seed = 0; seed < 4; ++seed) {
      const Batch<double> v = RandomData<double>(shape, 30 + seed);
      Batch<double> hv(shape), bv(shape), steep_bv(shape);
      reg->setParameters(mixed);
      reg->prepareHessian(x);
      reg->hessianVector(all, v, hv);
      reg->curvatureBound(all, v, bv);
      QVERIFY2(DotImage(bv, v, 0) >= DotImage(hv, v, 0) * (1 - 1e-12), "bound below the Hessian");
      reg->setParameters(steep);
      reg->curvatureBound(all, v, steep_bv);
      QVERIFY2(DotImage(bv, v, 0) < 0.8 * DotImage(steep_bv, v, 0),
               qPrintable(QStringLiteral("per-channel %1, uniform %2")
                              .arg(DotImage(bv, v, 0))
                              .arg(DotImage(steep_bv, v, 0))));
    }
  }
};

QTEST_GUILESS_MAIN(InnerConvergenceTest)
#include "test_inner_convergence.moc"
