// The engine on a CUDA device against the CPU: the image-problem oracle with every regularizer
// type under every forward operator (oracle_parity.h, which test_backend_oracle runs on the body
// launches in the host loop), and Reconstruct with device "cuda" against device "cpu". Skipped
// visibly without a device.
#include <QTest>

#include <cmath>
#include <memory>
#include <string>

#include "backend/cuda/cuda_ops.h"
#include "bilevel/backend_info.h"
#include "bilevel/metrics.h"
#include "bilevel/reconstruct.h"
#include "oracle_parity.h"

namespace bilevel {

class TestCudaOracle : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const CudaDeviceInfo info = QueryCudaDevice();
    if (!info.available)
      QSKIP(qPrintable(
          QString::fromStdString("no CUDA device, the engine not run on a GPU: " + info.message)));
  }

  void oracleAgreesWithTheCpu_data() { test::OracleParityRows(); }
  void oracleAgreesWithTheCpu() {
    QFETCH(QString, type);
    QFETCH(int, kind);
    const std::string e = test::OracleParity(type.toStdString(), OperatorKind(kind), [] {
      std::string why;
      return backend::MakeCudaOps<float>(0, &why);
    });
    QVERIFY2(e.empty(), e.c_str());
  }

  void reconstructAgreesWithTheCpu_data() {
    QTest::addColumn<QString>("type");
    for (const char* type : {"field_of_experts", "total_variation", "convex_ridge", "input_convex"})
      QTest::newRow(type) << type;
  }
  void reconstructAgreesWithTheCpu() {
    QFETCH(QString, type);
    const RegularizerSettings settings = test::SmallSettings(type.toStdString(), 1);
    std::unique_ptr<Regularizer<double>> reg;
    QVERIFY(CreateRegularizer(settings, &reg).ok());
    const Eigen::VectorXd theta = reg->initialParameters();
    const Shape shape{2, 1, 40, 36};
    const Batch<float> clean = test::RandomData<float>(shape, 3, 0.0, 1.0);
    Batch<float> noisy = clean;
    const Batch<float> noise = test::RandomData<float>(shape, 4, -0.1, 0.1);
    for (std::size_t k = 0; k < noisy.size(); ++k)
      noisy.data()[k] += noise.data()[k];
    IdentityOperator<float> op(Shape{1, 1, 40, 36});
    ReconstructOptions options;
    options.fista.tolerance = 1e-3;
    options.allow_cpu_fallback = false;
    options.device = DevicePreference::kCpu;
    const ReconstructResult cpu = Reconstruct(settings, theta, op, noisy, options);
    options.device = DevicePreference::kCuda;
    const ReconstructResult gpu = Reconstruct(settings, theta, op, noisy, options);
    QVERIFY2(cpu.status.ok(), cpu.status.message().c_str());
    QVERIFY2(gpu.status.ok(), gpu.status.message().c_str());
    QVERIFY2(gpu.backend.rfind("GPU", 0) == 0, gpu.backend.c_str());
    QVERIFY(gpu.x.onHost());
    for (int i = 0; i < shape.n; ++i)
      QVERIFY2(std::abs(Psnr(gpu.x, clean, i) - Psnr(cpu.x, clean, i)) < 1e-3,
               qPrintable(QString("image %1: %2 dB on the GPU, %3 on the CPU")
                              .arg(i)
                              .arg(Psnr(gpu.x, clean, i))
                              .arg(Psnr(cpu.x, clean, i))));
  }
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestCudaOracle)
#include "test_cuda_oracle.moc"
