// The CUDA FoE operators against the CPU FieldOfExperts<float>: fresh random data each test,
// outputs poisoned with NaN on the device before every operation, relative error
// ||gpu - cpu|| / ||cpu|| <= 1e-4 and every value finite. Rows: both boundary rules x odd sizes,
// the paper's size, images as small as the kernel, and shapes that take the generic kernels.
// Without a CUDA device every test is skipped.
#include <QObject>
#include <QString>
#include <QTest>

#include <limits>
#include <memory>
#include <random>

#include "base/batch_ops.h"
#include "cuda/cuda_foe.h"
#include "cuda_test_support.h"
#include "data/synthetic.h"
#include "regularizers/foe.h"

using namespace bilevel;

namespace {

constexpr double kTolerance = 1e-4;
const float kPoison = std::numeric_limits<float>::quiet_NaN();

struct Case {
  FoeConfig config;
  Shape shape;
  unsigned seed = 0;
  QString describe() const {
    return QString("%1 %2x%3x%4x%5 J=%6 k=%7 seed=%8")
        .arg(ToString(config.boundary))
        .arg(shape.n)
        .arg(shape.c)
        .arg(shape.h)
        .arg(shape.w)
        .arg(config.kernels)
        .arg(config.kernel_size)
        .arg(seed);
  }
};

unsigned FreshSeed() {
  static std::random_device device;
  return device() % 1000000u + 1u;
}

// Random parameters: random unit kernels and random overall/expert weights and smoothing.
Vector<float> RandomTheta(const FieldOfExperts<float>& foe, unsigned seed) {
  FoeInitOptions options;
  options.seed = seed;
  Vector<float> theta = foe.initialParameters(options);
  std::mt19937 rng(seed + 77u);
  std::uniform_real_distribution<float> uni(-0.5f, 0.5f);
  theta[foe.layout().theta0()] = -1.0f + uni(rng);
  for (int j = 0; j < foe.config().kernels; ++j)
    theta[foe.layout().expertWeight(j)] = uni(rng);
  theta[foe.layout().smoothing()] = -2.5f + uni(rng);
  return theta;
}

double RelErr(const Batch<float>& gpu, const Batch<float>& cpu) {
  if (gpu.shape() != cpu.shape()) return std::numeric_limits<double>::infinity();
  return cudatest::RelativeError(gpu.data(), gpu.size(), cpu.data(), cpu.size());
}

double RelErr(const Vector<float>& gpu, const Vector<float>& cpu) {
  return cudatest::RelativeError(gpu.data(), std::size_t(gpu.size()), cpu.data(),
                                 std::size_t(cpu.size()));
}

}  // namespace

class CudaParityTest : public QObject {
  Q_OBJECT

 private:
  // Skips (visibly) when no device is present; otherwise builds a CPU/GPU pair for the row.
  bool setUp(Case& c, std::unique_ptr<CudaFoe>& gpu, std::unique_ptr<FieldOfExperts<float>>& cpu) {
    QFETCH(int, boundary);
    QFETCH(int, n);
    QFETCH(int, channels);
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(int, kernels);
    QFETCH(int, k);
    c.config.channels = channels;
    c.config.kernels = kernels;
    c.config.kernel_size = k;
    c.config.boundary = boundary == 0 ? Boundary::kReflect101 : Boundary::kZero;
    c.shape = Shape{n, channels, h, w};
    c.seed = FreshSeed();
    Status status;
    gpu = CudaFoe::Create(c.config, c.shape, &status);
    if (!gpu) return false;
    cpu = std::make_unique<FieldOfExperts<float>>(c.config);
    const Vector<float> theta = RandomTheta(*cpu, c.seed);
    cpu->setParameters(theta);
    const Status set = gpu->setParameters(theta);
    if (!set.ok()) {
      QTest::qFail(qPrintable("setParameters: " + QString::fromStdString(set.message())), __FILE__,
                   __LINE__);
      return false;
    }
    return true;
  }

