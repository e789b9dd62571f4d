// Reconstruct on the GPU against the CPU: the Field of Experts lower-level problem of random
// images, random parameters and random measurements (denoising, deblurring, inpainting), solved
// with device "cuda" and device "cpu". Tolerances as test_cuda_engine: x to 1e-4 relative, the
// FISTA iteration count within 25 % (at least 2) of the CPU's (float32 rounding moves the stopping
// test). Without a CUDA device every test is skipped.
#include <QObject>
#include <QString>
#include <QTest>

#include <cmath>
#include <random>

#include "bilevel/backend_info.h"
#include "bilevel/reconstruct.h"
#include "regularizers/foe.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

class CudaReconstructTest : public QObject {
  Q_OBJECT

 private slots:
  void matchesTheCpu_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("denoise") << int(OperatorKind::kIdentity);
    QTest::newRow("deblur") << int(OperatorKind::kGaussianBlur);
    QTest::newRow("inpaint") << int(OperatorKind::kInpainting);
  }
  void matchesTheCpu() {
    const CudaDeviceInfo info = QueryCudaDevice();
    if (!info.built || !info.available)
      QSKIP(qPrintable(QString::fromStdString("no CUDA device, GPU reconstruction not checked: " +
                                              info.message)));
    QFETCH(int, kind);
    const unsigned seed = std::random_device{}() % 100000u + 1u;
    const FoeConfig config{3, 6, 5, seed % 2 ? Boundary::kReflect101 : Boundary::kZero};
    const RegularizerSettings settings = FoeSettings(config, DerivativeCheckInit(seed));
    FieldOfExperts<double> foe(config);
    const Eigen::VectorXd theta = DerivativeCheckParameters(foe, seed);
    const Shape shape{3, 3, 29, 34};
    const Batch<float> clean = RandomData<float>(shape, seed, 0.0, 1.0);
    std::unique_ptr<ForwardOperator<float>> op;
    if (OperatorKind(kind) == OperatorKind::kIdentity) {
      op = std::make_unique<IdentityOperator<float>>(shape);
    } else if (OperatorKind(kind) == OperatorKind::kGaussianBlur) {
      Status s;
      GaussianBlurOptions blur;
      blur.size = 5;
      blur.sigma = 1.3;
      op = GaussianBlurOperator<float>::Create(shape, blur, &s);
      QVERIFY2(s.ok(), s.message().c_str());
    } else {
      op = std::make_unique<InpaintingOperator<float>>(
          InpaintingOperator<float>::RandomMasks(shape, 0.6, seed));
    }
    Batch<float> y(shape);
    ApplyToBatch(*op, clean, y);
    const Batch<float> noise = RandomData<float>(shape, seed + 1, -0.1, 0.1);
    for (std::size_t k = 0; k < y.size(); ++k)
      y.data()[k] += noise.data()[k];

    ReconstructOptions options;
    options.fista.tolerance = 1e-4;
    options.fista.max_iterations = 3000;
    options.mu0 = OperatorKind(kind) == OperatorKind::kIdentity ? 0.0 : 0.1;
    options.allow_cpu_fallback = false;
    options.device = DevicePreference::kCpu;
    const ReconstructResult cpu = Reconstruct(settings, theta, *op, y, options);
    options.device = DevicePreference::kCuda;
    const ReconstructResult gpu = Reconstruct(settings, theta, *op, y, options);
    QVERIFY2(cpu.status.ok(), cpu.status.message().c_str());
    QVERIFY2(gpu.status.ok(), gpu.status.message().c_str());
    QVERIFY2(gpu.backend.rfind("GPU: ", 0) == 0, gpu.backend.c_str());
    const double rel = RelativeError(gpu.x, cpu.x);
    QVERIFY2(rel <= 1e-4, qPrintable(QString("x: relative error %1 (seed %2)").arg(rel).arg(seed)));
    for (int i = 0; i < shape.n; ++i) {
      const int a = gpu.summary.images[i].iterations, b = cpu.summary.images[i].iterations;
      QVERIFY2(std::abs(a - b) <= std::max(2, b / 4),
               qPrintable(QString("image %1: %2 GPU vs %3 CPU iterations (seed %4)")
                              .arg(i)
                              .arg(a)
                              .arg(b)
                              .arg(seed)));
    }
  }
};

QTEST_GUILESS_MAIN(CudaReconstructTest)
#include "test_cuda_reconstruct.moc"
