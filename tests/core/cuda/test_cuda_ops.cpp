// The seam's CUDA backend (backend/cuda/cuda_ops.h) against the CPU's operation table: the
// conformance check of test_ops_table on a device, in float and double; an allocation larger
// than the device's memory is refused with a message that says so, and stops what follows.
// Skipped visibly without a device.
#include <QTest>

#include <memory>
#include <string>

#include "backend/cuda/cuda_ops.h"
#include "bilevel/backend_info.h"
#include "ops_conformance.h"
#include "test_support.h"

namespace bilevel {

class TestCudaOps : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const CudaDeviceInfo info = QueryCudaDevice();
    if (!info.available)
      QSKIP(qPrintable(QString::fromStdString(
          "no CUDA device, the seam's CUDA operations not run on a GPU: " + info.message)));
  }

  void operationsAgreeWithTheCpu() {
    std::string why;
    std::unique_ptr<backend::Ops<double>> ops = backend::MakeCudaOps<double>(0, &why);
    QVERIFY2(ops, why.c_str());
    test::OpsConformance<double> check(*ops, 1e-12);
    const std::string e = check.run();
    QVERIFY2(e.empty(), e.c_str());
    std::unique_ptr<backend::Ops<float>> opsf = backend::MakeCudaOps<float>(0, &why);
    QVERIFY2(opsf, why.c_str());
    test::OpsConformance<float> checkf(*opsf, 1e-4);
    const std::string ef = checkf.run();
    QVERIFY2(ef.empty(), ef.c_str());
  }

  void anAllocationBeyondTheDeviceIsRefusedWithAMessage() {
    std::string why;
    auto ops = backend::MakeCudaOps<float>(0, &why);
    QVERIFY2(ops, why.c_str());
    float* huge = ops->allocate(std::size_t(1) << 45);  // 128 TiB
    QVERIFY(huge == nullptr);
    QVERIFY2(test::MentionsAny(ops->error(), {"memory", "allocat"}), ops->error().c_str());
    backend::Array<float> after;
    after.resize(*ops, 16);
    QVERIFY(after.data() == nullptr);
  }
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestCudaOps)
#include "test_cuda_ops.moc"