  static void addRows() {
    QTest::addColumn<int>("boundary");
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("kernels");
    QTest::addColumn<int>("k");
    for (int b = 0; b < 2; ++b) {
      const char* name = b == 0 ? "reflect101" : "zero";
      QTest::newRow(qPrintable(QString("%1 odd 2x3x17x23 J3 k5").arg(name)))
          << b << 2 << 3 << 17 << 23 << 3 << 5;
      QTest::newRow(qPrintable(QString("%1 paper 4x3x96x96 J10 k7").arg(name)))
          << b << 4 << 3 << 96 << 96 << 10 << 7;
      QTest::newRow(qPrintable(QString("%1 tiny 3x3x7x9 J10 k7").arg(name)))
          << b << 3 << 3 << 7 << 9 << 10 << 7;
      QTest::newRow(qPrintable(QString("%1 gray 2x1x33x40 J8 k3").arg(name)))
          << b << 2 << 1 << 33 << 40 << 8 << 3;
      QTest::newRow(qPrintable(QString("%1 generic 2x2x19x21 J5 k9").arg(name)))
          << b << 2 << 2 << 19 << 21 << 5 << 9;
      QTest::newRow(qPrintable(QString("%1 wide 1x3x20x100 J12 k7").arg(name)))
          << b << 1 << 3 << 20 << 100 << 12 << 7;
    }
  }

  // Skips the current test when no device exists (message says why).
  static bool deviceOrSkip() {
    Status status;
    FoeConfig config;
    auto probe = CudaFoe::Create(config, Shape{}, &status);
    if (probe) return true;
    noDevice_ = QString::fromStdString(status.message());
    return false;
  }
  static inline QString noDevice_;

#define REQUIRE_DEVICE()                                                         \
  do {                                                                           \
    if (!deviceOrSkip())                                                         \
      QSKIP(qPrintable("no CUDA device, GPU parity not checked: " + noDevice_)); \
  } while (0)

#define REQUIRE_OK(expr)                     \
  do {                                       \
    const Status s_ = (expr);                \
    QVERIFY2(s_.ok(), s_.message().c_str()); \
  } while (0)

#define CHECK_PARITY(gpuValue, cpuValue, what)                                                    \
  do {                                                                                            \
    const double rel_ = RelErr(gpuValue, cpuValue);                                               \
    QVERIFY2(                                                                                     \
        rel_ <= kTolerance,                                                                       \
        qPrintable(QString("%1: relative error %2 (%3)").arg(what).arg(rel_).arg(c.describe()))); \
  } while (0)

 private slots:
  void gradient_data() {
    addRows();
  }
  void gradient() {
    REQUIRE_DEVICE();
    Case c;
    std::unique_ptr<CudaFoe> gpu;
    std::unique_ptr<FieldOfExperts<float>> cpu;
    QVERIFY(setUp(c, gpu, cpu));
    const Batch<float> x = RandomBatch<float>(c.shape, c.seed, 0.0, 1.0);
    Batch<float> ref;
    cpu->gradient(AllImages(c.shape.n), x, ref);
    DeviceBatch dx, dout;
    REQUIRE_OK(gpu->upload(x, dx));
    REQUIRE_OK(dout.allocate(c.shape));
    REQUIRE_OK(gpu->fill(dout, kPoison));
    REQUIRE_OK(gpu->gradient(dx, dout));
    Batch<float> got;
    REQUIRE_OK(gpu->download(dout, got));
    CHECK_PARITY(got, ref, "gradient");
  }

