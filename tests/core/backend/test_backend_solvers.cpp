// Batches in a backend's memory (bilevel/batch.h) and the solvers on them. A batch made on a
// backend whose memory is not the host's stays there when copied, resized or filled, and crosses
// only through OnBackend and OnHost. FISTA, CG and the power method, written once over the batch
// operations, give on batches of the body launches (the sequence of launches the CUDA backend
// makes, run in the host loop) the iterations, step bounds and solutions they give on host
// batches, for regularizers made on either; so does the hypergradient, with the lower level's
// forward operators (identity, blur under both boundary rules, inpainting) in that memory.
#include <QTest>

#include <cmath>
#include <memory>
#include <vector>

#include "backend/body_ops.h"
#include "backend/cpu/cpu_ops.h"
#include "base/batch_ops.h"
#include "bilevel/cg.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "bilevel/hypergradient.h"
#include "bilevel/regularizer_registry.h"
#include "test_support.h"

namespace bilevel {
namespace {

template <typename T>
using HostBodyOps = backend::BodyOps<T, backend::HostLoopDevice>;

// h_i(x) = 1/2 ||x - y_i||^2 + R(x), written with the batch operations only, so that it works
// wherever its batches live.
class Denoising final : public BatchObjective<double> {
 public:
  Denoising(Regularizer<double>& r, const Batch<double>& y)
      : r_(r),
        y_(y),
        ones_(y.n(), 1.0),
        minus_(y.n(), -1.0),
        bound_(*this, true),
        hessian_(*this, false) {}
  Shape shape() const override { return y_.shape(); }
  void gradient(const std::vector<int>& active, const Batch<double>& x,
                Batch<double>& grad) override {
    r_.gradient(active, x, grad);
    Axpby(active, ones_, x, ones_, grad);
    Axpby(active, minus_, y_, ones_, grad);
  }
  BatchLinearOperator<double>& curvatureBound() override { return bound_; }
  double strongConvexity(int) const override { return 1.0; }
  BatchLinearOperator<double>& hessianAt(const Batch<double>& x) {
    r_.prepareHessian(x);
    return hessian_;
  }

 private:
  class Curvature final : public BatchLinearOperator<double> {
   public:
    Curvature(Denoising& d, bool bound) : d_(d), bound_(bound) {}
    void apply(const std::vector<int>& active, const Batch<double>& v,
               Batch<double>& out) override {
      if (bound_)
        d_.r_.curvatureBound(active, v, out);
      else
        d_.r_.hessianVector(active, v, out);
      Axpby(active, d_.ones_, v, d_.ones_, out);
    }

   private:
    Denoising& d_;
    bool bound_;
  };
  Regularizer<double>& r_;
  const Batch<double>& y_;
  std::vector<double> ones_, minus_;
  Curvature bound_, hessian_;
};

RegularizerSettings Small(const std::string& type) {
  RegularizerSettings s = DefaultRegularizerSettings(type);
  s.set("regularizer.channels", 2LL);
  if (s.find("regularizer.kernels")) s.set("regularizer.kernels", 3LL);
  if (s.find("regularizer.kernel_size")) s.set("regularizer.kernel_size", 5LL);
  return s;
}

}  // namespace

class TestBackendSolvers : public QObject {
  Q_OBJECT

