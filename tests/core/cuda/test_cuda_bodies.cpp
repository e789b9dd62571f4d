// The correlation bodies launched on a CUDA grid (backend/cuda/correlation_launches.h) against
// the same bodies run by the host loop, which test_kernel_bodies checks against the CPU backend:
// random float inputs, both boundary rules, several images per launch. Skipped visibly without a
// device.
#include <QTest>

#include <cuda_runtime.h>

#include <vector>

#include "backend/cuda/correlation_launches.h"
#include "backend/host_launch.h"
#include "bilevel/backend_info.h"
#include "test_support.h"

namespace bilevel {
namespace {

// A device copy of a host vector, freed at scope exit.
template <typename T>
struct Device {
  T* ptr = nullptr;
  std::size_t size = 0;
  explicit Device(std::size_t n) : size(n) { cudaMalloc(&ptr, n * sizeof(T)); }
  explicit Device(const std::vector<T>& v) : Device(v.size()) {
    cudaMemcpy(ptr, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice);
  }
  ~Device() { cudaFree(ptr); }
  std::vector<T> read() const {
    std::vector<T> out(size);
    cudaMemcpy(out.data(), ptr, size * sizeof(T), cudaMemcpyDeviceToHost);
    return out;
  }
};

}  // namespace

class TestCudaBodies : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const CudaDeviceInfo info = QueryCudaDevice();
    if (!info.available)
      QSKIP(
          qPrintable(QString::fromStdString("no CUDA device, correlation bodies not run on a "
                                            "GPU: " +
                                            info.message)));
  }

  void correlationBodiesOnTheDeviceMatchTheHostLoop_data() {
    QTest::addColumn<bool>("reflect");
    QTest::addColumn<int>("k");
    QTest::newRow("reflect101 k3") << true << 3;
    QTest::newRow("reflect101 k7") << true << 7;
    QTest::newRow("zero k5") << false << 5;
  }

  void correlationBodiesOnTheDeviceMatchTheHostLoop() {
    QFETCH(bool, reflect);
    QFETCH(int, k);
    kernels::ConvGeometry g;
    g.in_channels = 3;
    g.out_channels = 5;
    g.h = 37;
    g.w = 150;  // more than one block of threads per row
    g.k = k;
    g.reflect = reflect;
    const int n = 4;
    const auto x = test::RandomValues<float>(std::size_t(n) * g.in_channels * g.plane(), 1);
    const auto z = test::RandomValues<float>(std::size_t(n) * g.out_channels * g.plane(), 2);
    const auto w =
        test::RandomValues<float>(std::size_t(g.out_channels) * g.in_channels * k * k, 3);
    const std::size_t weights = w.size();

    std::vector<float> kx(z.size()), ktz(x.size());
    std::vector<double> grad(std::size_t(n) * weights);
    HostLaunch({g.w, g.h, n * g.out_channels},
               kernels::CorrelateForwardBody<float>{g, x.data(), w.data(), kx.data()});
    HostLaunch({g.w, g.h, n * g.in_channels},
               kernels::CorrelateAdjointBody<float>{g, z.data(), w.data(), ktz.data()});
    HostLaunch({k * k, g.in_channels, n * g.out_channels},
               kernels::WeightGradientBody<float>{g, x.data(), z.data(), grad.data()});

    Device<float> dx(x), dz(z), dw(w), dkx(kx.size()), dktz(ktz.size());
    Device<double> dgrad(grad.size());
    QVERIFY(cuda::CorrelateForward(g, n, dx.ptr, dw.ptr, dkx.ptr, nullptr) == cudaSuccess);
    QVERIFY(cuda::CorrelateAdjoint(g, n, dz.ptr, dw.ptr, dktz.ptr, nullptr) == cudaSuccess);
    QCOMPARE(cuda::CorrelateWeightGradients(g, n, dx.ptr, dz.ptr, dgrad.ptr, nullptr), cudaSuccess);
    QVERIFY(cudaDeviceSynchronize() == cudaSuccess);

    QVERIFY(test::RelativeError(dkx.read(), kx) < 1e-6);
    QVERIFY(test::RelativeError(dktz.read(), ktz) < 1e-6);
    QVERIFY(test::RelativeError(dgrad.read(), grad) < 1e-6);
  }
};

}  // namespace bilevel

QTEST_APPLESS_MAIN(bilevel::TestCudaBodies)
#include "test_cuda_bodies.moc"