  void hessianVector_data() {
    addRows();
  }
  void hessianVector() {
    REQUIRE_DEVICE();
    Case c;
    std::unique_ptr<CudaFoe> gpu;
    std::unique_ptr<FieldOfExperts<float>> cpu;
    QVERIFY(setUp(c, gpu, cpu));
    const Batch<float> x = RandomBatch<float>(c.shape, c.seed, 0.0, 1.0);
    const Batch<float> v = RandomBatch<float>(c.shape, c.seed + 1, -1.0, 1.0);
    Batch<float> ref;
    cpu->prepareHessian(x);
    cpu->hessianVector(AllImages(c.shape.n), v, ref);
    DeviceBatch dx, dv, dout;
    REQUIRE_OK(gpu->upload(x, dx));
    REQUIRE_OK(gpu->upload(v, dv));
    REQUIRE_OK(gpu->prepareHessian(dx));
    REQUIRE_OK(dout.allocate(c.shape));
    REQUIRE_OK(gpu->fill(dout, kPoison));
    REQUIRE_OK(gpu->hessianVector(dv, dout));
    Batch<float> got;
    REQUIRE_OK(gpu->download(dout, got));
    CHECK_PARITY(got, ref, "hessianVector");
    // A second product at the same x (the prepared diagonal is reused).
    const Batch<float> v2 = RandomBatch<float>(c.shape, c.seed + 2, -1.0, 1.0);
    cpu->hessianVector(AllImages(c.shape.n), v2, ref);
    REQUIRE_OK(gpu->upload(v2, dv));
    REQUIRE_OK(gpu->fill(dout, kPoison));
    REQUIRE_OK(gpu->hessianVector(dv, dout));
    REQUIRE_OK(gpu->download(dout, got));
    CHECK_PARITY(got, ref, "hessianVector (second)");
  }

  void hessianBound_data() {
    addRows();
  }
  void hessianBound() {
    REQUIRE_DEVICE();
    Case c;
    std::unique_ptr<CudaFoe> gpu;
    std::unique_ptr<FieldOfExperts<float>> cpu;
    QVERIFY(setUp(c, gpu, cpu));
    const Batch<float> v = RandomBatch<float>(c.shape, c.seed, -1.0, 1.0);
    Batch<float> ref;
    cpu->hessianBound(AllImages(c.shape.n), v, ref);
    DeviceBatch dv, dout;
    REQUIRE_OK(gpu->upload(v, dv));
    REQUIRE_OK(dout.allocate(c.shape));
    REQUIRE_OK(gpu->fill(dout, kPoison));
    REQUIRE_OK(gpu->hessianBound(dv, dout));
    Batch<float> got;
    REQUIRE_OK(gpu->download(dout, got));
    CHECK_PARITY(got, ref, "hessianBound");
  }

  void filterResponses_data() {
    addRows();
  }
  void filterResponses() {
    REQUIRE_DEVICE();
    Case c;
    std::unique_ptr<CudaFoe> gpu;
    std::unique_ptr<FieldOfExperts<float>> cpu;
    QVERIFY(setUp(c, gpu, cpu));
    const Batch<float> x = RandomBatch<float>(c.shape, c.seed, -1.0, 1.0);
    Batch<float> ref;
    cpu->filterResponses(x, ref);
    DeviceBatch dx, dout;
    REQUIRE_OK(gpu->upload(x, dx));
    REQUIRE_OK(dout.allocate(ref.shape()));
    REQUIRE_OK(gpu->fill(dout, kPoison));
    REQUIRE_OK(gpu->filterResponses(dx, dout));
    Batch<float> got;
    REQUIRE_OK(gpu->download(dout, got));
    CHECK_PARITY(got, ref, "filterResponses");
  }

