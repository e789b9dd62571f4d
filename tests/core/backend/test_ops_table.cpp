// The backend seam's operation table (backend/ops.h). The CPU's operations are exact adjoints and
// linear forms; the body launches of backend/body_ops.h, run in the host loop (the sequence of
// launches the CUDA backend makes on a device), agree with the CPU's on random inputs and leave
// inactive images alone, and a launch that misses one index is caught; the regularizers written
// over the seam give the same values and derivatives on either, and the others are refused a
// backend.
#include <QTest>

#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "backend/body_ops.h"
#include "backend/cpu/cpu_ops.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/thread_pool.h"
#include "ops_conformance.h"
#include "test_support.h"

namespace bilevel {
namespace {

template <typename T>
using HostBodyOps = backend::BodyOps<T, backend::HostLoopDevice>;

// A device whose launches skip the last column of every grid: an index error the conformance
// check must catch.
struct ShortDevice : backend::HostLoopDevice {
  template <typename Body>
  void launch(const LaunchGrid& grid, const Body& body) {
    HostLaunch({grid.x > 1 ? grid.x - 1 : grid.x, grid.y, grid.z}, body);
  }
};

double Dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k)
    s += a[k] * b[k];
  return s;
}

backend::ConvGeometry Geometry(bool reflect) {
  backend::ConvGeometry g;
  g.in_channels = 2;
  g.out_channels = 3;
  g.h = 9;
  g.w = 7;
  g.k = 5;
  g.reflect = reflect;
  return g;
}

}  // namespace

class TestOpsTable : public QObject {
  Q_OBJECT

 private slots:
  void bodyLaunchesAgreeWithTheCpu() {
    HostBodyOps<double> ops("host-loop");
    test::OpsConformance<double> check(ops, 1e-12);
    const std::string e = check.run();
    QVERIFY2(e.empty(), e.c_str());
    HostBodyOps<float> opsf("host-loop");
    test::OpsConformance<float> checkf(opsf, 2e-5);
    const std::string ef = checkf.run();
    QVERIFY2(ef.empty(), ef.c_str());
  }

  void aLaunchThatMissesAnIndexIsCaught() {
    backend::BodyOps<double, ShortDevice> ops("short");
    test::OpsConformance<double> check(ops, 1e-12);
    QVERIFY(!check.run().empty());
  }

  void cpuCorrelationAndItsAdjointAreAdjoint() {
    backend::CpuOps<double> ops;
    for (bool reflect : {true, false}) {
      const backend::ConvGeometry g = Geometry(reflect);
      const int n = 2;
      const backend::Active all{0, 1};
      const std::size_t xs = n * g.in_channels * g.plane(), zs = n * g.out_channels * g.plane();
      const Vector<double> xv = test::RandomVec<double>(int(xs), 1, -1, 1);
      const Vector<double> zv = test::RandomVec<double>(int(zs), 2, -1, 1);
      const Vector<double> wv =
          test::RandomVec<double>(g.out_channels * g.in_channels * g.k * g.k, 3, -0.5, 0.5);
      std::vector<double> kx(zs), ktz(xs);
      ops.correlate(g, all, xv.data(), wv.data(), kx.data());
      ops.correlateAdjoint(g, all, zv.data(), wv.data(), ktz.data());
      const double lhs = Dot(kx, std::vector<double>(zv.data(), zv.data() + zs));
      const double rhs = Dot(std::vector<double>(xv.data(), xv.data() + xs), ktz);
      QVERIFY2(std::abs(lhs - rhs) <= 1e-12 * std::abs(lhs), qPrintable(QString::number(lhs)));

      // <K_w x, z> is linear in w: the weight gradient dotted with w gives it back.
      std::vector<double> grad(2 * wv.size());
      ops.weightGradients(g, all, xv.data(), zv.data(), nullptr, nullptr, grad.data());
      double form = 0.0;
      for (int i = 0; i < n; ++i)
        for (Eigen::Index m = 0; m < wv.size(); ++m)
          form += grad[std::size_t(i) * wv.size() + m] * wv[m];
      QVERIFY2(std::abs(form - lhs) <= 1e-12 * std::abs(lhs), qPrintable(QString::number(form)));
    }
  }