 private slots:
  void batchesStayInTheirBackendsMemory() {
    HostBodyOps<double> ops("host-loop");
    backend::CpuOps<double> cpu;
    const Shape shape{3, 2, 5, 4};
    const Batch<double> host = test::RandomData<double>(shape, 1);

    QVERIFY(Batch<double>(shape, &cpu).onHost());  // the CPU's memory is the host's
    QVERIFY(Batch<double>(shape, nullptr).onHost());
    Batch<double> on = OnBackend(host, &ops);
    QCOMPARE(on.backend(), &ops);
    QCOMPARE(on.shape(), shape);
    QVERIFY(on.data() != host.data());
    QVERIFY(OnHost(on).values() == host.values());

    Batch<double> copy = on;  // a copy stays in the backend's memory, in memory of its own
    QCOMPARE(copy.backend(), &ops);
    QVERIFY(copy.data() != on.data());
    copy.fill(2.5);
    QVERIFY(OnHost(copy).values() == std::vector<double>(shape.size(), 2.5));
    QVERIFY(OnHost(on).values() == host.values());

    Batch<double> moved = std::move(copy);
    QCOMPARE(moved.backend(), &ops);
    QVERIFY(copy.empty() && copy.onHost());

    moved.resize(Shape{2, 1, 3, 3});
    QCOMPARE(moved.backend(), &ops);
    QVERIFY(OnHost(moved).values() == std::vector<double>(18, 0.0));

    QVERIFY(on.allFinite());
    Batch<double> bad = host;
    bad.at(2, 1, 4, 3) = std::nan("");
    QVERIFY(!OnBackend(bad, &ops).allFinite());

    const Batch<float> cast = BatchCast<float>(on);  // reads the backend's values
    QVERIFY(cast.onHost());
    QCOMPARE(cast.at(1, 1, 2, 3), float(host.at(1, 1, 2, 3)));

    // Batch operations run where the batches are.
    std::vector<double> on_norms, host_norms;
    Norm(AllImages(3), on, on_norms);
    Norm(AllImages(3), host, host_norms);
    for (int i = 0; i < 3; ++i)
      QVERIFY(std::abs(on_norms[i] - host_norms[i]) <= 1e-13 * host_norms[i]);
  }

  void solversOnBackendBatchesMatchTheHost_data() {
    QTest::addColumn<QString>("type");
    QTest::newRow("field_of_experts") << "field_of_experts";
    QTest::newRow("total_variation") << "total_variation";
  }
  void solversOnBackendBatchesMatchTheHost() {
    QFETCH(QString, type);
    const RegularizerSettings settings = Small(type.toStdString());
    std::unique_ptr<Regularizer<double>> cpu, body;
    QVERIFY(CreateRegularizer(settings, &cpu).ok());
    QVERIFY(
        CreateRegularizerOn<double>(settings, std::make_unique<HostBodyOps<double>>("loop"), &body)
            .ok());
    QVERIFY(cpu->backend() && cpu->backend()->hostMemory());
    QVERIFY(body->backend() && !body->backend()->hostMemory());
    Vector<double> theta = cpu->initialParameters();
    theta += test::RandomVec<double>(int(theta.size()), 2, -0.1, 0.1);
    cpu->setParameters(theta);
    body->setParameters(theta);

    const Shape shape{3, 2, 12, 10};
    const Batch<double> y = test::RandomData<double>(shape, 3, 0, 1);
    const Batch<double> y_on = OnBackend(y, body->backend());
    QVERIFY(!y_on.onHost());
    Denoising host_problem(*cpu, y), body_problem(*body, y_on);

    FistaOptions fo;
    fo.tolerance = 1e-9;
    Batch<double> x = y, x_on = y_on;
    const SolveSummary fh = SolveFista(fo, host_problem, x);
    const SolveSummary fb = SolveFista(fo, body_problem, x_on);
    QVERIFY2(fh.usable() && fh.status == SolverStatus::kConverged, fh.message.c_str());
    QCOMPARE(fb.status, fh.status);
    QVERIFY(!x_on.onHost());
    for (int i = 0; i < shape.n; ++i) {
      QCOMPARE(fb.images[i].iterations, fh.images[i].iterations);
      QCOMPARE(fb.images[i].lipschitz_increases, fh.images[i].lipschitz_increases);
      QVERIFY(std::abs(fb.images[i].lipschitz - fh.images[i].lipschitz) <=
              1e-10 * fh.images[i].lipschitz);
    }
    QVERIFY(fh.images[0].iterations > 3);
    QVERIFY(test::MaxAbsDiff(OnHost(x_on).data(), x.data(), x.size()) < 1e-10);

    CgOptions co;
    co.tolerance = 1e-10;
    const Batch<double> b = test::RandomData<double>(shape, 4);
    const Batch<double> b_on = OnBackend(b, body->backend());
    Batch<double> q(shape), q_on(shape, body->backend());
    const SolveSummary ch = SolveCg(co, host_problem.hessianAt(x), b, q);
    const SolveSummary cb = SolveCg(co, body_problem.hessianAt(x_on), b_on, q_on);
    QCOMPARE(ch.status, SolverStatus::kConverged);
    QCOMPARE(cb.status, ch.status);
    for (int i = 0; i < shape.n; ++i)
      QCOMPARE(cb.images[i].iterations, ch.images[i].iterations);
    QVERIFY(test::MaxAbsDiff(OnHost(q_on).data(), q.data(), q.size()) < 1e-9);
    QVERIFY(body->backend()->error().empty());
  }