  void filterResponsesAdjoint_data() {
    addRows();
  }
  void filterResponsesAdjoint() {
    REQUIRE_DEVICE();
    Case c;
    std::unique_ptr<CudaFoe> gpu;
    std::unique_ptr<FieldOfExperts<float>> cpu;
    QVERIFY(setUp(c, gpu, cpu));
    const Shape rs{c.shape.n, c.config.kernels, c.shape.h, c.shape.w};
    const Batch<float> r = RandomBatch<float>(rs, c.seed, -1.0, 1.0);
    Batch<float> ref;
    cpu->filterResponsesAdjoint(r, ref);
    DeviceBatch dr, dout;
    REQUIRE_OK(gpu->upload(r, dr));
    REQUIRE_OK(dout.allocate(c.shape));
    REQUIRE_OK(gpu->fill(dout, kPoison));
    REQUIRE_OK(gpu->filterResponsesAdjoint(dr, dout));
    Batch<float> got;
    REQUIRE_OK(gpu->download(dout, got));
    CHECK_PARITY(got, ref, "filterResponsesAdjoint");
  }

  void mixedDerivative_data() {
    addRows();
  }
  void mixedDerivative() {
    REQUIRE_DEVICE();
    Case c;
    std::unique_ptr<CudaFoe> gpu;
    std::unique_ptr<FieldOfExperts<float>> cpu;
    QVERIFY(setUp(c, gpu, cpu));
    const Batch<float> x = RandomBatch<float>(c.shape, c.seed, 0.0, 1.0);
    const Batch<float> q = RandomBatch<float>(c.shape, c.seed + 1, -1.0, 1.0);
    Vector<float> ref;
    cpu->mixedDerivative(AllImages(c.shape.n), x, q, ref);
    DeviceBatch dx, dq;
    REQUIRE_OK(gpu->upload(x, dx));
    REQUIRE_OK(gpu->upload(q, dq));
    Vector<float> got = Vector<float>::Constant(ref.size(), kPoison);
    REQUIRE_OK(gpu->mixedDerivative(dx, dq, got));
    QCOMPARE(got.size(), ref.size());
    CHECK_PARITY(got, ref, "mixedDerivative");
    // The scalar blocks on their own (they are few, so the whole-vector error could hide them).
    const int J = c.config.kernels;
    const Vector<float> gs = got.head(2 + J), rs = ref.head(2 + J);
    CHECK_PARITY(gs, rs, "mixedDerivative (theta0, theta_j, s)");
  }

  // Bad input comes back as a Status with a message, never a crash.
  void badInput() {
    REQUIRE_DEVICE();
    FoeConfig config;
    config.kernels = 3;
    config.kernel_size = 5;
    Status status;
    auto gpu = CudaFoe::Create(config, Shape{2, 3, 16, 16}, &status);
    QVERIFY2(gpu, status.message().c_str());
    DeviceBatch x, out;
    QVERIFY(!gpu->gradient(x, out).ok());  // no parameters, empty input
    FieldOfExperts<float> cpu(config);
    REQUIRE_OK(gpu->setParameters(cpu.initialParameters()));
    QVERIFY(!gpu->setParameters(Vector<float>::Zero(5)).ok());
    REQUIRE_OK(gpu->upload(RandomBatch<float>(Shape{2, 1, 16, 16}, 3), x));
    const Status wrong = gpu->gradient(x, out);
    QVERIFY(!wrong.ok());
    QVERIFY(!wrong.message().empty());
    REQUIRE_OK(gpu->upload(RandomBatch<float>(Shape{2, 3, 16, 16}, 3), x));
    QVERIFY(!gpu->hessianVector(x, out).ok());  // before prepareHessian
    QVERIFY(!gpu->gradient(x, x).ok());         // aliasing
    REQUIRE_OK(gpu->upload(RandomBatch<float>(Shape{2, 3, 4, 4}, 3), x));
    QVERIFY(!gpu->gradient(x, out).ok());  // kernel larger than the image
    // An allocation far beyond any device's memory fails with a message.
    DeviceBatch huge;
    const Status oom = huge.allocate(Shape{1 << 20, 64, 1024, 1024});
    QVERIFY(!oom.ok());
    QVERIFY(!oom.message().empty());
    REQUIRE_OK(gpu->synchronize());
  }
};

QTEST_GUILESS_MAIN(CudaParityTest)
#include "test_cuda_parity.moc"