  // Each regularizer written over the seam, made on the body launches through the registry,
  // against the same type on the CPU: values, gradients, Hessian-vector products, curvature
  // bounds and mixed derivatives on a subset of a batch, both boundary rules.
  void regularizersAreTheSameOnEitherPath_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("boundary");
    for (const char* type : {"field_of_experts", "total_variation", "convex_ridge", "input_convex"})
      for (const char* boundary : {"reflect101", "zero"})
        QTest::newRow(qPrintable(QString("%1 %2").arg(type, boundary))) << type << boundary;
  }
  void regularizersAreTheSameOnEitherPath() {
    QFETCH(QString, type);
    QFETCH(QString, boundary);
    RegularizerSettings s = DefaultRegularizerSettings(type.toStdString());
    s.set("regularizer.channels", 2LL);
    if (s.find("regularizer.boundary")) s.set("regularizer.boundary", boundary.toStdString());
    if (s.find("regularizer.kernels")) s.set("regularizer.kernels", 3LL);
    if (s.find("regularizer.kernel_size")) s.set("regularizer.kernel_size", 5LL);
    if (s.find("regularizer.hidden")) s.set("regularizer.hidden", 4LL);
    if (type == "convex_ridge") {
      s.set("regularizer.layers", std::string("3, 4"));
      s.set("regularizer.kernel_sizes", std::string("3, 5"));
      s.set("regularizer.knots", 7LL);
    }
    std::unique_ptr<Regularizer<double>> cpu, body;
    QVERIFY(CreateRegularizer(s, &cpu).ok());
    const Status made =
        CreateRegularizerOn<double>(s, std::make_unique<HostBodyOps<double>>("host-loop"), &body);
    QVERIFY2(made.ok(), made.message().c_str());
    Vector<double> theta = cpu->initialParameters();
    theta += test::RandomVec<double>(int(theta.size()), 5, -0.2, 0.2);
    cpu->setParameters(theta);
    body->setParameters(theta);
    const Batch<double> x = test::RandomData<double>(Shape{3, 2, 10, 8}, 6, 0, 1);
    const Batch<double> v = test::RandomData<double>(Shape{3, 2, 10, 8}, 7);
    const std::vector<int> active{2, 0};

    std::vector<double> value_cpu, value_body;
    cpu->value(active, x, value_cpu);
    body->value(active, x, value_body);
    for (int i : active)
      QVERIFY(std::abs(value_cpu[i] - value_body[i]) <= 1e-12 * std::abs(value_cpu[i]));

    Batch<double> a(x.shape()), b(x.shape());
    cpu->gradient(active, x, a);
    body->gradient(active, x, b);
    QVERIFY(test::RelativeError(b, a) <= 1e-12);
    cpu->prepareHessian(x);
    body->prepareHessian(x);
    cpu->hessianVector(active, v, a);
    body->hessianVector(active, v, b);
    QVERIFY(test::RelativeError(b, a) <= 1e-12);
    cpu->curvatureBound(active, v, a);
    body->curvatureBound(active, v, b);
    QVERIFY(test::RelativeError(b, a) <= 1e-12);

    Eigen::MatrixXd mixed_cpu, mixed_body;
    cpu->mixedDerivatives(active, x, v, mixed_cpu);
    body->mixedDerivatives(active, x, v, mixed_body);
    QCOMPARE(mixed_body.cols(), Eigen::Index(active.size()));
    QVERIFY((mixed_cpu - mixed_body).cwiseAbs().maxCoeff() <=
            1e-11 * mixed_cpu.cwiseAbs().maxCoeff());
  }

  // The CPU runs a pass per image, with its position, on an Ops of the running thread; the body
  // launches run one pass over the whole list. Both visit each image once.
  void passesVisitEachImageOnceWithItsPosition() {
    const std::vector<int> active{3, 1, 4, 0, 6};
    const int original = ThreadCount();
    for (int threads : {1, 2, 3}) {
      SetThreadCount(threads);
      backend::CpuOps<double> cpu;
      std::vector<int> seen(active.size(), -1);
      int visits = 0, wider = 0;
      std::mutex mutex;
      std::set<backend::Ops<double>*> used;
      cpu.perImage(active, [&](backend::Ops<double>& ops, const std::vector<int>& images,
                               std::size_t first) {
        std::lock_guard<std::mutex> lock(mutex);
        ++visits;
        wider += images.size() != 1 ? 1 : 0;
        if (first < seen.size()) seen[first] = images.empty() ? -2 : images[0];
        used.insert(&ops);
      });
      QCOMPARE(visits, int(active.size()));
      QCOMPARE(wider, 0);
      QCOMPARE(seen, active);
      QVERIFY(int(used.size()) <= threads);
      QVERIFY(used.count(&cpu) == 0);
    }
    SetThreadCount(original);
    HostBodyOps<double> body("host-loop");
    int calls = 0;
    body.perImage(
        active, [&](backend::Ops<double>& ops, const std::vector<int>& images, std::size_t first) {
          ++calls;
          QCOMPARE(&ops, static_cast<backend::Ops<double>*>(&body));
          QCOMPARE(images, active);
          QCOMPARE(first, std::size_t(0));
        });
    QCOMPARE(calls, 1);
  }

  void aTypeNotWrittenOverTheSeamIsRefusedABackend() {
    // A copy of smoothed TV registered with the plain factories only, as a type written against
    // batches of host images would be.
    RegularizerType cpu_only = *FindRegularizerType("total_variation");
    cpu_only.name = "cpu_only_total_variation";
    cpu_only.defaults.type = cpu_only.name;
    cpu_only.make_float_on = nullptr;
    cpu_only.make_double_on = nullptr;
    RegisterRegularizerType(cpu_only);
    std::unique_ptr<Regularizer<double>> made;
    QVERIFY(CreateRegularizer(DefaultRegularizerSettings(cpu_only.name), &made).ok());
    const Status s =
        CreateRegularizerOn<double>(DefaultRegularizerSettings(cpu_only.name),
                                    std::make_unique<HostBodyOps<double>>("host-loop"), &made);
    QVERIFY(!s.ok());
    QVERIFY2(test::MentionsAny(s.message(), {"cpu only"}), s.message().c_str());
  }
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestOpsTable)
#include "test_ops_table.moc"