  void hypergradientOnBackendBatchesMatchesTheHost_data() {
    QTest::addColumn<QString>("op");
    for (const char* op : {"identity", "blur", "blur-zero", "inpainting"})
      QTest::newRow(op) << op;
  }
  void hypergradientOnBackendBatchesMatchesTheHost() {
    QFETCH(QString, op);
    const Shape shape{3, 2, 12, 11};
    std::unique_ptr<ForwardOperator<double>> a;
    if (op == "identity") {
      a = std::make_unique<IdentityOperator<double>>(shape);
    } else if (op == "inpainting") {
      a = std::make_unique<InpaintingOperator<double>>(
          InpaintingOperator<double>::RandomMasks(shape, 0.6, 5));
    } else {
      GaussianBlurOptions blur;
      blur.size = 5;
      blur.sigma = 1.2;
      if (op == "blur-zero") blur.boundary = Boundary::kZero;
      Status made;
      a = GaussianBlurOperator<double>::Create(shape, blur, &made);
      QVERIFY2(made.ok(), made.message().c_str());
    }
    const Batch<double> clean = test::RandomData<double>(shape, 6, 0, 1);
    Batch<double> measured(shape);
    ApplyToBatch(*a, clean, measured);
    const Batch<double> noise = test::RandomData<double>(shape, 7, -0.1, 0.1);
    for (std::size_t k = 0; k < measured.size(); ++k)
      measured.data()[k] += noise.data()[k];

    const RegularizerSettings settings = Small("field_of_experts");
    std::unique_ptr<Regularizer<double>> cpu, body;
    QVERIFY(CreateRegularizer(settings, &cpu).ok());
    QVERIFY(
        CreateRegularizerOn<double>(settings, std::make_unique<HostBodyOps<double>>("loop"), &body)
            .ok());
    Vector<double> theta = cpu->initialParameters();
    theta += test::RandomVec<double>(int(theta.size()), 8, -0.1, 0.1);

    HypergradientOptions options;
    options.lower.tolerance = 1e-8;
    options.linear.tolerance = 1e-8;
    options.mu0 = 0.01;
    Batch<double> x, q;
    const HypergradientResult<double> host = ComputeHypergradient(
        options, *cpu, theta, BatchData<double>{a.get(), &clean, &measured}, x, q);
    QVERIFY2(host.status == SolverStatus::kConverged, host.message.c_str());

    backend::Ops<double>* where = body->backend();
    const Batch<double> clean_on = OnBackend(clean, where),
                        measured_on = OnBackend(measured, where);
    Batch<double> x_on, q_on;
    const HypergradientResult<double> on = ComputeHypergradient(
        options, *body, theta, BatchData<double>{a.get(), &clean_on, &measured_on}, x_on, q_on);
    QVERIFY2(on.status == SolverStatus::kConverged, on.message.c_str());
    QCOMPARE(x_on.backend(), where);
    QCOMPARE(q_on.backend(), where);
    for (int i = 0; i < shape.n; ++i) {
      QCOMPARE(on.lower.images[i].iterations, host.lower.images[i].iterations);
      // Long CG runs (an ill-conditioned blur) may end one iteration apart, where rounding
      // in another order puts the residual on the other side of the tolerance.
      QVERIFY(std::abs(on.linear.images[i].iterations - host.linear.images[i].iterations) <= 2);
      QVERIFY(std::abs(on.losses[i] - host.losses[i]) <= 1e-11 * host.losses[i]);
    }
    QVERIFY(test::MaxAbsDiff(OnHost(x_on).data(), x.data(), x.size()) < 1e-9);
    const double scale = host.gradient.cwiseAbs().maxCoeff();
    QVERIFY(scale > 0.0);
    QVERIFY2((on.gradient - host.gradient).cwiseAbs().maxCoeff() <= 1e-7 * scale,
             qPrintable(QString::number((on.gradient - host.gradient).cwiseAbs().maxCoeff())));
    QVERIFY(where->error().empty());
  }
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestBackendSolvers)
#include "test_backend_solvers.moc"
